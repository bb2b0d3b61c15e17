/**
 * Sync runs: one per trigger (schedule, manual, webhook) and site. Each entity of a run reports its
 * EntityResult independently (one SQS message each); the run fans in and is finalised exactly once, by
 * whichever entity finishes last, through conditional writes. The site's view of a run is the sync's
 * (sync/run-state.ts): this module writes runs only.
 */
import type { Ctx } from "../context";
import type { Entity } from "../entity";
import { batchWrite, listPage, type Page, putRequest } from "../store/db";
import { RunEntity } from "../store/entities";
import { Keys } from "../store/keys";
import { createId } from "../util/id";
import { isoNow } from "../util/time";
import { logOf } from "./log";
import {
  type EntityError,
  type EntityResult,
  emptyResult,
  isActive,
  isTerminal,
  outcome,
  Run,
  runExpiresAt,
  runNotFound,
  type Trigger,
} from "./schema";

export interface NewRun {
  siteId: string;
  trigger: Trigger;
  entities: readonly Entity[];
  /** A fresh id (`createId("run")`), when the caller needs it before the run exists. */
  runId?: string;
}

export async function create(ctx: Ctx, input: NewRun): Promise<Run> {
  const [run] = await createMany(ctx, [input]);
  if (!run) throw new Error("createMany returned no run");
  return run;
}

/**
 * Creates runs, queued: their items in BatchWriteItem requests of 25 (the ids are fresh ULIDs, so no put can
 * overwrite another run). Returns once every run exists. The site's `last_run` is the sync's (run-state.ts).
 */
export async function createMany(ctx: Ctx, inputs: readonly NewRun[]): Promise<Run[]> {
  const startedAt = isoNow(ctx.now());
  const runs = inputs.map(
    (input): Run => ({
      run_id: input.runId ?? createId("run"),
      site_id: input.siteId,
      trigger: input.trigger,
      status: "queued",
      started_at: startedAt,
      entities: Object.fromEntries(input.entities.map((e) => [e, emptyResult()])),
    }),
  );
  const ttl = runExpiresAt(ctx);
  await batchWrite(
    ctx,
    runs.map((run) =>
      putRequest(
        RunEntity.item([run.run_id], {
          ...Keys.runIndexes(run.run_id, run.site_id),
          expires_at: ttl,
          ...run,
        }),
      ),
    ),
  );
  return runs;
}

export async function get(ctx: Ctx, runId: string, opts: { withLog?: boolean } = {}): Promise<Run> {
  const run = await RunEntity.get(ctx, [runId]);
  if (!run) throw runNotFound(runId);
  return opts.withLog ? { ...run, log: await logOf(ctx, runId) } : run;
}

/** Runs, newest first, of one site or of all. */
export async function list(
  ctx: Ctx,
  q: { siteId?: string; limit: number; cursor?: string },
): Promise<Page<Run>> {
  const page = await listPage(ctx, {
    key: q.siteId ? Keys.siteRunsIndex(q.siteId) : Keys.runsIndex(),
    descending: true,
    limit: q.limit,
    cursor: q.cursor,
    scope: `runs:${q.siteId ?? "*"}`,
  });
  return { ...page, items: page.items.map((i) => Run.parse(i)) };
}

/**
 * Marks an entity as running (and the run too). `started` is false when the entity already finished (a
 * duplicate); `showRunning` is true when the run started with it or the entity came back from `retrying`
 * (what the site shows changes).
 */
export async function startEntity(
  ctx: Ctx,
  runId: string,
  entity: Entity,
): Promise<{ started: false } | { started: true; showRunning: boolean }> {
  const started = await RunEntity.update(ctx, "startEntity", [runId], { entity });
  if (!started.applied) return { started: false };
  const runStarted = (await RunEntity.update(ctx, "markRunning", [runId], undefined)).applied;
  const old = started.attributes ? Run.safeParse(started.attributes) : undefined;
  const resumed = old?.success === true && old.data.entities[entity]?.status === "retrying";
  return { started: true, showRunning: runStarted || resumed };
}

/** Live counters while an entity runs, for the UI. Ignored once the entity finished. */
export async function progress(ctx: Ctx, runId: string, entity: Entity, result: EntityResult): Promise<void> {
  await RunEntity.update(ctx, "progress", [runId], { entity, result });
}

/**
 * Records an entity's final result, once: a second report for the same entity (a redelivered message)
 * changes nothing and returns false. When it was the last entity, finalises the run.
 */
export async function completeEntity(
  ctx: Ctx,
  runId: string,
  entity: Entity,
  result: EntityResult,
): Promise<{ recorded: boolean; run?: Run }> {
  const done = await RunEntity.update(ctx, "completeEntity", [runId], { entity, result });
  if (!done.applied) return { recorded: false };
  return { recorded: true, run: await finalise(ctx, Run.parse(done.attributes)) };
}

/**
 * Finalises the run when every entity has reported (once: a conditional write). Safe to call again, e.g.
 * by a redelivered message whose first delivery died between recording its result and this step.
 */
export async function finaliseIfDone(ctx: Ctx, runId: string): Promise<Run | undefined> {
  return finalise(ctx, await get(ctx, runId));
}

/** `finaliseIfDone` for a run as just read: the finalised run, or undefined when it is not done or was already. */
async function finalise(ctx: Ctx, run: Run): Promise<Run | undefined> {
  const results = Object.values(run.entities);
  if (!results.every((r) => isTerminal(r.status))) return undefined;
  const { status, success } = outcome(run.entities);
  const finishedAt = isoNow(ctx.now());
  const { applied } = await RunEntity.update(ctx, "finalise", [run.run_id], {
    status,
    success,
    at: finishedAt,
  });
  return applied ? { ...run, status, success, finished_at: finishedAt } : undefined;
}

export interface RetryNotice {
  error: EntityError;
  attempt: number;
  maxAttempts: number;
  nextAttemptAt: string;
}

/**
 * An attempt failed and another is planned: the entity shows `retrying` with why, which attempt and when
 * the next one starts. False (nothing written) once the entity finished.
 */
export async function markRetrying(
  ctx: Ctx,
  run: Pick<Run, "run_id">,
  entity: Entity,
  notice: RetryNotice,
): Promise<boolean> {
  const done = await RunEntity.update(ctx, "markRetrying", [run.run_id], { entity, ...notice });
  return done.applied;
}

/**
 * Asks a run to stop: its entities not yet finished end `cancelled` now (a message still on the queue, or
 * waiting for its next attempt, finds its entity finished and is dropped); a message in the middle of a scan
 * stops at its next page and deletes nothing. Returns the run as it is afterwards. A finished run is left as
 * it is (`cancelled: false`). `finalised`: the run, when this cancel finalised it (its site shows it).
 */
export async function cancel(
  ctx: Ctx,
  runId: string,
): Promise<{ run: Run; cancelled: boolean; finalised?: Run }> {
  const { applied: requested } = await RunEntity.update(ctx, "requestCancel", [runId], {
    at: isoNow(ctx.now()),
  });
  if (!requested) return { run: await get(ctx, runId), cancelled: false };
  const run = await get(ctx, runId);
  let finalised: Run | undefined;
  for (const [entity, r] of Object.entries(run.entities) as [Entity, EntityResult][]) {
    if (isTerminal(r.status)) continue;
    const { attempt: _a, max_attempts: _m, next_attempt_at: _n, ...counts } = r;
    const done = await completeEntity(ctx, runId, entity, {
      ...counts,
      status: "cancelled",
      error: { code: "cancelled", message: "Stopped before the end; nothing was deleted" },
    });
    finalised ??= done.run;
  }
  finalised ??= await finaliseIfDone(ctx, runId);
  return { run: await get(ctx, runId), cancelled: true, ...(finalised ? { finalised } : {}) };
}

/** True when the run was asked to stop (or no longer exists: its site was deleted). */
export async function cancelRequested(ctx: Ctx, runId: string): Promise<boolean> {
  const item = await RunEntity.peek(ctx, [runId], ["cancel_requested_at"]);
  return !item || item.cancel_requested_at !== undefined;
}

/** The runs of a site still in progress, newest first (the site's recent runs are read, at most 50). */
export async function activeRuns(ctx: Ctx, siteId: string): Promise<Run[]> {
  const page = await list(ctx, { siteId, limit: 50 });
  return page.items.filter((r) => isActive(r.status));
}

/** A trigger found the run in progress and joined it: said on the run, for the admin. */
export async function recordJoined(ctx: Ctx, runId: string, trigger: Trigger): Promise<void> {
  await RunEntity.update(ctx, "recordJoined", [runId], { trigger, at: isoNow(ctx.now()) });
}
