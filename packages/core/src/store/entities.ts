/**
 * The items of the table, each defined once (store/entity.ts): key, schema and named conditional writes
 * (docs/data-model.md). This module holds records, the hash index and activity; the sync's protocol items
 * are in run-items.ts and the site in site-item.ts, both exported from here.
 */
import * as z from "zod";
import { ActivityEvent, HistoryEntry } from "../activity/schema";
import type { Entity, RecordEntity } from "../entity";
import { defineEntity } from "./entity";
import { Keys } from "./keys";

export * from "./run-items";
export { SiteEntity } from "./site-item";

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
