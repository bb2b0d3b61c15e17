/**
 * The items the sync reads and writes, each defined once (store/entity.ts): key, schema and named
 * conditional writes. The expressions are the sync's protocol (docs/data-model.md): the lease's
 * compare-and-set on its step, a run's exactly-once fan-in, a site's `last_run` that never goes back.
 */
import * as z from "zod";
import { ActivityEvent, HistoryEntry } from "../activity/schema";
import type { Entity, RecordEntity } from "../entity";
import type { SiteHealth } from "../health";
import {
  type EntityError,
  type EntityResult,
  type EntitySyncs,
  InvalidRecord,
  LogItem,
  type Run,
  RunEntityItem,
  RunHeader,
  type Trigger,
} from "../run/schema";
import { SiteItem } from "../site/schema";
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

// ---- site ----------------------------------------------------------------------------------------------

/** `counts.<entity>` and `last_synced_at.<entity>` of each entity a run synced, as update paths. */
function syncedPaths(synced: EntitySyncs = {}) {
  const sets: string[] = [];
  const names: Record<string, string> = {};
  const values: Record<string, unknown> = {};
  for (const [i, [entity, s]] of Object.entries(synced).entries()) {
    if (!s) continue;
    names[`#e${i}`] = entity;
    values[`:at${i}`] = s.at;
    sets.push(`last_synced_at.#e${i} = :at${i}`);
    if (s.count !== undefined) {
      values[`:c${i}`] = s.count;
      sets.push(`counts.#e${i} = :c${i}`);
    }
  }
  return { sets, names, values };
}

/** A site (site/*.ts), with its sealed secrets. */
export const SiteEntity = defineEntity({
  type: "site",
  schema: SiteItem,
  key: (siteId: string) => Keys.siteItem(siteId),
  updates: {
    /**
     * A run's status on the site; never replaced by an older run's. `failing_since` follows in the same
     * write: set by the first failure (a failed run, or an attempt that will be retried), kept while the
     * site keeps failing, removed by a run that succeeds (activity/operational.ts raises an outage on it).
     */
    recordRun: (p: { run: NonNullable<SiteItem["last_run"]>; now: string; synced?: EntitySyncs }) => {
      const failing = p.run.status === "failed" || p.run.retrying === true;
      const succeeded = p.run.status === "succeeded" || p.run.status === "partial";
      const synced = syncedPaths(p.synced);
      const sets = [
        "last_run = :r",
        ...(failing ? ["failing_since = if_not_exists(failing_since, :since)"] : []),
        ...synced.sets,
      ];
      return {
        update: `SET ${sets.join(", ")}${succeeded ? " REMOVE failing_since" : ""}`,
        condition: "attribute_exists(pk) AND (attribute_not_exists(last_run) OR last_run.run_id <= :id)",
        ...(synced.sets.length ? { names: synced.names } : {}),
        values: {
          ":r": p.run,
          ":id": p.run.run_id,
          ...(failing ? { ":since": p.run.finished_at ?? p.now } : {}),
          ...synced.values,
        },
      };
    },
    /**
     * The maps a run's entity syncs go into (`recordRun`, `recordSynced`), created when missing: a site
     * that never synced an entity to its end has none.
     */
    prepareEntitySync: () => ({
      update:
        "SET counts = if_not_exists(counts, :empty), last_synced_at = if_not_exists(last_synced_at, :empty)",
      condition: "attribute_exists(pk)",
      values: { ":empty": {} },
    }),
    /** A run's entity syncs alone: a run that finished after a newer one leaves `last_run` as it is. */
    recordSynced: (p: { synced: EntitySyncs }) => {
      const synced = syncedPaths(p.synced);
      return {
        update: `SET ${synced.sets.join(", ")}`,
        condition: "attribute_exists(pk)",
        names: synced.names,
        values: synced.values,
      };
    },
    /** The first step of a deletion: gone for callers, no more writes. */
    markDeleting: (p: { now: string }) => ({
      update: "SET enabled = :f, deleting = :t, updated_at = :now",
      condition: "attribute_exists(pk) AND attribute_not_exists(deleting)",
      values: { ":f": false, ":t": true, ":now": p.now },
    }),
    /**
     * An edit of the site's fields (each only when given); `was`: the template_url the edit was checked
     * against, so a concurrent move to another origin is refused rather than overwritten.
     */
    edit: (p: {
      now: string;
      was?: string;
      name?: string;
      template_url?: string;
      enabled?: boolean;
      scan_limits?: SiteItem["scan_limits"];
      api_key?: { sealed: string; last4: string };
    }) => {
      const sets = ["updated_at = :now"];
      const values: Record<string, unknown> = { ":now": p.now };
      const names: Record<string, string> = {};
      let condition = "attribute_exists(pk) AND attribute_not_exists(deleting)";
      if (p.was !== undefined) {
        condition += " AND template_url = :was";
        values[":was"] = p.was;
      }
      if (p.name !== undefined) {
        sets.push("#name = :name");
        names["#name"] = "name";
        values[":name"] = p.name;
      }
      if (p.template_url !== undefined) {
        sets.push("template_url = :url");
        values[":url"] = p.template_url;
      }
      if (p.enabled !== undefined) {
        sets.push("enabled = :enabled");
        values[":enabled"] = p.enabled;
      }
      if (p.scan_limits !== undefined) {
        sets.push("scan_limits = :limits");
        values[":limits"] = p.scan_limits;
      }
      if (p.api_key !== undefined) {
        sets.push("api_key_sealed = :sealed", "api_key_last4 = :last4");
        values[":sealed"] = p.api_key.sealed;
        values[":last4"] = p.api_key.last4;
      }
      return {
        update: `SET ${sets.join(", ")}`,
        condition,
        ...(Object.keys(names).length ? { names } : {}),
        values,
        returnValues: "ALL_NEW" as const,
      };
    },
    /** The Template's health as the last settings check saw it (health.ts). */
    setHealth: (p: { health: SiteHealth }) => ({
      update: "SET health = :h",
      condition: "attribute_exists(pk)",
      values: { ":h": p.health },
    }),
    /** The webhook secrets after a rotation. */
    setWebhookSecrets: (p: { secrets: SiteItem["webhook_secrets"]; now: string }) => ({
      update: "SET webhook_secrets = :s, updated_at = :now",
      condition: "attribute_exists(pk)",
      values: { ":s": p.secrets, ":now": p.now },
    }),
  },
  deletes: {
    /** The last step of a deletion. */
    dropDeleted: () => ({ condition: "deleting = :t", values: { ":t": true } }),
  },
});

// ---- record --------------------------------------------------------------------------------------------

/** A record or setting of a site (record.ts, settings.ts); `data` holds the Template's fields. */
export const RecordItem = defineEntity({
  type: "record",
  schema: z.looseObject({}),
  key: (siteId: string, entity: Entity, id: number | string) => Keys.record(siteId, entity, id),
  updates: {
    /** Gone from the Template: kept with `deleted_at`, purged by the TTL; once (a record already gone stays as it is). */
    markDeleted: (p: { at: string; ttl: number; changedBy?: string }) => ({
      update: `SET deleted_at = :at, #d.deleted_at = :at, expires_at = :ttl${p.changedBy ? ", changed_by = :by" : ""}`,
      condition: "attribute_exists(pk) AND attribute_not_exists(deleted_at)",
      names: { "#d": "data" },
      values: p.changedBy
        ? { ":at": p.at, ":ttl": p.ttl, ":by": p.changedBy }
        : { ":at": p.at, ":ttl": p.ttl },
    }),
  },
});

// ---- hash index ----------------------------------------------------------------------------------------

/**
 * The head of a (site, entity)'s hash index (hash-index.ts): how many chunks it has, its format, and
 * `dirty`, the run whose record writes the chunks may not show yet (readers then read the records).
 */
export const HashIndexHead = defineEntity({
  type: "hash_index",
  schema: z.looseObject({
    buckets: z.number().int().min(1),
    format: z.number().int(),
    dirty: z.string().optional(),
  }),
  key: (siteId: string, entity: RecordEntity) => Keys.hashIndexHead(siteId, entity),
  updates: {
    /** Records are about to change: the chunks are not to be trusted until the head is written clean again. */
    markDirty: (p: { run: string }) => ({
      update: "SET dirty = :run",
      condition: "attribute_exists(pk)",
      values: { ":run": p.run },
    }),
  },
});

/**
 * One chunk of a hash index: `hashes` (`<id>:<short hash>` of each live record of its bucket, by id),
 * and `run`, the last run that wrote it, with the ids that run wrote (`changed`) and deleted (`gone`).
 */
export const HashIndexChunk = defineEntity({
  type: "hash_chunk",
  schema: z.looseObject({
    hashes: z.string().default(""),
    run: z.string().optional(),
    changed: z.string().default(""),
    gone: z.string().default(""),
  }),
  key: (siteId: string, entity: RecordEntity, buckets: number, bucket: number) =>
    Keys.hashIndexChunk(siteId, entity, buckets, bucket),
});

// ---- activity ------------------------------------------------------------------------------------------

/**
 * One change of one record (activity/process.ts): created once per stream record (`seq`, its sequence
 * number, is in the key), so a redelivered change is not written twice.
 */
export const HistoryItem = defineEntity({
  type: "history",
  schema: HistoryEntry,
  key: (siteId: string, entity: Entity, id: number | string, at: string, seq: string) =>
    Keys.history(siteId, entity, id, at, seq),
});

/**
 * One activity event, keyed by its deterministic id and created once; its item carries the index keys of
 * `Keys.event` (every site's feed on gsi1, one site's on gsi2).
 */
export const EventItem = defineEntity({
  type: "event",
  schema: ActivityEvent,
  key: (eventId: string) => Keys.eventItem(eventId),
});
