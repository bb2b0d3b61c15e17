/**
 * What every scenario stands on: its stage (table and queues), its simulated Template, its child processes,
 * and waiting for a run.
 */
import type { Ctx } from "@dashboard/core/context";
import * as RunStore from "@dashboard/core/run";
import * as Sync from "@dashboard/core/sync";
import { sleep } from "@dashboard/core/util/sleep";
import { type Sim, startSim } from "@dashboard/template-sim";
import { Child } from "./child";
import { meterCpu } from "./cpu";
import { LATENCY_ENV, type LatencyProfile } from "./latency";
import type { Job } from "./protocol";
import { createStage, type Services, type Stage } from "./services";
import { round } from "./stats";

export interface BenchContext {
  services: Services;
  workerFile: string;
  logFile: string;
  /** 1 for the sizes, 0.1 for `--size small`. */
  scale: number;
  cpuProfileDir?: string;
  /** Node/V8 flags for every child (`--node-flags`), as a Lambda's NODE_OPTIONS would set them. */
  nodeFlags: string[];
  /** The AWS-latency mode: the round trips every child's requests pay, and the Template's latency. */
  latency?: LatencyProfile;
  log: (line: string) => void;
}

export const API_KEY = "bench-template-key-3f9a";
/** Concurrent batches of the local SQS poller (Lambda starts with several pollers per event source). */
const POLLER_CONCURRENCY = 5;
const TERMINAL: readonly RunStore.RunStatus[] = ["succeeded", "partial", "failed"];
export const scaled = (b: BenchContext, n: number) => Math.max(1, Math.round(n * b.scale));

export async function withStage<T>(
  b: BenchContext,
  name: string,
  fn: (stage: Stage) => Promise<T>,
): Promise<T> {
  const stage = await createStage(b.services, name);
  try {
    return await fn(stage);
  } finally {
    await stage.drop();
  }
}

export async function withSim<T>(
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

export async function withChild<T>(
  b: BenchContext,
  stage: Stage,
  job: Job,
  fn: (child: Child) => Promise<T>,
) {
  const child = await startChild(b, stage, job);
  try {
    const result = await fn(child);
    if (child.running) await child.stop();
    return result;
  } finally {
    child.kill();
  }
}

export const consumeJob = (stage: Stage): Job => ({
  mode: "consume",
  queueArn: stage.queueArn,
  concurrency: POLLER_CONCURRENCY,
});

/** A one-shot job in a child, with the CPU it and DynamoDB Local used (the child's own setup included). */
export async function measuredJob(b: BenchContext, stage: Stage, job: Job) {
  return withChild(b, stage, job, async (child) => {
    const cpu = meterCpu(b.services.dynamo.pid, child.pid);
    const result = await child.result();
    return { ...result, cpu: { ...cpu(), consumer: round(result.cpu_s) } };
  });
}

/** Polls a run (consistent reads) until it is terminal. */
export async function waitForRun(
  ctx: Ctx,
  runId: string,
  timeoutMs: number,
  pollMs = 100,
): Promise<RunStore.Run> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const run = await RunStore.get(ctx, runId);
    if (TERMINAL.includes(run.status)) return run;
    if (Date.now() > deadline) throw new Error(`run ${runId} still ${run.status} after ${timeoutMs} ms`);
    await sleep(pollMs);
  }
}

/** A manual sync, from `start` to the run being terminal, through the queue and the consumer. */
export async function timedSync(ctx: Ctx, siteId: string, only?: Sync.StartInput["entities"]) {
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

export const siteInput = (id: string, sim: Sim) => ({
  id,
  name: id,
  template_url: sim.url,
  api_key: API_KEY,
});

/** Sizes of the full sync's site (issue 6: 20,000 paintings, 50,000 users, 20,000 orders). */
export const fullSizes = (b: BenchContext) => ({
  paintings: scaled(b, 20_000),
  users: scaled(b, 50_000),
  orders: scaled(b, 20_000),
});
