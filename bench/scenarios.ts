/**
 * The sync measurements (issues 6 and 15): warm-up, full sync and resync, the naive baseline, the large entity,
 * and the same with AWS latencies. Every scenario runs on its own stage, with the work done by child processes
 * linked to it, and cleans up after itself.
 */
import * as SiteStore from "@dashboard/core/site";
import type { Sim } from "@dashboard/template-sim";
import { Child } from "./child";
import { meterCpu } from "./cpu";
import {
  API_KEY,
  type BenchContext,
  consumeJob,
  fullSizes,
  measuredJob,
  scaled,
  siteInput,
  timedSync,
  withChild,
  withSim,
  withStage,
} from "./harness";
import { AWS_LATENCY } from "./latency";
import type { BenchReport } from "./report";
import type { Stage } from "./services";
import { round } from "./stats";

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
