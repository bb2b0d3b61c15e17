/**
 * The items of a sync's protocol (store/entity.ts): the lease's compare-and-set on its step, a run's
 * indexed header and its entities' results with their exactly-once fan-in, log lines, rejected records and
 * a scan's checkpoints (docs/data-model.md).
 */
import * as z from "zod";
import type { Entity } from "../entity";
import {
  type EntityError,
  type EntityResult,
  InvalidRecord,
  LogItem,
  type Run,
  RunEntityItem,
  RunHeader,
  type Trigger,
} from "../run/schema";
import { defineEntity } from "./entity";
import { Keys } from "./keys";

// ---- lease ---------------------------------------------------------------------------------------------

const LeaseItem = z.looseObject({
  owner: z.string(),
  seq: z.number().optional(),
  sent: z.number().optional(),
  next: z.unknown().optional(),
  expires_at: z.number(),
});

const OWNER = { "#owner": "owner" };

/** One scan of a (site, entity) at a time (sync/lease.ts). `exp`, `now`: epoch seconds. */
export const Lease = defineEntity({
  type: "lease",
  schema: LeaseItem,
  key: (siteId: string, entity: Entity) => Keys.lease(siteId, entity),
  updates: {
    /** Free, expired, or already this run's: taken (the old item returned, to resume at its step). */
    acquire: (p: { run: string; now: number; exp: number }) => ({
      update: "SET #owner = :run, expires_at = :exp, seq = if_not_exists(seq, :zero), #type = :type",
      condition: "attribute_not_exists(pk) OR #owner = :run OR expires_at < :now",
      names: { ...OWNER, "#type": "type" },
      values: { ":run": p.run, ":exp": p.exp, ":now": p.now, ":zero": 0, ":type": "lease" },
      returnValues: "ALL_OLD" as const,
    }),
    /** Starts the sequence at `seq`, forgetting a previous owner's continuation. */
    reset: (p: { run: string; seq: number; exp: number }) => ({
      update: "SET seq = :seq, sent = :seq, expires_at = :exp REMOVE #next",
      condition: "#owner = :run",
      names: { ...OWNER, "#next": "next" },
      values: { ":seq": p.seq, ":run": p.run, ":exp": p.exp },
    }),
    /** Compare-and-set on the step: hands the scan from `from` to `next.seq`, keeping the continuation. */
    advance: (p: { run: string; from: number; next: { seq: number }; exp: number }) => ({
      update: "SET seq = :seq, #next = :next, expires_at = :exp",
      condition: "#owner = :run AND seq = :from",
      names: { ...OWNER, "#next": "next" },
      values: { ":seq": p.next.seq, ":next": p.next, ":from": p.from, ":run": p.run, ":exp": p.exp },
    }),
    /** The continuation of step `seq` is on the queue. */
    markSent: (p: { run: string; seq: number }) => ({
      update: "SET sent = :seq",
      condition: "#owner = :run AND seq = :seq",
      names: OWNER,
      values: { ":seq": p.seq, ":run": p.run },
    }),
  },
  deletes: {
    /** Freed by the run that holds it; a lease another run took over is left alone. */
    release: (p: { run: string }) => ({
      condition: "#owner = :run",
      names: OWNER,
      values: { ":run": p.run },
    }),
  },
});

// ---- run -----------------------------------------------------------------------------------------------

const STATUS = { "#status": "status" };

/**
 * A run's header (run/store.ts): small, indexed (gsi1, gsi2), written when the run is created, starts, is
 * asked to stop, is joined and is finalised (exactly once).
 */
export const RunEntity = defineEntity({
  type: "run",
  schema: RunHeader,
  key: (runId: string) => Keys.runItem(runId),
  updates: {
    /** The run leaves `queued`. */
    markRunning: () => ({
      update: "SET #status = :running",
      condition: "#status = :queued",
      names: STATUS,
      values: { ":running": "running", ":queued": "queued" },
    }),
    /** The run's outcome and its entities' final results, once. */
    finalise: (p: { status: string; success: boolean; at: string; entities: Run["entities"] }) => ({
      update: "SET #status = :status, success = :success, finished_at = :at, entities = :entities",
      condition: "#status IN (:queued, :running)",
      names: STATUS,
      values: {
        ":status": p.status,
        ":success": p.success,
        ":at": p.at,
        ":entities": p.entities,
        ":queued": "queued",
        ":running": "running",
      },
    }),
    /** Asked to stop (kept from the first request); refused once the run finished. */
    requestCancel: (p: { at: string }) => ({
      update: "SET cancel_requested_at = if_not_exists(cancel_requested_at, :at)",
      condition: "attribute_exists(pk) AND #status IN (:queued, :running)",
      names: STATUS,
      values: { ":at": p.at, ":queued": "queued", ":running": "running" },
    }),
    /** A trigger joined the run in progress (at most 50 noted). */
    recordJoined: (p: { trigger: Trigger; at: string }) => ({
      update: "SET joined = list_append(if_not_exists(joined, :none), :j)",
      condition: "attribute_exists(pk) AND (attribute_not_exists(joined) OR size(joined) < :max)",
      values: { ":none": [], ":j": [{ trigger: p.trigger, at: p.at }], ":max": 50 },
    }),
  },
});

/** The optional fields of a result, removed when a new result does not carry them. */
const OPTIONAL_RESULT_FIELDS = [
  "duration_ms",
  "error",
  "attempt",
  "max_attempts",
  "next_attempt_at",
  "deletions_withheld",
  "data",
  "live_count",
  "synced_at",
] as const;

/** An UpdateItem that replaces an entity result item's fields with `fields` (absent optional ones removed). */
function replaceResult(fields: Record<string, unknown>) {
  const names: Record<string, string> = { "#s": "status" };
  const values: Record<string, unknown> = {};
  const sets: string[] = [];
  for (const [i, [k, v]] of Object.entries(fields)
    .filter(([, v]) => v !== undefined)
    .entries()) {
    names[`#f${i}`] = k;
    values[`:f${i}`] = v;
    sets.push(`#f${i} = :f${i}`);
  }
  const removed = OPTIONAL_RESULT_FIELDS.filter((k) => fields[k] === undefined);
  removed.forEach((k, i) => {
    names[`#r${i}`] = k;
  });
  return {
    update: `SET ${sets.join(", ")}${removed.length ? ` REMOVE ${removed.map((_, i) => `#r${i}`).join(", ")}` : ""}`,
    names,
    values,
  };
}

/** Written while the entity is not finished (no item yet, or running, or waiting for a retry). */
const UNFINISHED_RESULT = "attribute_not_exists(pk) OR #s IN (:running, :retrying)";
/** An update sets the item's `type` itself (a put gets it from `defineEntity`). */
const RESULT_TYPE = "run_entity";
const UNFINISHED_VALUES = { ":running": "running", ":retrying": "retrying" };

/**
 * One entity's result in a run (run/store.ts): its own item, no index keys. Every write is conditioned on the
 * entity not being finished, so a late progress write or a redelivered message never changes a final result.
 */
export const RunEntityResult = defineEntity({
  type: RESULT_TYPE,
  schema: RunEntityItem,
  key: (runId: string, entity: Entity) => Keys.runEntity(runId, entity),
  updates: {
    /** Live counters (and the `running` status) of an entity not finished. */
    progress: (p: { entity: Entity; result: EntityResult; ttl: number }) => {
      const r = replaceResult({
        ...p.result,
        status: "running",
        entity: p.entity,
        expires_at: p.ttl,
        type: RESULT_TYPE,
      });
      return { ...r, condition: UNFINISHED_RESULT, values: { ...r.values, ...UNFINISHED_VALUES } };
    },
    /** An entity's final result, once (`applied` false for a second report). */
    complete: (p: { entity: Entity; result: RunEntityItem; ttl: number }) => {
      const r = replaceResult({ ...p.result, entity: p.entity, expires_at: p.ttl, type: RESULT_TYPE });
      return { ...r, condition: UNFINISHED_RESULT, values: { ...r.values, ...UNFINISHED_VALUES } };
    },
    /** An attempt failed and another is planned: why, which attempt and when the next (counters kept). */
    markRetrying: (p: {
      entity: Entity;
      error: EntityError;
      attempt: number;
      maxAttempts: number;
      nextAttemptAt: string;
      ttl: number;
    }) => {
      const counters = [
        "fetched",
        "valid",
        "flagged",
        "rejected",
        "invalid",
        "written",
        "unchanged",
        "deleted",
        "pages",
      ];
      return {
        update: `SET #s = :retrying, #err = :err, attempt = :attempt, max_attempts = :max, next_attempt_at = :next, entity = :entity, expires_at = :ttl, #type = :type, ${counters.map((c) => `${c} = if_not_exists(${c}, :zero)`).join(", ")}`,
        condition: UNFINISHED_RESULT,
        names: { "#s": "status", "#err": "error", "#type": "type" },
        values: {
          ...UNFINISHED_VALUES,
          ":type": RESULT_TYPE,
          ":err": p.error,
          ":attempt": p.attempt,
          ":max": p.maxAttempts,
          ":next": p.nextAttemptAt,
          ":entity": p.entity,
          ":ttl": p.ttl,
          ":zero": 0,
        },
      };
    },
  },
});

/** The lines of one flush of a run's log (run/log.ts), sorted by their first line's time. */
export const LogLine = defineEntity({
  type: "log",
  schema: LogItem,
  key: (runId: string, sortable: string) => Keys.log(runId, sortable),
});

/** A record a run rejected, with its bounded raw copy (run/log.ts). */
export const RejectedRecord = defineEntity({
  type: "invalid",
  schema: InvalidRecord,
  key: (runId: string, entity: Entity, recordRef: string) => Keys.invalid(runId, entity, recordRef),
});

/** The ids a checkpointed scan has seen so far, one chunk per item (sync/seen.ts). */
export const SeenIds = defineEntity({
  type: "seen",
  schema: z.looseObject({ ids: z.string().default("") }),
  key: (runId: string, entity: Entity, seq: number) => Keys.seen(runId, entity, seq),
});
