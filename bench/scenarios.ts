/**
 * The measurements of issue 6, one function each. Every scenario runs on its own stage (table and queues),
 * with the work done by child processes linked to it, and cleans up after itself.
 */
import { GetQueueAttributesCommand } from "@aws-sdk/client-sqs";
import type { Ctx } from "@dashboard/core/context";
import * as Records from "@dashboard/core/record";
import * as RunStore from "@dashboard/core/run";
import * as SiteStore from "@dashboard/core/site";
import { batchWrite, type Item, putRequest } from "@dashboard/core/store/db";
import * as Sync from "@dashboard/core/sync";
import { RECORD_SCHEMAS } from "@dashboard/core/template/schema";
import { signatureHeader } from "@dashboard/core/webhook";
import { generateData, type Sim, servedRecords, startSim } from "@dashboard/template-sim";
import { Child } from "./child";
import { meterCpu } from "./cpu";
import type { Job } from "./protocol";
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

async function withSim<T>(opts: Parameters<typeof startSim>[0], fn: (sim: Sim) => Promise<T>): Promise<T> {
  const sim = await startSim({ requestLogLimit: 0, ...opts });
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
    env: stage.env,
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
export const fullSizes = (b: BenchContext) => ({
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
  await withSim({ apiKey: API_KEY, seed: 11, sizes }, async (sim) => {
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
export const webhookSizes = { paintings: 2_000, users: 1_000, orders: 500 };

export async function webhookToVisible(b: BenchContext, report: Partial<BenchReport>) {
  const n = b.scale < 1 ? 10 : 20;
  await withStage(b, "webhook", (stage) =>
    withSim({ apiKey: API_KEY, seed: 21, sizes: webhookSizes }, async (sim) => {
      const siteId = "webhook";
      const { webhook_secret } = await SiteStore.create(stage.ctx, siteInput(siteId, sim));
      await withChild(b, stage, consumeJob(stage), () =>
        withChild(b, stage, { mode: "http" }, async (http) => {
          const base = `http://127.0.0.1:${http.port}`;
          const initial = await timedSync(stage.ctx, siteId);
          const samples: number[] = [];
          for (let i = 0; i < n; i++) {
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

export async function readApi(b: BenchContext, report: Partial<BenchReport>) {
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
      const samples: number[] = [];
      for (let i = 0; i < n; i++) samples.push(await get((i * 7) % sites));
      report.read_api_ms = {
        items_in_table: items.length,
        n: samples.length,
        p50: round(percentile(samples, 50) ?? 0, 1),
        p99: round(percentile(samples, 99) ?? 0, 1),
        max: round(Math.max(...samples), 1),
      };
    });
  });
}

// ---- fan-out -------------------------------------------------------------------------------------------

export async function fanout(b: BenchContext, report: Partial<BenchReport>) {
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
  });
}

// ---- large entity ------------------------------------------------------------------------------------------

/** V8 flags that bound the consumer's young generation: Node 24 on a machine this size lets it grow to 134 MB (64 MB semi-spaces). */
export const LEAN_NODE_FLAGS = ["--max-semi-space-size=16"];

export async function largeEntity(b: BenchContext, report: Partial<BenchReport>) {
  const paintings = scaled(b, 100_000);
  await withSim({ apiKey: API_KEY, seed: 41, sizes: { paintings, users: 10, orders: 10 } }, async (sim) => {
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
