/**
 * Sizing of the sync pipeline, in one place. Plain data with no SST globals, so `test/infra` can check the
 * invariants between these numbers and the local runtime can mirror the same queue behaviour.
 */

/** The queue consumer's Lambda timeout. One message is one bounded unit of work (see DESIGN.md). */
export const CONSUMER_TIMEOUT_SECONDS = 5 * 60;

/**
 * How long a received message stays hidden. It must exceed the consumer's timeout, or a message still being
 * processed would be handed to a second consumer. Twice the timeout leaves room for a slow cold start and
 * for the poller's own latency without delaying a failed message's next try by half an hour (AWS's 6x rule
 * guards against throttled invocations, which the bounded `maximumConcurrency` below already prevents).
 */
export const SYNC_QUEUE_VISIBILITY_TIMEOUT_SECONDS = 2 * CONSUMER_TIMEOUT_SECONDS;

/** Receives of one message before SQS moves it to the dead-letter queue (the redrive `maxReceiveCount`). */
export const SYNC_MAX_RECEIVES = 4;

/** Messages per consumer invocation, and how long the poller may wait to fill a batch. */
export const CONSUMER_BATCH_SIZE = 10;
export const CONSUMER_BATCH_WINDOW_SECONDS = 1;

/**
 * Memory of the functions the cost model bills (Lambda bills GB-seconds at the configured memory, and gives
 * CPU in proportion to it). The scheduler is left at SST's default, 1024 MB.
 */
export const CONSUMER_MEMORY_MB = 1024;
export const SCHEDULER_MEMORY_MB = 1024;
export const API_MEMORY_MB = 1024;

/** Upper bound on concurrent consumer invocations: protects the Template sites and the table from bursts. */
export const CONSUMER_MAX_CONCURRENCY = 20;

/** SQS keeps a message at most 14 days; the DLQ keeps it that long so an operator can inspect and redrive it. */
export const DLQ_RETENTION_SECONDS = 14 * 24 * 60 * 60;

/** The sync queue's own retention: shorter than the DLQ's, as AWS advises (the enqueue time is preserved). */
export const SYNC_QUEUE_RETENTION_SECONDS = 4 * 24 * 60 * 60;

/** How often every site is synced on schedule (EventBridge Scheduler rate expression). */
export const SYNC_SCHEDULE = "rate(15 minutes)";

/** Stages whose data must survive a mistaken `sst remove`: table deletion protection, retained resources. */
export const PROTECTED_STAGES: readonly string[] = ["production"];

export function isProtectedStage(stage: string): boolean {
  return PROTECTED_STAGES.includes(stage);
}

/** Steady-state and burst request rates of the HTTP API stage, past which API Gateway answers 429. */
export const API_THROTTLE_RATE_PER_SECOND = 50;
export const API_THROTTLE_BURST = 100;

/**
 * How SST bundles every function (`nodejs` of `sst.aws.Function`, applied in sst.config.ts; `npm run bench`
 * bundles with the same settings). The AWS SDK v3 is left to the `nodejs24.x` runtime, which ships it and
 * resolves it for ES modules too (the runtime searches NODE_PATH): the DynamoDB and SQS clients with their
 * Smithy core are about 370 KB minified, which alone would nearly fill the 400 KB budget of a bundle (see
 * docs/performance.md). `plugins` is relative to sst.config.ts.
 */
export const FUNCTION_BUNDLING: { minify: boolean; esbuild: { external: string[] }; plugins: string } = {
  minify: true,
  esbuild: { external: ["@aws-sdk/*", "@smithy/*"] },
  plugins: "stacks/esbuild-plugins.mjs",
};
