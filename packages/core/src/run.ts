/**
 * Sync runs: one per trigger (schedule, manual, webhook) and site. Each entity of a run reports its
 * EntityResult independently (one SQS message each); the run fans in and is finalised exactly once, by
 * whichever entity finishes last, through conditional writes. Log lines follow the seed's format.
 */
import { GetCommand, QueryCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import * as z from "zod";
import type { Ctx } from "./context";
import { Entity, REQUIRED_ENTITIES } from "./entity";
import { VisibleError } from "./error";
import { expiresAfterDays } from "./retention";
import * as SiteStore from "./site";
import { applyIf, batchWrite, listPage, type Page, putRequest, queryAll } from "./store/db";
import { Keys } from "./store/keys";
import { boundedRaw } from "./store/limits";
import { createId, sortableId } from "./util/id";
import { epochSeconds, isoNow } from "./util/time";

/** Runs, logs and quarantined records expire after this long (DynamoDB TTL). */
export const RUN_RETENTION_DAYS = 90;

export const Trigger = z.enum(["schedule", "manual", "webhook"]);
export type Trigger = z.infer<typeof Trigger>;

export const RunStatus = z.enum(["queued", "running", "succeeded", "partial", "failed", "cancelled"]);
export type RunStatus = z.infer<typeof RunStatus>;

/**
 * `retrying`: the last attempt failed with something retrying can fix; `attempt`, `next_attempt_at` and
 * `error` say which attempt failed, when the next one starts and why. `cancelled`: stopped by an admin (or
 * by disabling or deleting the site) before it finished; nothing was deleted.
 */
export const EntityStatus = z.enum([
  "pending",
  "running",
  "retrying",
  "succeeded",
  "failed",
  "skipped",
  "cancelled",
]);
export type EntityStatus = z.infer<typeof EntityStatus>;

/**
 * Why an entity failed: a stable `code` (the UI words it per language), the `message` in English for the API,
 * and for a Template's answer the technical details a person may need: its HTTP `status` and `url` (no query).
 */
export const EntityError = z.object({
  code: z.string(),
  message: z.string(),
  status: z.number().int().optional(),
  url: z.string().optional(),
});
export type EntityError = z.infer<typeof EntityError>;

export const EntityResult = z.object({
  status: EntityStatus,
  fetched: z.number().int(),
  /** Records read and stored, flagged ones included. */
  valid: z.number().int(),
  /** Of `valid`, the records stored with data-quality codes (a required field not set). */
  flagged: z.number().int().default(0),
  /** Records quarantined, not stored: they cannot be identified or stored faithfully. */
  rejected: z.number().int().default(0),
  /** Deprecated alias of `rejected`, kept for existing clients. */
  invalid: z.number().int(),
  written: z.number().int(),
  unchanged: z.number().int(),
  deleted: z.number().int(),
  pages: z.number().int(),
  duration_ms: z.number().int().optional(),
  error: EntityError.optional(),
  /** While `retrying`: the attempt (delivery) that failed, out of `max_attempts`, and when the next starts. */
  attempt: z.number().int().positive().optional(),
  max_attempts: z.number().int().positive().optional(),
  next_attempt_at: z.string().optional(),
  /** Why records no longer served were not marked deleted (the scan or the Template's count left a doubt). */
  deletions_withheld: EntityError.optional(),
  /** Stats only: the figures this run read. */
  data: z.record(z.string(), z.unknown()).optional(),
});
export type EntityResult = z.infer<typeof EntityResult>;

export const LogLevel = z.enum(["INFO", "SUCCESS", "WARNING", "ERROR"]);
export type LogLevel = z.infer<typeof LogLevel>;

/** A log line's values, for the UI to word the line from its `code`. */
export const LogParams = z.record(z.string(), z.union([z.string(), z.number()]));
export type LogParams = z.infer<typeof LogParams>;

export const LogEntry = z.object({
  entity: z.string(),
  level: LogLevel,
  /** The seed's line, in French. */
  message: z.string(),
  timestamp: z.string(),
  /** What happened, as a stable code (`entity_synced`, `record_invalid`...), with its values. */
  code: z.string().optional(),
  params: LogParams.optional(),
});
export type LogEntry = z.infer<typeof LogEntry>;

export const Run = z.object({
  run_id: z.string(),
  site_id: z.string(),
  trigger: Trigger,
  status: RunStatus,
  success: z.boolean().optional(),
  started_at: z.string(),
  finished_at: z.string().optional(),
  entities: z.partialRecord(Entity, EntityResult),
  /** When an admin (or disabling or deleting the site) asked the run to stop. */
  cancel_requested_at: z.string().optional(),
  /** Triggers that found this run in progress and joined it instead of starting another run. */
  joined: z.array(z.object({ trigger: Trigger, at: z.string() })).optional(),
  log: z.array(LogEntry).optional(),
});
export type Run = z.infer<typeof Run>;

export const InvalidRecord = z.object({
  entity: Entity,
  record_id: z.union([z.number(), z.string()]).nullable(),
  reasons: z.array(z.string()),
  /** The same reasons as stable codes, one per field (`{"field": "price", "code": "not_number"}`). */
  raw: z.unknown(),
});
export type InvalidRecord = z.infer<typeof InvalidRecord>;

export const emptyResult = (status: EntityStatus = "pending"): EntityResult => ({
  status,
  fetched: 0,
  valid: 0,
  flagged: 0,
  rejected: 0,
  invalid: 0,
  written: 0,
  unchanged: 0,
  deleted: 0,
  pages: 0,
});

const TERMINAL: readonly EntityStatus[] = ["succeeded", "failed", "skipped", "cancelled"];
export const isTerminal = (s: EntityStatus) => TERMINAL.includes(s);

/** A run still in progress (its entities not all finished). */
export const isActive = (s: RunStatus) => s === "queued" || s === "running";

const expiresAt = (ctx: Ctx) => epochSeconds(ctx.now()) + RUN_RETENTION_DAYS * 86_400;

const runKey = (runId: string) => ({ pk: Keys.runPartition(runId), sk: "RUN" });

const notFound = (runId: string) =>
  new VisibleError("not_found", "run_not_found", `No sync run with id "${runId}"`);

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
 * overwrite another run), then, unless `siteLastRun` is false, each site's `last_run`. Returns once every
 * run exists. Without it the site shows the run once its first entity starts (`startEntity`).
 */
export async function createMany(
  ctx: Ctx,
  inputs: readonly NewRun[],
  { siteLastRun = true }: { siteLastRun?: boolean } = {},
): Promise<Run[]> {
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
  const ttl = expiresAt(ctx);
  await batchWrite(
    ctx,
    runs.map((run) =>
      putRequest({ ...Keys.run(run.run_id, run.site_id), type: "run", expires_at: ttl, ...run }),
    ),
  );
  if (siteLastRun) {
    await Promise.all(
      runs.map((run) => SiteStore.recordRun(ctx, run.site_id, { run_id: run.run_id, status: run.status })),
    );
  }
  return runs;
}

export async function get(ctx: Ctx, runId: string, opts: { withLog?: boolean } = {}): Promise<Run> {
  const out = await ctx.db.send(
    new GetCommand({ TableName: ctx.table, Key: runKey(runId), ConsistentRead: true }),
  );
  if (!out.Item) throw notFound(runId);
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

/** Marks an entity as running (and the run too). False when the entity already finished (a duplicate). */
export async function startEntity(ctx: Ctx, runId: string, entity: Entity): Promise<boolean> {
  try {
    const started = await ctx.db.send(
      new UpdateCommand({
        TableName: ctx.table,
        Key: runKey(runId),
        ReturnValues: "ALL_OLD",
        UpdateExpression: "SET entities.#e.#s = :running, #status = if_not_exists(#status, :running)",
        ConditionExpression:
          "attribute_exists(pk) AND entities.#e.#s IN (:pending, :running, :retrying) AND attribute_not_exists(cancel_requested_at)",
        ExpressionAttributeNames: { "#e": entity, "#s": "status", "#status": "status" },
        ExpressionAttributeValues: { ":running": "running", ":pending": "pending", ":retrying": "retrying" },
      }),
    );
    await ctx.db
      .send(
        new UpdateCommand({
          TableName: ctx.table,
          Key: runKey(runId),
          UpdateExpression: "SET #status = :running",
          ConditionExpression: "#status = :queued",
          ExpressionAttributeNames: { "#status": "status" },
          ExpressionAttributeValues: { ":running": "running", ":queued": "queued" },
        }),
      )
      .then(async () => {
        const run = await get(ctx, runId);
        await SiteStore.recordRun(ctx, run.site_id, { run_id: runId, status: "running" });
      })
      .catch(async (e: Error) => {
        if (e.name !== "ConditionalCheckFailedException") throw e;
        // Back from `retrying`: the site no longer shows this run as retrying.
        const old = started.Attributes ? Run.safeParse(started.Attributes) : undefined;
        if (old?.success && old.data.entities[entity]?.status === "retrying") {
          await SiteStore.recordRun(ctx, old.data.site_id, { run_id: runId, status: "running" });
        }
      });
    return true;
  } catch (e) {
    if ((e as Error).name === "ConditionalCheckFailedException") return false;
    throw e;
  }
}

/** Live counters while an entity runs, for the UI. Ignored once the entity finished. */
export async function progress(ctx: Ctx, runId: string, entity: Entity, result: EntityResult): Promise<void> {
  await ctx.db
    .send(
      new UpdateCommand({
        TableName: ctx.table,
        Key: runKey(runId),
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
  try {
    await ctx.db.send(
      new UpdateCommand({
        TableName: ctx.table,
        Key: runKey(runId),
        UpdateExpression: "SET entities.#e = :r",
        ConditionExpression: "attribute_exists(pk) AND entities.#e.#s IN (:pending, :running, :retrying)",
        ExpressionAttributeNames: { "#e": entity, "#s": "status" },
        ExpressionAttributeValues: {
          ":r": result,
          ":pending": "pending",
          ":running": "running",
          ":retrying": "retrying",
        },
      }),
    );
  } catch (e) {
    if ((e as Error).name === "ConditionalCheckFailedException") return { recorded: false };
    throw e;
  }
  return { recorded: true, run: await finaliseIfDone(ctx, runId) };
}

/**
 * The seed's rule: a run succeeds when paintings, users, orders and settings all succeeded (a run that
 * covers only some entities, as a webhook's does, succeeds when each of them succeeded or was skipped).
 * `partial`: it succeeded, but an optional entity failed or records were rejected (flagged records, stored
 * with their data-quality codes, do not count: a complete-but-imperfect site syncs `succeeded`).
 */
export function outcome(entities: Run["entities"]): { status: RunStatus; success: boolean } {
  const results = Object.entries(entities) as [Entity, EntityResult][];
  if (results.some(([, r]) => r.status === "cancelled")) return { status: "cancelled", success: false };
  const required = results.filter(([e]) => REQUIRED_ENTITIES.includes(e));
  const success =
    required.length > 0
      ? required.every(([, r]) => r.status === "succeeded")
      : results.every(([, r]) => r.status === "succeeded" || r.status === "skipped");
  if (!success) return { status: "failed", success };
  const blemished = results.some(([, r]) => r.status === "failed" || r.invalid > 0);
  return { status: blemished ? "partial" : "succeeded", success };
}

/**
 * Finalises the run when every entity has reported (once: a conditional write). Safe to call again, e.g.
 * by a redelivered message whose first delivery died between recording its result and this step.
 */
export async function finaliseIfDone(ctx: Ctx, runId: string): Promise<Run | undefined> {
  const run = await get(ctx, runId);
  const results = Object.values(run.entities);
  if (!results.every((r) => isTerminal(r.status))) return undefined;
  const { status, success } = outcome(run.entities);
  const finishedAt = isoNow(ctx.now());
  try {
    await ctx.db.send(
      new UpdateCommand({
        TableName: ctx.table,
        Key: runKey(runId),
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
      }),
    );
  } catch (e) {
    if ((e as Error).name === "ConditionalCheckFailedException") return undefined;
    throw e;
  }
  const error = firstError(run.entities);
  await SiteStore.recordRun(ctx, run.site_id, {
    run_id: runId,
    status,
    finished_at: finishedAt,
    ...(status === "failed" && error ? { error } : {}),
  });
  return { ...run, status, success, finished_at: finishedAt };
}

/** The first entity error of a run (in the order a run lists its entities), with its entity. */
const firstError = (entities: Run["entities"]): SiteStore.LastRunError | undefined => {
  for (const [entity, r] of Object.entries(entities) as [Entity, EntityResult][]) {
    if (r.error && (r.status === "failed" || r.status === "retrying")) return { entity, ...r.error };
  }
  return undefined;
};

export interface RetryNotice {
  error: EntityError;
  attempt: number;
  maxAttempts: number;
  nextAttemptAt: string;
}

/**
 * An attempt failed and another is planned: the entity shows `retrying` with why, which attempt and when
 * the next one starts, and the site's last run says it is retrying (the overview counts it "à surveiller").
 * Ignored once the entity finished.
 */
export async function markRetrying(
  ctx: Ctx,
  run: Pick<Run, "run_id" | "site_id">,
  entity: Entity,
  notice: RetryNotice,
): Promise<void> {
  const applied = await applyIf(ctx, {
    update: {
      Key: runKey(run.run_id),
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
  if (!applied) return;
  await SiteStore.recordRun(ctx, run.site_id, {
    run_id: run.run_id,
    status: "running",
    retrying: true,
    error: { entity, ...notice.error },
  });
}

/**
 * Asks a run to stop: its entities not yet finished end `cancelled` now (a message still on the queue, or
 * waiting for its next attempt, finds its entity finished and is dropped); a message in the middle of a scan
 * stops at its next page and deletes nothing. Returns the run as it is afterwards. A finished run is left as
 * it is (`cancelled: false`).
 */
export async function cancel(ctx: Ctx, runId: string): Promise<{ run: Run; cancelled: boolean }> {
  const requested = await applyIf(ctx, {
    update: {
      Key: runKey(runId),
      UpdateExpression: "SET cancel_requested_at = if_not_exists(cancel_requested_at, :at)",
      ConditionExpression: "attribute_exists(pk) AND #status IN (:queued, :running)",
      ExpressionAttributeNames: { "#status": "status" },
      ExpressionAttributeValues: { ":at": isoNow(ctx.now()), ":queued": "queued", ":running": "running" },
    },
  });
  if (!requested) return { run: await get(ctx, runId), cancelled: false };
  const run = await get(ctx, runId);
  for (const [entity, r] of Object.entries(run.entities) as [Entity, EntityResult][]) {
    if (isTerminal(r.status)) continue;
    const { attempt: _a, max_attempts: _m, next_attempt_at: _n, ...counts } = r;
    await completeEntity(ctx, runId, entity, {
      ...counts,
      status: "cancelled",
      error: { code: "cancelled", message: "Stopped before the end; nothing was deleted" },
    });
  }
  await finaliseIfDone(ctx, runId);
  return { run: await get(ctx, runId), cancelled: true };
}

/** True when the run was asked to stop (or no longer exists: its site was deleted). */
export async function cancelRequested(ctx: Ctx, runId: string): Promise<boolean> {
  const out = await ctx.db.send(
    new GetCommand({
      TableName: ctx.table,
      Key: runKey(runId),
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
      Key: runKey(runId),
      UpdateExpression: "SET joined = list_append(if_not_exists(joined, :none), :j)",
      ConditionExpression: "attribute_exists(pk) AND (attribute_not_exists(joined) OR size(joined) < :max)",
      ExpressionAttributeValues: { ":none": [], ":j": [{ trigger, at: isoNow(ctx.now()) }], ":max": 50 },
    },
  });
}

// ---- log -------------------------------------------------------------------------------------------

export async function appendLog(ctx: Ctx, runId: string, entries: LogEntry[]): Promise<void> {
  if (entries.length === 0) return;
  const ttl = expiresAt(ctx);
  await batchWrite(
    ctx,
    entries.map((entry) =>
      putRequest({
        ...Keys.log(runId, `${entry.timestamp}#${sortableId()}`),
        type: "log",
        expires_at: ttl,
        ...entry,
      }),
    ),
  );
}

export async function logOf(ctx: Ctx, runId: string): Promise<LogEntry[]> {
  const entries: LogEntry[] = [];
  for await (const items of queryAll(ctx, {
    KeyConditionExpression: "pk = :pk AND begins_with(sk, :p)",
    ExpressionAttributeValues: { ":pk": Keys.runPartition(runId), ":p": Keys.logPrefix },
  })) {
    for (const item of items) entries.push(LogEntry.parse(item));
  }
  return entries;
}

// ---- quarantine ------------------------------------------------------------------------------------

/**
 * Keeps the records a run rejected, with why. Their raw copies (which may hold personal data that failed
 * validation) expire after `ctx.retention.rejectedRecordsDays`, sooner than the run and its log.
 */
export async function quarantine(ctx: Ctx, runId: string, records: InvalidRecord[]): Promise<void> {
  if (records.length === 0) return;
  const ttl = expiresAfterDays(ctx.now(), ctx.retention.rejectedRecordsDays);
  await batchWrite(
    ctx,
    records.map((r, i) =>
      putRequest({
        ...Keys.invalid(runId, r.entity, r.record_id === null ? `?${sortableId()}${i}` : String(r.record_id)),
        type: "invalid",
        expires_at: ttl,
        ...r,
        raw: boundedRaw(r.raw),
      }),
    ),
  );
}

export async function invalidRecords(
  ctx: Ctx,
  runId: string,
  q: { entity?: Entity; limit: number; cursor?: string },
): Promise<Page<InvalidRecord>> {
  const exists = await ctx.db.send(
    new QueryCommand({
      TableName: ctx.table,
      KeyConditionExpression: "pk = :pk AND sk = :sk",
      ExpressionAttributeValues: { ":pk": Keys.runPartition(runId), ":sk": "RUN" },
    }),
  );
  if (!exists.Items?.length) throw notFound(runId);
  const page = await listPage(ctx, {
    keyCondition: "pk = :pk AND begins_with(sk, :p)",
    values: { ":pk": Keys.runPartition(runId), ":p": Keys.invalidPrefix(q.entity) },
    limit: q.limit,
    cursor: q.cursor,
    scope: `invalid:${runId}:${q.entity ?? "*"}`,
  });
  return { ...page, items: page.items.map((i) => InvalidRecord.parse(i)) };
}
