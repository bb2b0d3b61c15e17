/** A sync run's schema: the run, its entity results, its log lines and its rejected records. */
import * as z from "zod";
import type { Ctx } from "../context";
import { Entity, REQUIRED_ENTITIES } from "../entity";
import { VisibleError } from "../error";
import { epochSeconds } from "../util/time";

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

/**
 * The run's indexed item (its "header": what the run list reads, through gsi1 and gsi2, which project every
 * attribute). Small, and written only when what it lists changes: created (`entity_names`), running, and
 * finalised, when it takes the final `entities` summary. While the run is in progress each entity's result
 * lives in its own small item of the run's partition (`RunEntityItem`); a run is assembled from both.
 * `entity_names` is absent on runs stored before the split: their `entities` then says which they cover.
 */
export const RunHeader = Run.omit({ entities: true, log: true }).extend({
  entity_names: z.array(Entity).optional(),
  entities: z.partialRecord(Entity, EntityResult).optional(),
});
export type RunHeader = z.infer<typeof RunHeader>;

/**
 * One entity's result in a run, its own item (no index keys: one write unit), written at the entity's first
 * progress point, when it waits for a retry, and at its end. A succeeded entity also carries what the site
 * takes when the run is finalised: its live record count (`live_count`, when known) and when it synced.
 */
export const RunEntityItem = EntityResult.extend({
  entity: Entity,
  live_count: z.number().int().nonnegative().optional(),
  synced_at: z.string().optional(),
});
export type RunEntityItem = z.infer<typeof RunEntityItem>;

/** What a finalised run leaves on its site: each succeeded entity's live count (when known) and sync time. */
export type EntitySyncs = Partial<Record<Entity, { count?: number; at: string }>>;

/**
 * The lines of one flush of a run's log, in one item (`lines`, in order). Older items held one line each
 * (the line's fields at the top level): both are read.
 */
export const LogItem = z.union([z.object({ lines: z.array(LogEntry) }), LogEntry]);

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

/** When a run and its log expire (DynamoDB TTL). */
export const runExpiresAt = (ctx: Ctx) => epochSeconds(ctx.now()) + RUN_RETENTION_DAYS * 86_400;

export const runNotFound = (runId: string) =>
  new VisibleError("not_found", "run_not_found", `No sync run with id "${runId}"`);
