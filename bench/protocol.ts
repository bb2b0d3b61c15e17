/**
 * What the bench process and its child processes say to each other over the IPC channel of `fork()`.
 * A child gets one job when it starts (the `BENCH_JOB` variable), answers `ready` once set up, and either
 * ends with a `result` (one-shot jobs) or serves until told to `stop` (the consumer and the HTTP apps).
 */
import { z } from "zod";
import { DynamoUsage, SqsUsage } from "./meter";

export const WriteCounts = z.object({
  /** Write requests that carry synced records or settings (BatchWriteItem, PutItem, UpdateItem, DeleteItem). */
  record: z.number().int(),
  /** Stats history items (one per stats sync, appended by design). */
  stats: z.number().int(),
  /** Every other write: leases, run status and progress, log lines, checkpoints. */
  bookkeeping: z.number().int(),
});
export type WriteCounts = z.infer<typeof WriteCounts>;

export const Job = z.discriminatedUnion("mode", [
  /** The consumer Lambda fed by the local SQS poller, as `npm start` runs it. */
  z.object({
    mode: z.literal("consume"),
    queueArn: z.string(),
    /** Concurrent batches (Lambda starts with several pollers). */
    concurrency: z.number().int().positive(),
  }),
  /** The admin API and webhook apps on one loopback port. */
  z.object({ mode: z.literal("http") }),
  /** One invocation of the scheduler Lambda. */
  z.object({ mode: z.literal("schedule") }),
  /** The seed's algorithm, made to read every page. */
  z.object({ mode: z.literal("naive"), siteId: z.string() }),
  /** Only fetch every page of a site, as the consumer does (entities in parallel, pages fetched ahead). */
  z.object({ mode: z.literal("fetch"), siteId: z.string() }),
  /** Only write every record of a site, in batches (records are fetched and prepared before the clock starts). */
  z.object({
    mode: z.literal("write"),
    siteId: z.string(),
    /** Where the items go (a partition that is empty, as for a first sync). */
    targetSiteId: z.string(),
    /** BatchWriteItem requests in flight per entity. */
    concurrency: z.number().int().positive(),
  }),
]);
export type Job = z.infer<typeof Job>;

/** What a child's requests and invocations are billed for (meter.ts), since its last reset. */
export const ChildUsage = z.object({
  dynamodb: DynamoUsage,
  sqs: SqsUsage,
  /** Handler invocations and their durations, each rounded up to the millisecond as Lambda bills them. */
  lambda: z.object({ invocations: z.number().int(), billed_ms: z.number().int() }),
});
export type ChildUsage = z.infer<typeof ChildUsage>;

export const Snapshot = z.object({
  /** Peak resident set size of the child so far (resourceUsage().maxRSS). */
  max_rss_mb: z.number(),
  rss_mb: z.number(),
  writes: WriteCounts,
  /** DynamoDB commands sent, by operation. */
  operations: z.record(z.string(), z.number().int()),
  /** DynamoDB requests in flight, averaged over time, and the share of time with none. */
  occupancy: z.object({ mean_in_flight: z.number(), idle_share: z.number() }),
  invocations: z.number().int(),
  /** Peaks since the last reset: V8 heap used and reserved, and memory outside the heap (buffers). */
  memory: z.object({ heap_used_mb: z.number(), heap_total_mb: z.number(), external_mb: z.number() }),
  usage: ChildUsage,
});
export type Snapshot = z.infer<typeof Snapshot>;

export const TimedResult = z.object({
  seconds: z.number(),
  /** CPU seconds the child used during the timed part. */
  cpu_s: z.number(),
  records: z.number().int(),
  requests: z.number().int(),
  pages: z.number().int().optional(),
  messages: z.number().int().optional(),
  max_rss_mb: z.number(),
  usage: ChildUsage.optional(),
});
export type TimedResult = z.infer<typeof TimedResult>;

export const ToChild = z.discriminatedUnion("type", [
  z.object({ type: z.literal("snapshot"), reset: z.boolean().default(false) }),
  z.object({ type: z.literal("stop") }),
]);
export type ToChild = z.input<typeof ToChild>;

export const FromChild = z.discriminatedUnion("type", [
  z.object({ type: z.literal("ready"), port: z.number().int().optional() }),
  z.object({ type: z.literal("snapshot"), snapshot: Snapshot }),
  z.object({ type: z.literal("result"), result: TimedResult }),
  z.object({ type: z.literal("error"), message: z.string() }),
]);
export type FromChild = z.infer<typeof FromChild>;
