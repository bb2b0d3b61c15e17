/**
 * The cost model's measurements (issue 15): real scheduled syncs of a typical site, metered and priced.
 */
import { DescribeTableCommand } from "@aws-sdk/client-dynamodb";
import {
  API_MEMORY_MB,
  CONSUMER_MAX_CONCURRENCY,
  CONSUMER_MEMORY_MB,
  SCHEDULER_MEMORY_MB,
} from "@dashboard/config";
import * as RunStore from "@dashboard/core/run";
import * as SiteStore from "@dashboard/core/site";
import { sleep } from "@dashboard/core/util/sleep";
import { queueDepth } from "@dashboard/local/sqs";
import {
  ASSUMPTIONS,
  addUsage,
  durationAtMemory,
  type Measured,
  marginalUsage,
  monthlyCost,
  NO_USAGE,
  scaleUsage,
  ticksPerMonth,
  type Usage,
  usageOf,
} from "./cost";
import { meterCpu } from "./cpu";
import {
  API_KEY,
  type BenchContext,
  consumeJob,
  siteInput,
  waitForRun,
  withChild,
  withSim,
  withStage,
} from "./harness";
import { AWS_LATENCY } from "./latency";
import { PRICES } from "./prices";
import type { BenchReport } from "./report";
import { fanout, schedulerUsage } from "./scenarios-http";
import type { Stage } from "./services";
import { round } from "./stats";

// ---- cost ------------------------------------------------------------------------------------------------

/** The typical site of the cost model (issue 15); the other entities as template-sim makes them. */
export const typicalSite = { paintings: 1_000, users: 2_000, orders: 1_000 };

/** Records changed in a day at the model's change rate, per paged entity. */
const dayOfChanges = () =>
  Object.fromEntries(
    Object.entries(typicalSite).map(([e, n]) => [
      e,
      Math.max(1, Math.round(n * ASSUMPTIONS.change_rate_per_day)),
    ]),
  ) as Record<keyof typeof typicalSite, number>;

/** Waits until the queue holds nothing (no message ready, in flight or delayed). */
async function queueDrained(stage: Stage, timeoutMs = 120_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const d = await queueDepth(stage.sqs, stage.queueUrl);
    if (d.visible + d.inFlight + d.delayed === 0) return;
    if (Date.now() > deadline) throw new Error(`queue of ${stage.name} not drained after ${timeoutMs} ms`);
    await sleep(100);
  }
}

interface CostInputs {
  /** What one admin API request used (readApi). */
  apiRequest: Usage;
  /** Init of a cold environment, in ms (bundles: the process with the bundle loaded). */
  initMs: { consumer: number; scheduler: number };
}

/**
 * Real scheduled syncs of the typical site, with AWS latency (Lambda bills the time a request waits on
 * the network): the scheduler child ticks, the consumer child syncs, and both are metered. A first sync
 * loads the site; two syncs with nothing changed, then one with a day's changes, give the cost of a tick
 * and of a changed record. The scheduler's share of a fleet's tick comes from a fan-out of 1,000 sites.
 */
export async function cost(b: BenchContext, report: Partial<BenchReport>, inputs: CostInputs) {
  const aws: BenchContext = { ...b, latency: b.latency ?? AWS_LATENCY };
  b.log("cost: fan-out of 1,000 sites with AWS latency…");
  const fleetTick = await fanout(aws, {});
  const siteId = "cost";
  const measured = await withStage(aws, "cost", (stage) =>
    withSim(aws, { apiKey: API_KEY, seed: 51, sizes: typicalSite }, async (sim) => {
      await SiteStore.create(stage.ctx, siteInput(siteId, sim));
      return withChild(aws, stage, consumeJob(stage), async (consumer) => {
        let lastRun = "";
        const tick = async (label: string) => {
          b.log(`cost: ${label}…`);
          await consumer.snapshot(true);
          const cpu = meterCpu(b.services.dynamo.pid, consumer.pid);
          const scheduled = await withChild(aws, stage, { mode: "schedule" }, (c) => c.result());
          const { items } = await RunStore.list(stage.ctx, { siteId, limit: 1 });
          const run = items[0];
          if (!run || run.run_id === lastRun) throw new Error("cost: the scheduler started no run");
          lastRun = run.run_id;
          const done = await waitForRun(stage.ctx, run.run_id, 10 * 60_000);
          if (done.status === "failed") throw new Error(`cost: scheduled sync ${run.run_id} failed`);
          await queueDrained(stage);
          const cpuSplit = cpu();
          const snapshot = await consumer.snapshot(true);
          const consumed = snapshot.usage;
          // Measured here on a full core; on Lambda the consumer's CPU share follows its memory.
          const billedMs = Math.ceil(
            durationAtMemory(consumed.lambda.billed_ms, cpuSplit.consumer * 1000, CONSUMER_MEMORY_MB),
          );
          const usage = addUsage(
            usageOf({
              ...consumed,
              lambda: { ...consumed.lambda, billed_ms: billedMs, memory_mb: CONSUMER_MEMORY_MB },
            }),
            schedulerUsage(scheduled.usage),
          );
          const { Table } = await stage.dynamo.send(new DescribeTableCommand({ TableName: stage.tableName }));
          return {
            usage,
            consumed,
            consumerCpuS: cpuSplit.consumer,
            billedMsAtMemory: billedMs,
            peakRssMb: snapshot.max_rss_mb,
            scheduler: schedulerUsage(scheduled.usage),
            table: Table,
            run: done,
          };
        };
        const first = await tick("first sync of the typical site");
        const same1 = await tick("scheduled sync, nothing changed");
        const same2 = await tick("scheduled sync, nothing changed (again)");
        const changes = dayOfChanges();
        let changedRecords = 0;
        for (const [entity, n] of Object.entries(changes)) {
          changedRecords += sim.change(entity as keyof typeof changes, n).length;
        }
        const changed = await tick(`scheduled sync, ${changedRecords} records changed`);
        return { first, same1, same2, changed, changedRecords };
      });
    }),
  );
  const { first, same1, same2, changed, changedRecords } = measured;
  // The site's consumer and requests per tick (the scheduler's part is counted apart below).
  const consumerOnly = (t: typeof first) => marginalUsage(t.usage, t.scheduler);
  const unchanged = scaleUsage(addUsage(consumerOnly(same1), consumerOnly(same2)), 0.5);
  const perChange = scaleUsage(
    marginalUsage(consumerOnly(changed), unchanged),
    1 / Math.max(1, changedRecords),
  );
  // Storage at steady state: what the table holds now, plus the runs and stats each tick adds, kept for the
  // runs' retention (90 days). Every item is billed 100 bytes more, in the table and in each index.
  const bytesOf = (t: typeof first) => {
    const table = t.table;
    const indexes = (table?.GlobalSecondaryIndexes ?? []).reduce(
      (n, i) => n + (i.IndexSizeBytes ?? 0) + (i.ItemCount ?? 0) * PRICES.dynamodb.item_overhead_bytes,
      0,
    );
    return (
      (table?.TableSizeBytes ?? 0) + (table?.ItemCount ?? 0) * PRICES.dynamodb.item_overhead_bytes + indexes
    );
  };
  const growthPerTick = Math.max(0, (bytesOf(same2) - bytesOf(first)) / 2);
  const retainedTicks = RunStore.RUN_RETENTION_DAYS * 24 * ASSUMPTIONS.ticks_per_hour;
  const storageBytes = bytesOf(same2) + growthPerTick * (retainedTicks - 3);
  const coldStart = (ms: number, memoryMb: number) =>
    usageOf({ lambda: { invocations: 0, billed_ms: ms, memory_mb: memoryMb } });
  const m: Measured = {
    // The records a day's changes are a share of: every valid record the first sync stored.
    records: Object.entries(first.run.entities)
      .filter(([e]) => e !== "stats")
      .reduce((n, [, r]) => n + r.valid, 0),
    unchanged_sync: unchanged,
    per_changed_record: perChange,
    scheduler_tick_alone: same1.scheduler,
    scheduler_tick_fleet_share: scaleUsage(fleetTick, 1 / ASSUMPTIONS.sites_in_fleet),
    cold_start: NO_USAGE,
    cold_starts_alone: 0,
    cold_starts_fleet: 0,
    storage_bytes: storageBytes,
    api_request: inputs.apiRequest,
  };
  // Lambda bills the init of every cold environment: each tick, the scheduler's and the consumers' (one for
  // a site alone; up to the consumer's concurrency cap for a fleet, whose tick keeps that many busy).
  const consumerInit = coldStart(inputs.initMs.consumer, CONSUMER_MEMORY_MB);
  const schedulerInit = coldStart(inputs.initMs.scheduler, SCHEDULER_MEMORY_MB);
  const alone = monthlyCost(
    { ...m, cold_start: addUsage(consumerInit, schedulerInit), cold_starts_alone: 1 },
    1,
  );
  const fleetInit = addUsage(scaleUsage(consumerInit, CONSUMER_MAX_CONCURRENCY), schedulerInit);
  const fleet = monthlyCost(
    { ...m, cold_start: fleetInit, cold_starts_fleet: 1 },
    ASSUMPTIONS.sites_in_fleet,
  );
  const tickFigures = (t: typeof first) => ({
    dynamodb_requests: Object.values(t.consumed.dynamodb.requests).reduce((a, n) => a + n, 0),
    dynamodb_read_units: t.consumed.dynamodb.read_units,
    dynamodb_write_units: t.consumed.dynamodb.write_units,
    sqs_requests: t.consumed.sqs.billed_requests,
    consumer_invocations: t.consumed.lambda.invocations,
    consumer_billed_ms: t.consumed.lambda.billed_ms,
    consumer_billed_ms_at_memory: t.billedMsAtMemory,
    consumer_cpu_s: t.consumerCpuS,
    consumer_peak_rss_mb: t.peakRssMb,
    requests_by_operation: t.consumed.dynamodb.requests,
    units_by_kind: t.consumed.dynamodb.units_by_kind,
  });
  report.cost = {
    region: PRICES.region,
    prices_as_of: PRICES.as_of,
    per_site_month_usd: round(fleet.per_site_month_usd, 4),
    breakdown: roundAll(fleet.breakdown),
    dominant: fleet.dominant,
    sites: fleet.sites,
    alone: {
      per_site_month_usd: round(alone.per_site_month_usd, 4),
      breakdown: roundAll(alone.breakdown),
      dominant: alone.dominant,
    },
    site: { ...typicalSite, records: m.records },
    ticks_per_month: ticksPerMonth(),
    changed_records_in_run: changedRecords,
    storage_mb: round(storageBytes / 1024 ** 2, 1),
    first_sync: tickFigures(first),
    unchanged_sync: tickFigures(same1),
    changed_sync: tickFigures(changed),
    memory_mb: { consumer: CONSUMER_MEMORY_MB, scheduler: SCHEDULER_MEMORY_MB, api: API_MEMORY_MB },
  };
}

const roundAll = <T extends Record<string, number>>(o: T): T =>
  Object.fromEntries(Object.entries(o).map(([k, v]) => [k, round(v, 5)])) as T;
