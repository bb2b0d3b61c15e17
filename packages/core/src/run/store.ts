/**
 * Sync runs: one per trigger (schedule, manual, webhook) and site. A run is stored as a small indexed header
 * (what the run list reads) and one small item per entity result, in the run's partition (docs/data-model.md):
 * an entity's start, progress and end write only its own item (one write unit, no index entries), and the
 * header is written when what it lists changes: created, running, finalised. Each entity of a run reports
 * its EntityResult independently (one SQS message each); the run fans in and is finalised exactly once, by
 * whichever entity finishes last (see `completeEntity`). The site's view of a run is the sync's
 * (sync/run-state.ts): this module writes runs only.
 */
import type { Ctx } from "../context";
import type { Entity } from "../entity";
import { batchWrite, keyRange, listPage, type Page, putRequest, queryAll } from "../store/db";
import { RunEntity, RunEntityResult } from "../store/entities";
import { Keys } from "../store/keys";
import { createId } from "../util/id";
import { isoNow } from "../util/time";
import { logOf } from "./log";
import {
  type EntityError,
  EntityResult,
  type EntitySyncs,
  emptyResult,
  isActive,
  isTerminal,
  outcome,
  type Run,
  RunEntityItem,
  RunHeader,
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
 * Creates runs, queued: their headers in BatchWriteItem requests of 25 (the ids are fresh ULIDs, so no put
 * can overwrite another run). Returns once every run exists. The site's `last_run` is the sync's (run-state.ts).
 */
export async function createMany(ctx: Ctx, inputs: readonly NewRun[]): Promise<Run[]> {
  const startedAt = isoNow(ctx.now());
  const headers = inputs.map(
    (input): RunHeader => ({
      run_id: input.runId ?? createId("run"),
      site_id: input.siteId,
      trigger: input.trigger,
      status: "queued",
      started_at: startedAt,
      entity_names: [...input.entities],
    }),
  );
  const ttl = runExpiresAt(ctx);
  await batchWrite(
    ctx,
    headers.map((header) =>
      putRequest(
        RunEntity.item([header.run_id], {
          ...Keys.runIndexes(header.run_id, header.site_id),
          expires_at: ttl,
          ...header,
        }),
      ),
    ),
  );
  return headers.map((h) => assemble(h, new Map()));
}

/** The entities a run covers, in its order (from `entity_names`, or from `entities` on an older run). */
export const entitiesOf = (header: RunHeader): Entity[] =>
  header.entity_names ?? (Object.keys(header.entities ?? {}) as Entity[]);

/**
 * A run as the API shows it, from its header and its entity result items: an entity's own item when it has
 * one, else the header's final result, else `pending` (an entity writes its item at its first progress
 * point, so one that started less than a second ago still shows pending).
 */
function assemble(header: RunHeader, items: ReadonlyMap<Entity, RunEntityItem>): Run {
  const { entity_names: _n, entities: final, ...rest } = header;
  const entities: Run["entities"] = {};
  for (const entity of entitiesOf(header)) {
    const item = items.get(entity);
    entities[entity] = item ? EntityResult.parse(item) : (final?.[entity] ?? emptyResult());
  }
  return { ...rest, entities };
}

interface RunState {
  header: RunHeader;
  items: Map<Entity, RunEntityItem>;
}

/**
 * The run's header and entity results, from one strongly consistent Query of its partition (`RUN`, `RUN#E#…`:
 * not its log, quarantine or checkpoints). Undefined when the run does not exist.
 */
async function readState(ctx: Ctx, runId: string): Promise<RunState | undefined> {
  let header: RunHeader | undefined;
  const items = new Map<Entity, RunEntityItem>();
  for await (const page of queryAll(ctx, {
    ...keyRange({ pk: Keys.runPartition(runId), prefix: Keys.runStatePrefix }),
    ConsistentRead: true,
  })) {
    for (const raw of page) {
      if (raw.sk === Keys.runItem(runId).sk) header = RunHeader.parse(raw);
      else if (raw.type === RunEntityResult.type) {
        const item = RunEntityItem.parse(raw);
        items.set(item.entity, item);
      }
    }
  }
  return header ? { header, items } : undefined;
}

export async function get(ctx: Ctx, runId: string, opts: { withLog?: boolean } = {}): Promise<Run> {
  const state = await readState(ctx, runId);
  if (!state) throw runNotFound(runId);
  const run = assemble(state.header, state.items);
  return opts.withLog ? { ...run, log: await logOf(ctx, runId) } : run;
}

/** The run's header alone (one small GetItem): its status, entities covered, cancel request. */
export async function header(ctx: Ctx, runId: string): Promise<RunHeader | undefined> {
  return RunEntity.get(ctx, [runId]);
}

/** The entity result items of a run in progress (a finalised run's header holds its results). */
async function entityItems(ctx: Ctx, runId: string): Promise<Map<Entity, RunEntityItem>> {
  const items = new Map<Entity, RunEntityItem>();
  for await (const page of queryAll(ctx, {
    ...keyRange({ pk: Keys.runPartition(runId), prefix: Keys.runEntityPrefix }),
  })) {
    for (const raw of page) {
      const item = RunEntityItem.parse(raw);
      items.set(item.entity, item);
    }
  }
  return items;
}

/**
 * Runs, newest first, of one site or of all: their headers, and for the runs still in progress (few) their
 * entities' live state, read from their result items.
 */
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
  const items = await Promise.all(
    page.items.map(async (i) => {
      const h = RunHeader.parse(i);
      return assemble(h, isActive(h.status) ? await entityItems(ctx, h.run_id) : new Map());
    }),
  );
  return { ...page, items };
}

/**
 * An entity starts, with the run as the message read it (or read here, given its id). Nothing is written for the entity itself (its item
 * comes with its first progress point or its end): the run's read and the lease already guard duplicates.
 * `started` is false when the run was asked to stop, or when the entity finished in the meantime (a
 * duplicate); `showRunning` is true when the run started with it or the entity came back from `retrying`
 * (what the site shows changes).
 */
export async function startEntity(
  ctx: Ctx,
  runOrId: Run | string,
  entity: Entity,
): Promise<{ started: false } | { started: true; showRunning: boolean }> {
  const run = typeof runOrId === "string" ? await get(ctx, runOrId) : runOrId;
  if (isTerminal(run.entities[entity]?.status ?? "pending")) return { started: false };
  if (run.cancel_requested_at !== undefined) return { started: false };
  const current = run.entities[entity];
  const resumed = current?.status === "retrying";
  if (resumed) {
    const { attempt: _a, max_attempts: _m, next_attempt_at: _n, error: _e, ...counts } = current;
    if (!(await progress(ctx, run.run_id, entity, counts))) return { started: false };
  }
  const runStarted =
    run.status === "queued" && (await RunEntity.update(ctx, "markRunning", [run.run_id], undefined)).applied;
  return { started: true, showRunning: runStarted || resumed };
}

/** Live counters while an entity runs, for the UI. Ignored (false) once the entity finished. */
export async function progress(
  ctx: Ctx,
  runId: string,
  entity: Entity,
  result: EntityResult,
): Promise<boolean> {
  const done = await RunEntityResult.update(ctx, "progress", [runId, entity], {
    entity,
    result,
    ttl: runExpiresAt(ctx),
  });
  return done.applied;
}

/** A finalised run and what it leaves on its site (each succeeded entity's live count and sync time). */
export interface Finalised {
  run: Run;
  synced: EntitySyncs;
}

/**
 * Records an entity's final result, once: a second report for the same entity (a redelivered message)
 * changes nothing and returns false. `liveCount`: the entity's live records after a successful scan, for the
 * site. When it was the last entity, finalises the run.
 *
 * Exactly once, with entities finishing concurrently: each writes its result item first, then reads the whole
 * run with a strongly consistent Query, and finalises only when it sees every entity finished, through a
 * header update conditioned on the run still being in progress (one such update can apply). No run is left
 * unfinalised: of the last two (or more) entities to finish, take the one whose write DynamoDB applied last;
 * its read starts after its own write returned, so after every other entity's write, and a strongly
 * consistent read reflects every write acknowledged before it: it sees every result, finished. Its finalising
 * update applies unless another entity's already did. A delivery that dies between its write and the
 * finalising update leaves the run to its redelivery (`finaliseIfDone`, handle.ts's `settleFinished`).
 */
export async function completeEntity(
  ctx: Ctx,
  runId: string,
  entity: Entity,
  result: EntityResult,
  liveCount?: number,
): Promise<{ recorded: boolean; finalised?: Finalised }> {
  const synced = result.status === "succeeded";
  const done = await RunEntityResult.update(ctx, "complete", [runId, entity], {
    entity,
    result: {
      ...result,
      entity,
      ...(synced ? { synced_at: isoNow(ctx.now()) } : {}),
      ...(synced && liveCount !== undefined ? { live_count: liveCount } : {}),
    },
    ttl: runExpiresAt(ctx),
  });
  if (!done.applied) return { recorded: false };
  const finalised = await finaliseIfDone(ctx, runId);
  return finalised ? { recorded: true, finalised } : { recorded: true };
}

/**
 * Finalises the run when every entity has reported (once: a conditional write). Safe to call again, e.g.
 * by a redelivered message whose first delivery died between recording its result and this step. Undefined
 * when the run is not done, or was finalised already (or no longer exists).
 */
export async function finaliseIfDone(ctx: Ctx, runId: string): Promise<Finalised | undefined> {
  const state = await readState(ctx, runId);
  if (!state || !isActive(state.header.status)) return undefined;
  const run = assemble(state.header, state.items);
  if (!Object.values(run.entities).every((r) => isTerminal(r.status))) return undefined;
  const { status, success } = outcome(run.entities);
  const finishedAt = isoNow(ctx.now());
  const { applied } = await RunEntity.update(ctx, "finalise", [runId], {
    status,
    success,
    at: finishedAt,
    entities: run.entities,
  });
  if (!applied) return undefined;
  const synced: EntitySyncs = {};
  for (const [entity, item] of state.items) {
    if (item.status !== "succeeded" || item.synced_at === undefined) continue;
    synced[entity] = {
      at: item.synced_at,
      ...(item.live_count !== undefined ? { count: item.live_count } : {}),
    };
  }
  return { run: { ...run, status, success, finished_at: finishedAt }, synced };
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
  const done = await RunEntityResult.update(ctx, "markRetrying", [run.run_id, entity], {
    entity,
    ...notice,
    ttl: runExpiresAt(ctx),
  });
  return done.applied;
}

/**
 * Asks a run to stop: its entities not yet finished end `cancelled` now (a message still on the queue, or
 * waiting for its next attempt, finds its entity finished and is dropped); a message in the middle of a scan
 * stops at its next stop check and deletes nothing. Returns the run as it is afterwards. A finished run is
 * left as it is (`cancelled: false`). `finalised`: the run, when this cancel finalised it (its site shows it).
 */
export async function cancel(
  ctx: Ctx,
  runId: string,
): Promise<{ run: Run; cancelled: boolean; finalised?: Finalised }> {
  const { applied: requested } = await RunEntity.update(ctx, "requestCancel", [runId], {
    at: isoNow(ctx.now()),
  });
  if (!requested) return { run: await get(ctx, runId), cancelled: false };
  const run = await get(ctx, runId);
  let finalised: Finalised | undefined;
  for (const [entity, r] of Object.entries(run.entities) as [Entity, EntityResult][]) {
    if (isTerminal(r.status)) continue;
    const { attempt: _a, max_attempts: _m, next_attempt_at: _n, ...counts } = r;
    const done = await completeEntity(ctx, runId, entity, {
      ...counts,
      status: "cancelled",
      error: { code: "cancelled", message: "Stopped before the end; nothing was deleted" },
    });
    finalised ??= done.finalised;
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
