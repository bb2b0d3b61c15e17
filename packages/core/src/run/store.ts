/**
 * Sync runs: one per trigger (schedule, manual, webhook) and site. Each entity of a run reports its
 * EntityResult independently (one SQS message each); the run fans in and is finalised exactly once, by
 * whichever entity finishes last, through conditional writes. The site's view of a run is the sync's
 * (sync/run-state.ts): this module writes runs only.
 */
import { GetCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import type { Ctx } from "../context";
import type { Entity } from "../entity";
import { applyIf, batchWrite, listPage, type Page, putRequest } from "../store/db";
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
      putRequest({ ...Keys.run(run.run_id, run.site_id), type: "run", expires_at: ttl, ...run }),
    ),
  );
  return runs;
}

export async function get(ctx: Ctx, runId: string, opts: { withLog?: boolean } = {}): Promise<Run> {
  const out = await ctx.db.send(
    new GetCommand({ TableName: ctx.table, Key: Keys.runItem(runId), ConsistentRead: true }),
  );
  if (!out.Item) throw runNotFound(runId);
  const run = Run.parse(out.Item);
  return opts.withLog ? { ...run, log: await logOf(ctx, runId) } : run;
}

/** Runs, newest first, of one site or of all. */
export async function list(
  ctx: Ctx,
  q: { siteId?: string; limit: number; cursor?: string },
): Promise<Page<Run>> {
  const idx = q.siteId ? Keys.siteRunsIndex(q.siteId) : Keys.runsIndex();
  const attr = idx.index === "gsi1" ? "gsi1pk" : "gsi2pk";
  const page = await listPage(ctx, {
    index: idx.index,
    keyCondition: `${attr} = :pk`,
    values: { ":pk": idx.pk },
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
  try {
    const started = await ctx.db.send(
      new UpdateCommand({
        TableName: ctx.table,
        Key: Keys.runItem(runId),
        ReturnValues: "ALL_OLD",
        UpdateExpression: "SET entities.#e.#s = :running, #status = if_not_exists(#status, :running)",
        ConditionExpression:
          "attribute_exists(pk) AND entities.#e.#s IN (:pending, :running, :retrying) AND attribute_not_exists(cancel_requested_at)",
        ExpressionAttributeNames: { "#e": entity, "#s": "status", "#status": "status" },
        ExpressionAttributeValues: { ":running": "running", ":pending": "pending", ":retrying": "retrying" },
      }),
    );
    const runStarted = await applyIf(ctx, {
      update: {
        Key: Keys.runItem(runId),
        UpdateExpression: "SET #status = :running",
        ConditionExpression: "#status = :queued",
        ExpressionAttributeNames: { "#status": "status" },
        ExpressionAttributeValues: { ":running": "running", ":queued": "queued" },
      },
    });
    const old = started.Attributes ? Run.safeParse(started.Attributes) : undefined;
    const resumed = old?.success === true && old.data.entities[entity]?.status === "retrying";
    return { started: true, showRunning: runStarted || resumed };
  } catch (e) {
    if ((e as Error).name === "ConditionalCheckFailedException") return { started: false };
    throw e;
  }
}

/** Live counters while an entity runs, for the UI. Ignored once the entity finished. */
export async function progress(ctx: Ctx, runId: string, entity: Entity, result: EntityResult): Promise<void> {
  await ctx.db
    .send(
      new UpdateCommand({
        TableName: ctx.table,
        Key: Keys.runItem(runId),
        UpdateExpression: "SET entities.#e = :r",
        ConditionExpression: "entities.#e.#s IN (:running, :retrying)",
        ExpressionAttributeNames: { "#e": entity, "#s": "status" },
        ExpressionAttributeValues: {
          ":r": { ...result, status: "running" },
          ":running": "running",
          ":retrying": "retrying",
        },
      }),
    )
    .catch((e: Error) => {
      if (e.name !== "ConditionalCheckFailedException") throw e;
    });
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
  let after: Run;
  try {
    const out = await ctx.db.send(
      new UpdateCommand({
        TableName: ctx.table,
        Key: Keys.runItem(runId),
        UpdateExpression: "SET entities.#e = :r",
        ConditionExpression: "attribute_exists(pk) AND entities.#e.#s IN (:pending, :running, :retrying)",
        ExpressionAttributeNames: { "#e": entity, "#s": "status" },
        ExpressionAttributeValues: {
          ":r": result,
          ":pending": "pending",
          ":running": "running",
          ":retrying": "retrying",
        },
        ReturnValues: "ALL_NEW",
      }),
    );
    after = Run.parse(out.Attributes);
  } catch (e) {
    if ((e as Error).name === "ConditionalCheckFailedException") return { recorded: false };
    throw e;
  }
  return { recorded: true, run: await finalise(ctx, after) };
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
  const applied = await applyIf(ctx, {
    update: {
      Key: Keys.runItem(run.run_id),
      UpdateExpression: "SET #status = :status, success = :success, finished_at = :at",
      ConditionExpression: "#status IN (:queued, :running)",
      ExpressionAttributeNames: { "#status": "status" },
      ExpressionAttributeValues: {
        ":status": status,
        ":success": success,
        ":at": finishedAt,
        ":queued": "queued",
        ":running": "running",
      },
    },
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
  return applyIf(ctx, {
    update: {
      Key: Keys.runItem(run.run_id),
      UpdateExpression:
        "SET entities.#e.#s = :retrying, entities.#e.#err = :err, entities.#e.attempt = :attempt, entities.#e.max_attempts = :max, entities.#e.next_attempt_at = :next",
      ConditionExpression: "entities.#e.#s IN (:pending, :running, :retrying)",
      ExpressionAttributeNames: { "#e": entity, "#s": "status", "#err": "error" },
      ExpressionAttributeValues: {
        ":retrying": "retrying",
        ":pending": "pending",
        ":running": "running",
        ":err": notice.error,
        ":attempt": notice.attempt,
        ":max": notice.maxAttempts,
        ":next": notice.nextAttemptAt,
      },
    },
  });
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
  const requested = await applyIf(ctx, {
    update: {
      Key: Keys.runItem(runId),
      UpdateExpression: "SET cancel_requested_at = if_not_exists(cancel_requested_at, :at)",
      ConditionExpression: "attribute_exists(pk) AND #status IN (:queued, :running)",
      ExpressionAttributeNames: { "#status": "status" },
      ExpressionAttributeValues: { ":at": isoNow(ctx.now()), ":queued": "queued", ":running": "running" },
    },
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
  const out = await ctx.db.send(
    new GetCommand({
      TableName: ctx.table,
      Key: Keys.runItem(runId),
      ConsistentRead: true,
      ProjectionExpression: "cancel_requested_at",
    }),
  );
  return !out.Item || out.Item.cancel_requested_at !== undefined;
}

/** The runs of a site still in progress, newest first (the site's recent runs are read, at most 50). */
export async function activeRuns(ctx: Ctx, siteId: string): Promise<Run[]> {
  const page = await list(ctx, { siteId, limit: 50 });
  return page.items.filter((r) => isActive(r.status));
}

/** A trigger found the run in progress and joined it: said on the run, for the admin. */
export async function recordJoined(ctx: Ctx, runId: string, trigger: Trigger): Promise<void> {
  await applyIf(ctx, {
    update: {
      Key: Keys.runItem(runId),
      UpdateExpression: "SET joined = list_append(if_not_exists(joined, :none), :j)",
      ConditionExpression: "attribute_exists(pk) AND (attribute_not_exists(joined) OR size(joined) < :max)",
      ExpressionAttributeValues: { ":none": [], ":j": [{ trigger, at: isoNow(ctx.now()) }], ":max": 50 },
    },
  });
}
