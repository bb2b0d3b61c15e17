/**
 * The cost model: what a site costs on AWS per month, from usage measured in real runs of the pipeline
 * (meter.ts) priced with the public on-demand prices of prices.ts. Pure arithmetic, no I/O: the bench
 * measures, this prices, and `cost.test.ts` holds a known request mix to a known price.
 */
import { z } from "zod";
import type { DynamoUsage, SqsUsage } from "./meter";
import { PRICES, type Prices } from "./prices";

/** Billable quantities, each in the unit its price is given in. */
export const Usage = z.object({
  lambda_requests: z.number(),
  lambda_gb_seconds: z.number(),
  sqs_requests: z.number(),
  dynamodb_read_units: z.number(),
  dynamodb_write_units: z.number(),
  dynamodb_gb_months: z.number(),
  api_requests: z.number(),
  scheduler_invocations: z.number(),
});
export type Usage = z.infer<typeof Usage>;

export const NO_USAGE: Usage = {
  lambda_requests: 0,
  lambda_gb_seconds: 0,
  sqs_requests: 0,
  dynamodb_read_units: 0,
  dynamodb_write_units: 0,
  dynamodb_gb_months: 0,
  api_requests: 0,
  scheduler_invocations: 0,
};

const KEYS = Object.keys(NO_USAGE) as (keyof Usage)[];

export const addUsage = (...all: Partial<Usage>[]): Usage => {
  const sum = { ...NO_USAGE };
  for (const u of all) for (const k of KEYS) sum[k] += u[k] ?? 0;
  return sum;
};

export const scaleUsage = (u: Usage, factor: number): Usage => {
  const out = { ...NO_USAGE };
  for (const k of KEYS) out[k] = u[k] * factor;
  return out;
};

/** `a - b`, no quantity below zero (a marginal cost is never a saving). */
export const marginalUsage = (a: Usage, b: Usage): Usage => {
  const out = { ...NO_USAGE };
  for (const k of KEYS) out[k] = Math.max(0, a[k] - b[k]);
  return out;
};

/** Lambda is billed per GB-second of each invocation's duration, rounded up to the millisecond. */
export const gbSeconds = (billedMs: number, memoryMb: number): number =>
  (billedMs / 1000) * (memoryMb / 1024);

/**
 * Lambda gives a function CPU in proportion to its memory, one vCPU at 1,769 MB ("Lambda allocates CPU power
 * in proportion to the amount of memory configured. [...] At 1,769 MB, a function has the equivalent of one
 * vCPU": AWS Lambda Developer Guide, "Configuring Lambda function memory"). More does not help a
 * single-threaded Node process.
 */
const ONE_VCPU_MB = 1769;

/**
 * The duration on Lambda of an invocation measured here on one core: its waits as measured, its CPU time
 * stretched by the share of a vCPU `memoryMb` buys. Below 1,769 MB a CPU-bound invocation takes longer at less
 * memory, so its GB-seconds hardly fall; only the time spent waiting gets cheaper.
 */
export const durationAtMemory = (wallMs: number, cpuMs: number, memoryMb: number): number =>
  wallMs + Math.min(cpuMs, wallMs) * Math.max(0, ONE_VCPU_MB / memoryMb - 1);

/** The usage of what one process sent (its DynamoDB and SQS meters) and of its Lambda invocations. */
export function usageOf(o: {
  dynamodb?: DynamoUsage;
  sqs?: SqsUsage;
  lambda?: { invocations: number; billed_ms: number; memory_mb: number };
}): Usage {
  return addUsage({
    dynamodb_read_units: o.dynamodb?.read_units ?? 0,
    dynamodb_write_units: o.dynamodb?.write_units ?? 0,
    sqs_requests: o.sqs?.billed_requests ?? 0,
    lambda_requests: o.lambda?.invocations ?? 0,
    lambda_gb_seconds: o.lambda ? gbSeconds(o.lambda.billed_ms, o.lambda.memory_mb) : 0,
  });
}

export const Breakdown = z.object({
  lambda: z.number(),
  sqs: z.number(),
  dynamodb_reads: z.number(),
  dynamodb_writes: z.number(),
  dynamodb_storage: z.number(),
  api_gateway: z.number(),
  scheduler: z.number(),
  total: z.number(),
});
export type Breakdown = z.infer<typeof Breakdown>;

const perMillion = (n: number, usd: number) => (n / 1e6) * usd;

/** US dollars for a usage, by line of the bill. */
export function price(u: Usage, p: Prices = PRICES): Breakdown {
  const lines = {
    lambda:
      perMillion(u.lambda_requests, p.lambda.usd_per_million_requests) +
      u.lambda_gb_seconds * p.lambda.usd_per_gb_second,
    sqs: perMillion(u.sqs_requests, p.sqs.usd_per_million_requests),
    dynamodb_reads: perMillion(u.dynamodb_read_units, p.dynamodb.usd_per_million_read_units),
    dynamodb_writes: perMillion(u.dynamodb_write_units, p.dynamodb.usd_per_million_write_units),
    dynamodb_storage: u.dynamodb_gb_months * p.dynamodb.usd_per_gb_month,
    api_gateway: perMillion(u.api_requests, p.api_gateway.usd_per_million_requests),
    scheduler: perMillion(u.scheduler_invocations, p.scheduler.usd_per_million_invocations),
  };
  return { ...lines, total: Object.values(lines).reduce((a, b) => a + b, 0) };
}

/** How the month is made (stated in docs/performance.md). */
export const ASSUMPTIONS = {
  /** A month of 730 hours, as AWS prices monthly quantities. */
  hours_per_month: 730,
  /** SYNC_SCHEDULE: every site every 15 minutes. */
  ticks_per_hour: 4,
  /** Share of a site's records that change each day. */
  change_rate_per_day: 0.01,
  /**
   * An admin's day of use: 200 page views of about 4 API requests, and 20 runs watched live for a minute
   * at the UI's 1-second poll. Counted once per site and month (a day of attention per site).
   */
  admin_day_api_requests: 2_000,
  admin_days_per_site_month: 1,
  /**
   * Lambda's SQS event source polls an idle queue with 5 long polls of 20 s at a time: about 657,000
   * ReceiveMessage requests a month for the deployment, whatever the number of sites.
   */
  idle_pollers: 5,
  long_poll_seconds: 20,
  /** The fleet the second figure is for. */
  sites_in_fleet: 1_000,
} as const;

export const ticksPerMonth = () => ASSUMPTIONS.hours_per_month * ASSUMPTIONS.ticks_per_hour;

/** Idle long polls of the event source, per month and deployment. */
export const idlePollsPerMonth = () =>
  (ASSUMPTIONS.idle_pollers * ASSUMPTIONS.hours_per_month * 3600) / ASSUMPTIONS.long_poll_seconds;

/** What the bench measured, each as the usage of one occurrence. */
export interface Measured {
  /** The site's records (the change rate applies to them). */
  records: number;
  /** One scheduled sync of the site in which nothing changed: consumer, its requests, its invocations. */
  unchanged_sync: Usage;
  /** One changed record, over an unchanged sync (from a sync with a day's changes). */
  per_changed_record: Usage;
  /** The scheduler's tick for the site: alone in a deployment, and its share of a fleet's tick. */
  scheduler_tick_alone: Usage;
  scheduler_tick_fleet_share: Usage;
  /** Cold starts per tick: consumer environments and the scheduler's, with the init billed for each. */
  cold_start: Usage;
  cold_starts_alone: number;
  cold_starts_fleet: number;
  /** Stored bytes of the site at steady state (records, indexes, runs kept for their retention). */
  storage_bytes: number;
  /** One API request of the admin (API Gateway, the API function and its reads). */
  api_request: Usage;
}

export const MonthlyCost = z.object({
  /** Sites of the deployment the figure is for. */
  sites: z.number().int(),
  per_site_month_usd: z.number(),
  breakdown: Breakdown,
  /** The line of the bill that weighs most. */
  dominant: z.string(),
  usage: Usage,
});
export type MonthlyCost = z.infer<typeof MonthlyCost>;

/** A site's month in a deployment of `sites` sites: its syncs, its changes, its storage and its share of the rest. */
export function monthlyCost(m: Measured, sites: number, p: Prices = PRICES): MonthlyCost {
  const ticks = ticksPerMonth();
  const days = ASSUMPTIONS.hours_per_month / 24;
  const changes = m.records * ASSUMPTIONS.change_rate_per_day * days;
  const alone = sites === 1;
  const perTick = addUsage(
    m.unchanged_sync,
    alone ? m.scheduler_tick_alone : m.scheduler_tick_fleet_share,
    scaleUsage(m.cold_start, (alone ? m.cold_starts_alone : m.cold_starts_fleet) / sites),
    { scheduler_invocations: 1 / sites },
  );
  const usage = addUsage(
    scaleUsage(perTick, ticks),
    scaleUsage(m.per_changed_record, changes),
    { dynamodb_gb_months: m.storage_bytes / 1024 ** 3 },
    scaleUsage(m.api_request, ASSUMPTIONS.admin_day_api_requests * ASSUMPTIONS.admin_days_per_site_month),
    { sqs_requests: idlePollsPerMonth() / sites },
  );
  const breakdown = price(usage, p);
  const dominant = (Object.entries(breakdown) as [keyof Breakdown, number][])
    .filter(([k]) => k !== "total")
    .sort((a, b) => b[1] - a[1])[0]?.[0] as string;
  return { sites, per_site_month_usd: breakdown.total, breakdown, dominant, usage };
}

/** A scheduled sync of the cost model's site, as the consumer's meters counted it. */
const TickFigures = z.object({
  dynamodb_requests: z.number().int(),
  dynamodb_read_units: z.number(),
  dynamodb_write_units: z.number(),
  sqs_requests: z.number().int(),
  consumer_invocations: z.number().int(),
  consumer_billed_ms: z.number().int(),
  /** The same invocations on Lambda at the consumer's memory: the CPU time stretched (`durationAtMemory`). */
  consumer_billed_ms_at_memory: z.number().int(),
  /** CPU seconds the consumer used on this machine meanwhile, and its peak RSS so far: what its memory is sized on. */
  consumer_cpu_s: z.number(),
  consumer_peak_rss_mb: z.number(),
  requests_by_operation: z.record(z.string(), z.number().int()),
  /** Read and write units by the kind of item (record, run, log, stats…). */
  units_by_kind: z.record(z.string(), z.number()),
});

/** The `cost` section of the bench report. */
export const CostReport = z.object({
  region: z.string(),
  prices_as_of: z.string(),
  /** A site's month in a fleet of `sites` sites (its share of the deployment's fixed costs included). */
  per_site_month_usd: z.number(),
  breakdown: Breakdown,
  dominant: z.string(),
  sites: z.number().int(),
  /** The same site alone in its deployment (it carries every fixed cost). */
  alone: z.object({ per_site_month_usd: z.number(), breakdown: Breakdown, dominant: z.string() }),
  site: z.object({
    paintings: z.number().int(),
    users: z.number().int(),
    orders: z.number().int(),
    records: z.number().int(),
  }),
  ticks_per_month: z.number().int(),
  changed_records_in_run: z.number().int(),
  storage_mb: z.number(),
  first_sync: TickFigures,
  unchanged_sync: TickFigures,
  changed_sync: TickFigures,
  memory_mb: z.object({ consumer: z.number(), scheduler: z.number(), api: z.number() }),
});
