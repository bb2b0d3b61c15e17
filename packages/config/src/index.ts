/**
 * Sizing of the sync pipeline and the UI's security headers, in one place (stacks/, the local runtime and the
 * benchmark read them). Plain data with no SST globals, so `test/infra` can check the
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
 * CPU in proportion to it, one vCPU at 1,769 MB). Below one vCPU, CPU-bound work costs the same GB-seconds at any
 * memory and only waiting gets cheaper with less; a sync mostly waits on the Template and DynamoDB. The consumer
 * peaks at 180-260 MB syncing a typical site and about 310 MB on a 100,000-record entity (docs/performance.md):
 * 512 MB. The scheduler and the API keep SST's default, 1024 MB: the fan-out and an admin's requests are
 * CPU-bound and waited on.
 */
export const CONSUMER_MEMORY_MB = 512;
export const SCHEDULER_MEMORY_MB = 1024;
export const API_MEMORY_MB = 1024;

/** Upper bound on concurrent consumer invocations: protects the Template sites and the table from bursts. */
export const CONSUMER_MAX_CONCURRENCY = 20;

/** SQS keeps a message at most 14 days; the DLQ keeps it that long so an operator can inspect and redrive it. */
export const DLQ_RETENTION_SECONDS = 14 * 24 * 60 * 60;

/** The sync queue's own retention: shorter than the DLQ's, as AWS advises (the enqueue time is preserved). */
export const SYNC_QUEUE_RETENTION_SECONDS = 4 * 24 * 60 * 60;

/**
 * The change processor (stacks/changes.ts): the table's stream → records' history and activity events. A batch
 * is at most `CHANGES_BATCH_SIZE` stream records, gathered for at most `CHANGES_BATCH_WINDOW_SECONDS`; a batch
 * that fails is bisected and tried again `CHANGES_MAX_RETRIES` times, then its records' coordinates go to the
 * change processor's DLQ (the stream keeps records 24 hours: redrive from there before they expire).
 */
export const CHANGES_BATCH_SIZE = 100;
export const CHANGES_BATCH_WINDOW_SECONDS = 1;
export const CHANGES_MAX_RETRIES = 5;
export const CHANGES_TIMEOUT_SECONDS = 60;
export const CHANGES_MEMORY_MB = 512;

/**
 * A site whose syncs have failed for this many minutes raises `site_unreachable` (once per outage), and its
 * first success afterwards `site_recovered`. Set as `ALERT_UNREACHABLE_MINUTES` on the change processor.
 */
export const ALERT_UNREACHABLE_MINUTES = 60;
/** The alerts consumer's timeout: one message is one POST (10 s at most) or one e-mail, with room to spare. */
export const ALERTS_CONSUMER_TIMEOUT_SECONDS = 60;
/** The alerts queue hides a received message twice the consumer's timeout (same rule as the sync queue). */
export const ALERTS_QUEUE_VISIBILITY_TIMEOUT_SECONDS = 2 * ALERTS_CONSUMER_TIMEOUT_SECONDS;
/**
 * Receives of one alert message before the DLQ: above core's attempts of one delivery (6), which end the
 * delivery `failed` themselves, so only a message that keeps crashing the consumer gets there.
 */
export const ALERTS_MAX_RECEIVES = 10;
/** The alerts queue keeps a message as long as the longest retry schedule needs (core: about 3 hours). */
export const ALERTS_QUEUE_RETENTION_SECONDS = 4 * 24 * 60 * 60;

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

/**
 * The Template webhook's own throttle (the stage of its own HTTP API, stacks/api.ts), apart from the admin
 * API's: a Template in a loop, or someone flooding the public endpoint, is stopped at the edge before it costs
 * a Lambda invocation, and cannot use up the admin API's rate. Per site, core adds 120 events a minute and
 * folds bursts (docs/webhooks.md).
 */
export const WEBHOOK_ROUTE_KEY = "POST /api/sync/webhook/template";
/** The Router's path prefix for the webhook's API: longer than `/api`, so it wins for the webhook alone. */
export const WEBHOOK_PREFIX = "/api/sync/webhook";
export const WEBHOOK_THROTTLE_RATE_PER_SECOND = 10;
export const WEBHOOK_THROTTLE_BURST = 20;

/**
 * How long the Dashboard keeps what it holds, set on every function (core's `retentionFromEnv` reads it;
 * docs/security.md explains each): records the Template deleted, raw copies of rejected records, audit entries.
 */
export const RETENTION_ENVIRONMENT: Readonly<Record<string, string>> = {
  DELETED_RECORD_RETENTION_DAYS: "30",
  REJECTED_RECORD_RETENTION_DAYS: "14",
  AUDIT_RETENTION_DAYS: "365",
  ACTIVITY_RETENTION_DAYS: "400",
};

/** HSTS for a year, subdomains included. */
export const HSTS_MAX_AGE_SECONDS = 365 * 24 * 60 * 60;

/**
 * The UI's Content-Security-Policy: its own scripts, styles and API only; images from itself and any https
 * origin (paintings live on the artists' own sites); no plugin, no `<base>`, never framed. `extraImgSrc` adds
 * origins for images (the local runtime adds its loopback Templates, which are served over http).
 */
export const contentSecurityPolicy = (extraImgSrc: readonly string[] = []): string =>
  [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    ["img-src 'self' data: https:", ...extraImgSrc].join(" "),
    "connect-src 'self'",
    "font-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join("; ");

/** Every security header the UI is served with (CloudFront's response headers policy; the local runtime). */
export const uiSecurityHeaders = (extraImgSrc: readonly string[] = []): Readonly<Record<string, string>> => ({
  "Content-Security-Policy": contentSecurityPolicy(extraImgSrc),
  "Strict-Transport-Security": `max-age=${HSTS_MAX_AGE_SECONDS}; includeSubDomains`,
  "X-Frame-Options": "DENY",
  "Referrer-Policy": "same-origin",
  "X-Content-Type-Options": "nosniff",
});
