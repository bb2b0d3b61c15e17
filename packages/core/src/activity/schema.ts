/**
 * What changed, and who should know (issue 14): the field-level history of a record and the business and
 * operational events derived from the table's stream (DynamoDB Streams, new and old images). The change
 * processor (`activity/process.ts`) writes both; the API lists them, alerts deliver events, exports write
 * them as CSV. Every item expires by TTL (`expires_at`, `ctx.retention.activityDays`, default 400 days).
 */
import * as z from "zod";
import { Entity, RECORD_ENTITIES } from "../entity";

/** Events about records, derived from a record item's old and new image. */
export const RECORD_EVENT_KINDS = [
  "order_created",
  "order_status_changed",
  "painting_sold",
  "painting_price_changed",
  "painting_added",
  "painting_removed",
  "user_registered",
  "exhibition_added",
] as const;

/** Events about sites and their runs, derived from run and site items. */
export const OPERATIONAL_EVENT_KINDS = [
  "site_unreachable",
  "sync_failed",
  "site_recovered",
  "security_warning",
] as const;

export const EventKind = z.enum([...RECORD_EVENT_KINDS, ...OPERATIONAL_EVENT_KINDS]);
export type EventKind = z.infer<typeof EventKind>;
export const EVENT_KINDS: readonly EventKind[] = EventKind.options;

/** A value as history shows it: what the Template sent, NULL kept as null. */
const FieldValue = z.union([z.string(), z.number(), z.boolean(), z.null()]);

/** The event's details, by kind: `from`/`to` for a change (price, status), `amount`, `count`, `minutes`... */
export const EventParams = z.record(z.string(), FieldValue);

/** One sentence in each language the UI speaks; alerts send it as it is. */
export const Sentence = z.object({ fr: z.string(), en: z.string() });
export type Sentence = z.infer<typeof Sentence>;

export const ActivityEvent = z.object({
  /** Deterministic: derived from what caused it (stream record, run), so a redelivered batch writes it once. */
  event_id: z.string(),
  kind: EventKind,
  site_id: z.string(),
  /** When it happened at the Dashboard (the change's sync time, the run's end), ISO 8601. */
  at: z.string(),
  /** The record it is about (record events). */
  entity: z.enum(RECORD_ENTITIES).optional(),
  record_id: z.union([z.number(), z.string()]).optional(),
  /** The record's name as a person reads it (painting name, customer, user, exhibition title). */
  record_label: z.string().nullable().optional(),
  /** The run it is about, or the run whose sync made the change. */
  run_id: z.string().optional(),
  params: EventParams.default({}),
  message: Sentence,
});
export type ActivityEvent = z.infer<typeof ActivityEvent>;

export const HistoryChange = z.enum(["created", "updated", "deleted", "restored"]);
export type HistoryChange = z.infer<typeof HistoryChange>;

/** One field that changed: `price 820 → 990`. */
export const FieldChange = z.object({ field: z.string(), from: z.unknown(), to: z.unknown() });
export type FieldChange = z.infer<typeof FieldChange>;

/** One change of one record, as its sync stored it. */
export const HistoryEntry = z.object({
  site_id: z.string(),
  entity: Entity,
  record_id: z.union([z.number(), z.string()]),
  at: z.string(),
  change: HistoryChange,
  /** The fields that changed (empty for created/deleted/restored, whose whole record is the change). */
  fields: z.array(FieldChange).default([]),
  run_id: z.string().optional(),
});
export type HistoryEntry = z.infer<typeof HistoryEntry>;
