/**
 * The measurements of issue 6, one function each. Every scenario runs on its own stage (table and queues),
 * with the work done by child processes linked to it, and cleans up after itself.
 */
import { DescribeTableCommand } from "@aws-sdk/client-dynamodb";
import { GetQueueAttributesCommand } from "@aws-sdk/client-sqs";
import {
  API_MEMORY_MB,
  CONSUMER_MAX_CONCURRENCY,
  CONSUMER_MEMORY_MB,
  SCHEDULER_MEMORY_MB,
} from "@dashboard/config";
import type { Ctx } from "@dashboard/core/context";
import * as Records from "@dashboard/core/record";
import * as RunStore from "@dashboard/core/run";
import * as SiteStore from "@dashboard/core/site";
import { batchWrite, type Item, putRequest } from "@dashboard/core/store/db";
import * as Sync from "@dashboard/core/sync";
import { RECORD_SCHEMAS } from "@dashboard/core/template/schema";
import { signatureHeader } from "@dashboard/core/webhook";
import { queueDepth } from "@dashboard/local/sqs";
import { generateData, type Sim, servedRecords, startSim } from "@dashboard/template-sim";
import { Child } from "./child";
import {
  ASSUMPTIONS,
  addUsage,
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
import { AWS_LATENCY, LATENCY_ENV, type LatencyProfile } from "./latency";
import { PRICES } from "./prices";
import type { ChildUsage, Job } from "./protocol";
import type { BenchReport } from "./report";
import { createStage, type Services, type Stage } from "./services";
import { percentile, round } from "./stats";

export interface BenchContext {
  services: Services;
  workerFile: string;
  logFile: string;
  /** 1 for the issue's sizes, 0.1 for `--size small`. */
  scale: number;
  cpuProfileDir?: string;
  /** Node/V8 flags for every child (`--node-flags`), as a Lambda's NODE_OPTIONS would set them. */
  nodeFlags: string[];
  /** The AWS-latency mode: the round trips every child's requests pay, and the Template's latency. */
  latency?: LatencyProfile;
  log: (line: string) => void;
}

const API_KEY = "bench-template-key-3f9a";
/** Concurrent batches of the local SQS poller (Lambda starts with several pollers per event source). */
const POLLER_CONCURRENCY = 5;
const TERMINAL: readonly RunStore.RunStatus[] = ["succeeded", "partial", "failed"];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const scaled = (b: BenchContext, n: number) => Math.max(1, Math.round(n * b.scale));

async function withStage<T>(b: BenchContext, name: string, fn: (stage: Stage) => Promise<T>): Promise<T> {
  const stage = await createStage(b.services, name);
  try {
    return await fn(stage);
  } finally {
    await stage.drop();
  }
}

async function withSim<T>(
  b: BenchContext,
  opts: Parameters<typeof startSim>[0],
  fn: (sim: Sim) => Promise<T>,
): Promise<T> {
  const sim = await startSim({ requestLogLimit: 0, ...opts });
  // The AWS-latency mode: every request to the Template waits as one over the internet would.
  if (b.latency?.template_ms) sim.faults.set("all", { latencyMs: b.latency.template_ms });
  try {
    return await fn(sim);
  } finally {
    await sim.close();
  }
}

const startChild = (b: BenchContext, stage: Stage, job: Job) =>
  Child.start({
    workerFile: b.workerFile,
    job,
    env: b.latency ? { ...stage.env, [LATENCY_ENV]: JSON.stringify(b.latency) } : stage.env,
    logFile: b.logFile,
    nodeFlags: b.nodeFlags,
    ...(b.cpuProfileDir ? { cpuProfileDir: b.cpuProfileDir } : {}),
  });

async function withChild<T>(b: BenchContext, stage: Stage, job: Job, fn: (child: Child) => Promise<T>) {
  const child = await startChild(b, stage, job);
  try {
    const result = await fn(child);
    if (child.running) await child.stop();
    return result;
  } finally {
    child.kill();
  }
}

const consumeJob = (stage: Stage): Job => ({
  mode: "consume",
  queueArn: stage.queueArn,
  concurrency: POLLER_CONCURRENCY,
});

/** A one-shot job in a child, with the CPU it and DynamoDB Local used (the child's own setup included). */
async function measuredJob(b: BenchContext, stage: Stage, job: Job) {
  return withChild(b, stage, job, async (child) => {
    const cpu = meterCpu(b.services.dynamo.pid, child.pid);
    const result = await child.result();
    return { ...result, cpu: { ...cpu(), consumer: round(result.cpu_s) } };
  });
}

/** Polls a run (consistent reads) until it is terminal. */
async function waitForRun(ctx: Ctx, runId: string, timeoutMs: number, pollMs = 100): Promise<RunStore.Run> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const run = await RunStore.get(ctx, runId);
    if (TERMINAL.includes(run.status)) return run;
    if (Date.now() > deadline) throw new Error(`run ${runId} still ${run.status} after ${timeoutMs} ms`);
    await sleep(pollMs);
  }
}

/** A manual sync, from `start` to the run being terminal, through the queue and the consumer. */
async function timedSync(ctx: Ctx, siteId: string, only?: Sync.StartInput["entities"]) {
  const started = performance.now();
  const { run } = await Sync.start(ctx, { siteId, trigger: "manual", ...(only ? { entities: only } : {}) });
  if (!run) throw new Error("no run started");
  const done = await waitForRun(ctx, run.run_id, 15 * 60_000);
  const seconds = (performance.now() - started) / 1000;
  if (done.status === "failed") {
    const errors = Object.entries(done.entities)
      .filter(([, r]) => r.error)
      .map(([e, r]) => `${e}: ${r.error?.code} ${r.error?.message}`);
    throw new Error(`sync of ${siteId} failed: ${errors.join("; ")}`);
  }
  const entities: Record<string, number> = {};
  let records = 0;
  for (const [entity, result] of Object.entries(done.entities)) {
    entities[entity] = result.fetched;
    records += result.fetched;
  }
  const written = Object.values(done.entities).reduce((n, r) => n + r.written, 0);
  return { run: done, seconds, records, entities, written };
}

const siteInput = (id: string, sim: Sim) => ({ id, name: id, template_url: sim.url, api_key: API_KEY });

/** Sizes of the full sync's site (issue 6: 20,000 paintings, 50,000 users, 20,000 orders). */
const fullSizes = (b: BenchContext) => ({
  paintings: scaled(b, 20_000),
  users: scaled(b, 50_000),
  orders: scaled(b, 20_000),
});

// ---- warm-up -----------------------------------------------------------------------------------------

/**
 * DynamoDB Local is a JVM: its first thousands of requests run in the interpreter. A throwaway sync of a
 * small site before anything is measured keeps that cost out of whichever scenario comes first.
 */
export async function warmUp(b: BenchContext): Promise<void> {
  await withStage(b, "warmup", (stage) =>
    withSim(
      b,
      { apiKey: API_KEY, seed: 3, sizes: { paintings: 6000, users: 15000, orders: 6000 } },
      async (sim) => {
        await SiteStore.create(stage.ctx, siteInput("warmup", sim));
        await withChild(b, stage, consumeJob(stage), async () => {
          await timedSync(stage.ctx, "warmup");
          await timedSync(stage.ctx, "warmup");
        });
      },
    ),
  );
}

// ---- full sync, resync, limits, naive ------------------------------------------------------------------

export async function syncScenarios(b: BenchContext, report: Partial<BenchReport>, want: Set<string>) {
  const sizes = fullSizes(b);
  await withSim(b, { apiKey: API_KEY, seed: 11, sizes }, async (sim) => {
    if (want.has("full") || want.has("resync")) {
      await withStage(b, "full", (stage) => fullAndResync(b, stage, sim, report));
    }
    if (want.has("limit")) {
      await withStage(b, "limit", async (stage) => {
        await SiteStore.create(stage.ctx, siteInput("limit", sim));
        b.log("fetch only…");
        const fetched = await measuredJob(b, stage, { mode: "fetch", siteId: "limit" });
        b.log("write only…");
        const written = await measuredJob(b, stage, {
          mode: "write",
          siteId: "limit",
          targetSiteId: "limit-target",
          concurrency: writeConcurrency(),
        });
        const full = report.full_sync?.seconds;
        report.limit = {
          fetch_only_s: round(fetched.seconds),
          write_only_s: round(written.seconds),
          efficiency: full ? round(Math.max(fetched.seconds, written.seconds) / full) : 0,
          fetch_pages: fetched.pages ?? 0,
          write_requests: written.requests,
          fetch_cpu_s: fetched.cpu,
          write_cpu_s: written.cpu,
        };
      });
    }
    if (want.has("naive")) {
      await withStage(b, "naive", async (stage) => {
        await SiteStore.create(stage.ctx, siteInput("naive", sim));
        b.log("naive baseline…");
        const naive = await withChild(b, stage, { mode: "naive", siteId: "naive" }, (c) => c.result());
        report.naive_baseline = {
          records: naive.records,
          seconds: round(naive.seconds),
          records_per_s: round(naive.records / naive.seconds, 0),
          write_requests: naive.requests,
        };
        if (report.full_sync) report.speedup_vs_naive = round(naive.seconds / report.full_sync.seconds);
      });
    }
  });
}

/** The write-only limit uses the pipeline's own write parallelism per entity (core's defaults). */
const writeConcurrency = () => 4;

async function fullAndResync(b: BenchContext, stage: Stage, sim: Sim, report: Partial<BenchReport>) {
  await SiteStore.create(stage.ctx, siteInput("full", sim));
  await withChild(b, stage, consumeJob(stage), async (child) => {
    b.log("full sync…");
    await child.snapshot(true);
    const cpu = meterCpu(b.services.dynamo.pid, child.pid);
    const full = await timedSync(stage.ctx, "full");
    const cpuSplit = cpu();
    const afterFull = await child.snapshot(true);
    report.full_sync = {
      records: full.records,
      seconds: round(full.seconds),
      records_per_s: round(full.records / full.seconds, 0),
      peak_rss_mb: afterFull.max_rss_mb,
      entities: full.entities,
      record_write_requests: afterFull.writes.record,
      dynamodb_requests: afterFull.operations,
      dynamodb_occupancy: afterFull.occupancy,
      entity_seconds: Object.fromEntries(
        Object.entries(full.run.entities).map(([e, r]) => [e, round((r.duration_ms ?? 0) / 1000)]),
      ),
      cpu_s: cpuSplit,
    };
    b.log(`full sync: ${full.records} records in ${full.seconds.toFixed(1)} s`);
    b.log("resync, nothing changed…");
    const again = await timedSync(stage.ctx, "full");
    const afterResync = await child.snapshot(true);
    const rewritten = again.written - (again.run.entities.stats?.written ?? 0);
    if (rewritten !== 0) b.log(`resync wrote ${rewritten} records (expected none)`);
    report.resync_unchanged = {
      records: again.records,
      write_requests: afterResync.writes.record,
      seconds: round(again.seconds),
      stats_history_writes: afterResync.writes.stats,
      bookkeeping_writes: afterResync.writes.bookkeeping,
    };
  });
}

// ---- webhook → visible ------------------------------------------------------------------------------------

/** The site a webhook refreshes: an artist with a large catalogue, not the 90,000-record stress case. */
const webhookSizes = { paintings: 2_000, users: 1_000, orders: 500 };

export async function webhookToVisible(b: BenchContext, report: Partial<BenchReport>) {
  const n = b.scale < 1 ? 10 : 20;
  await withStage(b, "webhook", (stage) =>
    withSim(b, { apiKey: API_KEY, seed: 21, sizes: webhookSizes }, async (sim) => {
      // Webhook-triggered syncs of one site start at most once per MIN_SYNC_INTERVAL_SECONDS (a burst waits
      // for the interval's end): each sample is a site's first event, on its own site, all on one Template.
      const sites: { siteId: string; secret: string }[] = [];
      for (let i = 0; i < n; i++) {
        const siteId = `webhook-${i}`;
        const { webhook_secret } = await SiteStore.create(stage.ctx, siteInput(siteId, sim));
        sites.push({ siteId, secret: webhook_secret });
      }
      await withChild(b, stage, consumeJob(stage), () =>
        withChild(b, stage, { mode: "http" }, async (http) => {
          const base = `http://127.0.0.1:${http.port}`;
          let initial = { records: 0 };
          for (const { siteId } of sites) initial = await timedSync(stage.ctx, siteId, ["paintings"]);
          const samples: number[] = [];
          for (const [i, { siteId, secret: webhook_secret }] of sites.entries()) {
            const { id, expected } = changeOnePainting(sim);
            const body = JSON.stringify({
              event: "painting_updated",
              site_id: siteId,
              event_id: `bench-${i}`,
            });
            const started = performance.now();
            const accepted = await fetch(`${base}/api/sync/webhook/template`, {
              method: "POST",
              headers: {
                "content-type": "application/json",
                "x-template-signature": signatureHeader(webhook_secret, body),
              },
              body,
            });
            if (accepted.status !== 202)
              throw new Error(`webhook answered ${accepted.status}: ${await accepted.text()}`);
            const { run_id } = (await accepted.json()) as { run_id?: string };
            await waitVisible(base, b.services.adminToken, siteId, id, expected);
            samples.push(performance.now() - started);
            // The next event comes once this one's run is over, as edits by a person do.
            if (run_id) await waitForRun(stage.ctx, run_id, 60_000, 50);
          }
          report.webhook_to_visible_ms = {
            n: samples.length,
            p50: round(percentile(samples, 50) ?? 0, 0),
            p95: round(percentile(samples, 95) ?? 0, 0),
            max: round(Math.max(...samples), 0),
            site_records: initial.records,
          };
        }),
      );
    }),
  );
}

/**
 * Edits one painting at the Template and returns it as the Dashboard must then store it. The simulator
 * serves a few deliberately invalid paintings (quarantined, never stored): an edit that leaves one invalid
 * is followed by another.
 */
function changeOnePainting(sim: Sim): { id: number; expected: Record<string, unknown> } {
  for (let attempt = 0; attempt < 50; attempt++) {
    const [changed] = sim.change("paintings", 1);
    if (!changed) break;
    const served = servedRecords(sim.data, "paintings").find((p) => p.id === changed.id);
    const parsed = RECORD_SCHEMAS.paintings.safeParse(served);
    if (parsed.success) return { id: changed.id, expected: parsed.data as Record<string, unknown> };
  }
  throw new Error("template-sim gave no valid edited painting");
}

/** Polls the admin API until the record it returns holds every expected field. */
async function waitVisible(
  base: string,
  token: string,
  siteId: string,
  id: number,
  expected: Record<string, unknown>,
) {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const res = await fetch(`${base}/api/sites/${siteId}/paintings/${id}`, {
      headers: { authorization: `Bearer ${token}` },
    });
    if (res.status === 200) {
      const got = (await res.json()) as Record<string, unknown>;
      if (Object.keys(expected).every((k) => JSON.stringify(got[k]) === JSON.stringify(expected[k]))) return;
    } else if (res.status !== 404) {
      throw new Error(`GET painting ${id} answered ${res.status}: ${await res.text()}`);
    } else {
      await res.arrayBuffer();
    }
    if (Date.now() > deadline) throw new Error(`painting ${id} not visible after 60 s`);
    await sleep(20);
  }
}

// ---- read API ---------------------------------------------------------------------------------------------

/** Returns what one API request used (the cost model's admin requests). */
export async function readApi(b: BenchContext, report: Partial<BenchReport>): Promise<Usage> {
  let apiUsage: ChildUsage | undefined;
  const sites = 50;
  const perSite = scaled(b, 2_000);
  const n = b.scale < 1 ? 200 : 500;
  await withStage(b, "read", async (stage) => {
    b.log(`loading ${sites * perSite} paintings across ${sites} sites…`);
    // The simulator serves a few invalid paintings on purpose; generate enough valid ones for every site.
    const data = generateData({
      seed: 31,
      sizes: { paintings: Math.ceil(perSite * 1.2), users: 0, orders: 0 },
    });
    const records = servedRecords(data, "paintings")
      .flatMap((raw) => {
        const parsed = RECORD_SCHEMAS.paintings.safeParse(raw);
        return parsed.success ? [parsed.data as { id: number } & Record<string, unknown>] : [];
      })
      .slice(0, perSite);
    const url = "https://artiste.example";
    const now = new Date().toISOString();
    const items: Item[] = [];
    for (let s = 0; s < sites; s++) {
      const siteId = `site-${String(s).padStart(2, "0")}`;
      for (const record of records)
        items.push(Records.toItem(siteId, "paintings", record, url, now, Records.recordHash(record, url)));
    }
    await batchWrite(stage.ctx, items.map(putRequest), { concurrency: 8 });
    await withChild(b, stage, { mode: "http" }, async (http) => {
      const get = async (site: number) => {
        const siteId = `site-${String(site).padStart(2, "0")}`;
        const started = performance.now();
        const res = await fetch(`http://127.0.0.1:${http.port}/api/paintings?site_id=${siteId}&limit=50`, {
          headers: { authorization: `Bearer ${b.services.adminToken}` },
        });
        const body = (await res.json()) as { items?: unknown[] };
        const ms = performance.now() - started;
        if (res.status !== 200 || body.items?.length !== 50) {
          throw new Error(`GET /api/paintings answered ${res.status} with ${body.items?.length} items`);
        }
        return ms;
      };
      for (let i = 0; i < 20; i++) await get(i % sites);
      await http.snapshot(true);
      const samples: number[] = [];
      for (let i = 0; i < n; i++) samples.push(await get((i * 7) % sites));
      apiUsage = (await http.snapshot(true)).usage;
      report.read_api_ms = {
        items_in_table: items.length,
        n: samples.length,
        p50: round(percentile(samples, 50) ?? 0, 1),
        p99: round(percentile(samples, 99) ?? 0, 1),
        max: round(Math.max(...samples), 1),
      };
    });
  });
  if (!apiUsage) throw new Error("read API: no usage measured");
  const requests = apiUsage.lambda.invocations || 1;
  return scaleUsage(
    addUsage(usageOf({ ...apiUsage, lambda: { ...apiUsage.lambda, memory_mb: API_MEMORY_MB } }), {
      api_requests: apiUsage.lambda.invocations,
    }),
    1 / requests,
  );
}

// ---- fan-out -------------------------------------------------------------------------------------------

/** Returns what the scheduler's tick used for the 1,000 sites (the cost model's fleet share). */
export async function fanout(b: BenchContext, report: Partial<BenchReport>): Promise<Usage> {
  let tick: Usage = NO_USAGE;
  const sites = 1_000;
  await withStage(b, "fanout", async (stage) => {
    b.log(`registering ${sites} sites…`);
    let next = 0;
    await Promise.all(
      Array.from({ length: 16 }, async () => {
        while (next < sites) {
          const i = next++;
          await SiteStore.create(stage.ctx, {
            id: `artiste-${String(i).padStart(4, "0")}`,
            name: `Artiste ${i}`,
            template_url: `https://artiste-${i}.example`,
            api_key: `key-${i}-${API_KEY}`,
          });
        }
      }),
    );
    const result = await withChild(b, stage, { mode: "schedule" }, (c) => c.result());
    const { Attributes = {} } = await stage.sqs.send(
      new GetQueueAttributesCommand({
        QueueUrl: stage.queueUrl,
        AttributeNames: ["ApproximateNumberOfMessages"],
      }),
    );
    const queued = Number(Attributes.ApproximateNumberOfMessages ?? 0);
    if (queued !== result.messages)
      throw new Error(`scheduler reported ${result.messages} messages, queue holds ${queued}`);
    report.fanout = { sites, messages: queued, seconds: round(result.seconds), runs: result.records };
    tick = schedulerUsage(result.usage);
  });
  return tick;
}

const schedulerUsage = (u: ChildUsage | undefined): Usage =>
  u ? usageOf({ ...u, lambda: { ...u.lambda, memory_mb: SCHEDULER_MEMORY_MB } }) : NO_USAGE;

// ---- large entity ------------------------------------------------------------------------------------------

/** V8 flags that bound the consumer's young generation: Node 24 on a machine this size lets it grow to 134 MB (64 MB semi-spaces). */
const LEAN_NODE_FLAGS = ["--max-semi-space-size=16"];

export async function largeEntity(b: BenchContext, report: Partial<BenchReport>) {
  const paintings = scaled(b, 100_000);
  const sizes = { paintings, users: 10, orders: 10 };
  await withSim(b, { apiKey: API_KEY, seed: 41, sizes }, async (sim) => {
    /** A first sync of the one entity on a fresh table, by a fresh consumer process. */
    const firstSync = (nodeFlags: string[]) =>
      withStage(b, "large", async (stage) => {
        await SiteStore.create(stage.ctx, siteInput("large", sim));
        const child = await Child.start({
          workerFile: b.workerFile,
          job: consumeJob(stage),
          env: stage.env,
          logFile: b.logFile,
          nodeFlags,
        });
        try {
          b.log(
            `syncing one entity of ${paintings} records${nodeFlags.length ? ` (${nodeFlags.join(" ")})` : ""}…`,
          );
          const idle = await child.snapshot(true);
          const sync = await timedSync(stage.ctx, "large", ["paintings"]);
          const snapshot = await child.stop();
          return { sync, idle, snapshot };
        } finally {
          child.kill();
        }
      });
    const { sync, idle, snapshot } = await firstSync(b.nodeFlags);
    const lean = await firstSync([...b.nodeFlags, ...LEAN_NODE_FLAGS]);
    report.large_entity = {
      records: sync.records,
      peak_rss_mb: snapshot.max_rss_mb,
      seconds: round(sync.seconds),
      idle_rss_mb: idle.rss_mb,
      peak_heap_used_mb: snapshot.memory.heap_used_mb,
      peak_heap_total_mb: snapshot.memory.heap_total_mb,
      peak_external_mb: snapshot.memory.external_mb,
      with_node_options: {
        node_options: LEAN_NODE_FLAGS.join(" "),
        peak_rss_mb: lean.snapshot.max_rss_mb,
        seconds: round(lean.sync.seconds),
        peak_heap_total_mb: lean.snapshot.memory.heap_total_mb,
      },
    };
  });
}

// ---- the AWS-latency mode --------------------------------------------------------------------------------

/**
 * The full sync, the naive baseline and the two halves of the pipeline again, with every DynamoDB and SQS
 * request of every child paying a same-region round trip and every Template request its latency.
 */
export async function syncScenariosAws(b: BenchContext, report: Partial<BenchReport>, want: Set<string>) {
  const aws: BenchContext = { ...b, latency: b.latency ?? AWS_LATENCY };
  const part: Partial<BenchReport> = {};
  await syncScenarios(aws, part, new Set([...want].filter((s) => s !== "resync")));
  const full = part.full_sync;
  report.latency_aws = {
    profile: aws.latency ?? AWS_LATENCY,
    ...(full ? { full_sync_s: full.seconds, records: full.records } : {}),
    ...(part.naive_baseline ? { naive_s: part.naive_baseline.seconds } : {}),
    ...(part.speedup_vs_naive !== undefined ? { speedup_vs_naive: part.speedup_vs_naive } : {}),
    ...(part.limit
      ? {
          fetch_only_s: part.limit.fetch_only_s,
          write_only_s: part.limit.write_only_s,
          efficiency: part.limit.efficiency,
        }
      : {}),
    ...(full ? { dynamodb_occupancy: full.dynamodb_occupancy } : {}),
  };
}

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
          const usage = addUsage(
            usageOf({ ...consumed, lambda: { ...consumed.lambda, memory_mb: CONSUMER_MEMORY_MB } }),
            schedulerUsage(scheduled.usage),
          );
          const { Table } = await stage.dynamo.send(new DescribeTableCommand({ TableName: stage.tableName }));
          return {
            usage,
            consumed,
            consumerCpuS: cpuSplit.consumer,
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
