/**
 * The manual sync's `wait`: poll the run until it is finished or the wait is over, then answer with the
 * seed's summary shape (seed §4.1) built from the run's entity results.
 */
import type { Ctx } from "@dashboard/core/context";
import type { Entity } from "@dashboard/core/entity";
import * as RunStore from "@dashboard/core/run";
import { sleep } from "@dashboard/core/util/sleep";
import type { SyncSummary } from "./schemas";

export interface WaitOptions {
  /** First pause between two reads; it doubles up to `maxIntervalMs`. */
  intervalMs?: number;
  maxIntervalMs?: number;
}

/**
 * The run once finished, cancelled included (with its log), or undefined when `waitMs` passed first. Reads are consistent, so
 * a finish recorded before the deadline is seen.
 */
export async function waitForRun(
  ctx: Ctx,
  runId: string,
  waitMs: number,
  opts: WaitOptions = {},
): Promise<RunStore.Run | undefined> {
  if (waitMs <= 0) return undefined;
  const deadline = Date.now() + waitMs;
  let interval = opts.intervalMs ?? 200;
  for (;;) {
    const run = await RunStore.get(ctx, runId);
    if (!RunStore.isActive(run.status)) return RunStore.get(ctx, runId, { withLog: true });
    const left = deadline - Date.now();
    if (left <= 0) return undefined;
    await sleep(Math.min(interval, left));
    interval = Math.min(interval * 2, opts.maxIntervalMs ?? 1_000);
  }
}

const entitySucceeded = (r: RunStore.EntityResult) => r.status === "succeeded" || r.status === "skipped";

/** The seed's `{success, timestamp, run_id, summary: {paintings: {success, count}, ..., stats: {success, data}}, log}`. */
export function summarise(run: RunStore.Run): SyncSummary {
  const summary: SyncSummary["summary"] = {};
  for (const [entity, result] of Object.entries(run.entities) as [Entity, RunStore.EntityResult][]) {
    const common = {
      success: entitySucceeded(result),
      status: result.status,
      ...(result.error ? { error: result.error } : {}),
    };
    if (entity === "stats") summary.stats = { ...common, data: result.data ?? {} };
    else summary[entity] = { ...common, count: result.valid };
  }
  return {
    success: run.success ?? false,
    timestamp: run.finished_at ?? run.started_at,
    run_id: run.run_id,
    status: run.status,
    summary,
    log: run.log ?? [],
  };
}
