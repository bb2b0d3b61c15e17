/**
 * A bench child process: a Lambda-like process linked to one stage's resources (SST links and SDK endpoints
 * in its environment, set before any handler module loads), running one job (see protocol.ts). Built by
 * esbuild into one file and run with plain Node 24, so what it measures is the handlers' own code.
 */
import { resourceUsage } from "node:process";
import { SQSClient } from "@aws-sdk/client-sqs";
import { CONSUMER_BATCH_SIZE, CONSUMER_TIMEOUT_SECONDS } from "@dashboard/config";
import { startPoller } from "@dashboard/local/poller";
import { startSchedule } from "@dashboard/local/schedule";
import { serve } from "@hono/node-server";
import { ownCpuSeconds } from "./cpu";
import { fetchOnly, type JobOutcome, naive, writeOnly } from "./jobs";
import { latencyFromEnv } from "./latency";
import { type Instrumented, instrument } from "./meter";
import { type ChildUsage, type FromChild, Job, type Snapshot, ToChild } from "./protocol";
import { countWrites } from "./writes";

const send = (message: FromChild) =>
  new Promise<void>((resolve) => {
    if (!process.send) throw new Error("bench worker: started without an IPC channel");
    process.send(message, () => resolve());
  });

const mb = (bytes: number) => Math.round((bytes / 1024 / 1024) * 10) / 10;
const maxRssMb = () => mb(resourceUsage().maxRSS * 1024);

/** Handler invocations and their billed milliseconds (each duration rounded up, as Lambda bills). */
function invocationMeter() {
  let invocations = 0;
  let billedMs = 0;
  return {
    async time<T>(run: () => Promise<T>): Promise<T> {
      const started = performance.now();
      invocations++;
      try {
        return await run();
      } finally {
        billedMs += Math.ceil(performance.now() - started);
      }
    },
    usage: () => ({ invocations, billed_ms: billedMs }),
    reset: () => {
      invocations = 0;
      billedMs = 0;
    },
  };
}

const lambda = invocationMeter();
let meters: Instrumented | undefined;

/** The child's usage so far (and a fresh start with `reset`). */
function usage(reset = false): ChildUsage {
  const out: ChildUsage = {
    dynamodb: meters?.dynamodb.usage() ?? { requests: {}, read_units: 0, write_units: 0, units_by_kind: {} },
    sqs: meters?.sqs.usage() ?? { requests: {}, billed_requests: 0 },
    lambda: lambda.usage(),
  };
  if (reset) {
    meters?.dynamodb.reset();
    meters?.sqs.reset();
    lambda.reset();
  }
  return out;
}

/**
 * The linked core context, its clients metered and, in the AWS-latency mode, delayed (meter.ts): the same
 * for every job, so the naive baseline and the pipeline pay the same round trips. `extraSqs`: the poller's.
 */
async function linkedCtx(extraSqs: SQSClient[] = []) {
  const { ctx } = await import("@dashboard/functions/shared/ctx");
  const latency = latencyFromEnv();
  meters = instrument(ctx, { ...(latency ? { latency } : {}), extraSqs });
  return { ctx, writes: countWrites(ctx.db) };
}

/** Serves until the parent says stop; answers snapshots meanwhile. */
function serveUntilStopped(snapshot: (reset: boolean) => Snapshot, stop: () => Promise<void>): void {
  process.on("message", (raw) => {
    const message = ToChild.parse(raw);
    if (message.type === "snapshot") {
      void send({ type: "snapshot", snapshot: snapshot(message.reset) });
      return;
    }
    void stop().then(async () => {
      await send({ type: "snapshot", snapshot: snapshot(false) });
      process.exit(0);
    });
  });
}

/** Peaks of V8's heap and of memory outside it, sampled every 50 ms (what maxRSS is made of). */
function sampleMemory() {
  let peak = { heap_used_mb: 0, heap_total_mb: 0, external_mb: 0 };
  const sample = () => {
    const m = process.memoryUsage();
    peak = {
      heap_used_mb: Math.max(peak.heap_used_mb, mb(m.heapUsed)),
      heap_total_mb: Math.max(peak.heap_total_mb, mb(m.heapTotal)),
      // `external` already counts the ArrayBuffers (`arrayBuffers` is the part of it they hold).
      external_mb: Math.max(peak.external_mb, mb(m.external)),
    };
  };
  setInterval(sample, 50).unref();
  return {
    peak: () => {
      sample();
      return peak;
    },
    reset: () => {
      peak = { heap_used_mb: 0, heap_total_mb: 0, external_mb: 0 };
    },
  };
}

async function consume(job: Extract<Job, { mode: "consume" }>) {
  const memory = sampleMemory();
  const pollerSqs = new SQSClient({});
  const { ctx, writes } = await linkedCtx([pollerSqs]);
  const { handler } = await import("@dashboard/functions/consumer");
  let invocations = 0;
  const poller = startPoller({
    sqs: pollerSqs,
    queueUrl: ctx.queueUrl,
    queueArn: job.queueArn,
    handler: async (event, context) => {
      invocations++;
      return lambda.time(async () => handler(event, context));
    },
    batchSize: CONSUMER_BATCH_SIZE,
    timeoutMs: CONSUMER_TIMEOUT_SECONDS * 1000,
    concurrency: job.concurrency,
  });
  serveUntilStopped(
    (reset) => {
      const snapshot: Snapshot = {
        max_rss_mb: maxRssMb(),
        rss_mb: mb(process.memoryUsage.rss()),
        writes: writes.counts(),
        operations: writes.operations(),
        occupancy: writes.occupancy(),
        invocations,
        memory: memory.peak(),
        usage: usage(reset),
      };
      if (reset) {
        memory.reset();
        writes.reset();
        invocations = 0;
      }
      return snapshot;
    },
    () => poller.stop(),
  );
  await send({ type: "ready" });
}

async function http() {
  await linkedCtx();
  const { WEBHOOK_PATH } = await import("@dashboard/functions/http/webhook-app");
  const api = (await import("@dashboard/functions/api")).app;
  const webhook = (await import("@dashboard/functions/webhook")).app;
  const server = serve({
    fetch: (request) =>
      lambda.time(async () =>
        (new URL(request.url).pathname === WEBHOOK_PATH ? webhook : api).fetch(request),
      ),
    hostname: "127.0.0.1",
    port: 0,
  });
  await new Promise<void>((resolve) => server.once("listening", () => resolve()));
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : 0;
  serveUntilStopped(
    (reset) => ({
      max_rss_mb: maxRssMb(),
      rss_mb: mb(process.memoryUsage.rss()),
      writes: { record: 0, stats: 0, bookkeeping: 0 },
      operations: {},
      occupancy: { mean_in_flight: 0, idle_share: 1 },
      invocations: 0,
      memory: { heap_used_mb: 0, heap_total_mb: 0, external_mb: 0 },
      usage: usage(reset),
    }),
    () => new Promise<void>((resolve) => server.close(() => resolve())),
  );
  await send({ type: "ready", port });
}

async function once(run: () => Promise<JobOutcome & { messages?: number }>) {
  await send({ type: "ready" });
  const outcome = await run();
  await send({ type: "result", result: { ...outcome, max_rss_mb: maxRssMb(), usage: usage() } });
  process.exit(0);
}

async function schedule() {
  await linkedCtx();
  const { handler } = await import("@dashboard/functions/scheduler");
  const timer = startSchedule({ intervalSeconds: 3600, handler });
  const started = performance.now();
  const cpu = ownCpuSeconds();
  const result = (await lambda.time(() => timer.tick())) as { runs: number; messages: number };
  const seconds = (performance.now() - started) / 1000;
  const cpu_s = ownCpuSeconds() - cpu;
  await timer.stop();
  return { seconds, cpu_s, records: result.runs, requests: 0, pages: 0, messages: result.messages };
}

async function main() {
  // The bench process went away (killed, crashed): never outlive it.
  process.on("disconnect", () => process.exit(1));
  const job = Job.parse(JSON.parse(process.env.BENCH_JOB ?? "null"));
  switch (job.mode) {
    case "consume":
      return consume(job);
    case "http":
      return http();
    case "schedule":
      return once(schedule);
    case "naive":
      return once(async () => naive((await linkedCtx()).ctx, job.siteId));
    case "fetch":
      return once(async () => fetchOnly((await linkedCtx()).ctx, job.siteId));
    case "write":
      return once(async () =>
        writeOnly((await linkedCtx()).ctx, job.siteId, job.targetSiteId, job.concurrency),
      );
  }
}

main().catch(async (error: unknown) => {
  await send({
    type: "error",
    message: error instanceof Error ? (error.stack ?? error.message) : String(error),
  });
  process.exit(1);
});
