/**
 * What one change of a record item means (pure): from its old and new image, at most one history entry
 * (created, updated with the fields that changed, deleted at the source, restored) and the business events
 * it raises. Only the Template's own fields count: what the Dashboard adds (provenance, hash, facets, search
 * text, quality codes, index keys, the run that wrote it) does not, so a rewrite that changes only those
 * (a storage-version bump, a resync) yields nothing.
 */
import { createHash } from "node:crypto";
import { Entity, type RecordEntity } from "../entity";
import { fold } from "../record";
import { canonicalJson } from "../util/hash";
import { sentence } from "./messages";
import type { ActivityEvent, EventKind, FieldChange, HistoryEntry } from "./schema";
import type { Image, Images } from "./stream";

/** Fields of a record's `data` the Dashboard adds, not the Template: never a change. */
const DASHBOARD_FIELDS: ReadonlySet<string> = new Set([
  "site_id",
  "template_url",
  "sync_timestamp",
  "quality",
  "image_url",
  "deleted_at",
]);

/** A painting's status once sold (free French text in any case: `Vendu`, `vendu`). */
export const SOLD_STATUS = "vendu";

/** The event id: deterministic from what caused it, so a redelivered change writes the same event. */
export const eventId = (cause: readonly (string | number)[]): string =>
  `evt_${createHash("sha256").update(cause.join("\u0000")).digest("hex").slice(0, 26)}`;

type Value = string | number | boolean | null;

/** An event of `kind` with its sentence; `cause` makes its id. */
export function makeEvent(
  kind: EventKind,
  cause: readonly (string | number)[],
  e: Omit<ActivityEvent, "event_id" | "kind" | "message" | "params"> & { params?: Record<string, Value> },
): ActivityEvent {
  const params = e.params ?? {};
  return {
    ...e,
    event_id: eventId([kind, ...cause]),
    kind,
    params,
    message: sentence(kind, { site: e.site_id, label: e.record_label, id: e.record_id }, params),
  };
}

const dataOf = (item: Image | undefined): Record<string, unknown> =>
  (item?.data as Record<string, unknown> | undefined) ?? {};

const same = (a: unknown, b: unknown): boolean => canonicalJson(a ?? null) === canonicalJson(b ?? null);

/** The Template's fields that differ between two versions of a record, in the record's order. */
export function changedFields(
  before: Record<string, unknown>,
  after: Record<string, unknown>,
): FieldChange[] {
  const keys = [...new Set([...Object.keys(after), ...Object.keys(before)])];
  return keys
    .filter((k) => !DASHBOARD_FIELDS.has(k) && !same(before[k], after[k]))
    .map((field) => ({ field, from: before[field] ?? null, to: after[field] ?? null }));
}

const LABEL_FIELD: Partial<Record<Entity, string>> = {
  paintings: "name",
  orders: "customer_name",
  users: "name",
  exhibitions: "title",
  custom_requests: "client_name",
  settings: "key",
};

const asValue = (v: unknown): Value =>
  v === null || v === undefined
    ? null
    : typeof v === "string" || typeof v === "number" || typeof v === "boolean"
      ? v
      : canonicalJson(v);

const folded = (v: unknown): string => (typeof v === "string" ? fold(v) : "");

export interface RecordChange {
  history?: HistoryEntry;
  events: ActivityEvent[];
}

/** A record item's change (item `type` "record" or "setting") as history and events. */
export function diffRecord(change: Images): RecordChange {
  const item = change.new ?? change.old;
  const entity = Entity.safeParse(item?.entity);
  // A removed item (a site's deletion, TTL) leaves no history: the record's history goes with it.
  if (!item || !entity.success || !change.new) return { events: [] };
  const siteId = String(item.site_id);
  const recordId = item.record_id as number | string;
  const before = change.old;
  const after = change.new;
  const wasLive = before !== undefined && before.deleted_at === undefined;
  const isLive = after.deleted_at === undefined;
  const data = dataOf(after);
  const old = dataOf(before);

  let kind: HistoryEntry["change"];
  let fields: FieldChange[] = [];
  if (!before) kind = isLive ? "created" : "deleted";
  else if (wasLive && !isLive) kind = "deleted";
  else if (!wasLive && isLive) kind = "restored";
  else if (!isLive) return { events: [] };
  else {
    fields = changedFields(old, data);
    if (fields.length === 0) return { events: [] };
    kind = "updated";
  }
  const at = String(
    (kind === "deleted" ? after.deleted_at : data.sync_timestamp) ?? change.writtenAt ?? data.sync_timestamp,
  );
  const runId = typeof after.changed_by === "string" ? after.changed_by : undefined;
  const history: HistoryEntry = {
    site_id: siteId,
    entity: entity.data,
    record_id: recordId,
    at,
    change: kind,
    fields,
    ...(runId ? { run_id: runId } : {}),
  };
  const labelField = LABEL_FIELD[entity.data];
  const label = labelField ? (data[labelField] ?? old[labelField] ?? null) : null;
  const base = {
    site_id: siteId,
    at,
    // Events are raised for the record entities only (the switch below), never for settings.
    entity: entity.data as RecordEntity,
    record_id: recordId,
    record_label: typeof label === "string" ? label : label === null ? null : String(label),
    ...(runId ? { run_id: runId } : {}),
  };
  const cause = [siteId, entity.data, recordId, change.seq];
  const event = (k: EventKind, params: Record<string, Value> = {}) =>
    makeEvent(k, cause, { ...base, params });
  const events: ActivityEvent[] = [];
  const changed = (f: string) => fields.find((c) => c.field === f);
  // The first import of a site's records is its history's start, not activity (record.ts `toItem`).
  if (kind === "created" && after.initial_import === true) return { history, events };

  switch (entity.data) {
    case "paintings":
      if (kind === "created") events.push(event("painting_added", { price: asValue(data.price) }));
      if (kind === "deleted") events.push(event("painting_removed", { price: asValue(old.price) }));
      if (changed("price")) {
        events.push(event("painting_price_changed", { from: asValue(old.price), to: asValue(data.price) }));
      }
      if (kind === "updated" && folded(data.status) === SOLD_STATUS && folded(old.status) !== SOLD_STATUS) {
        events.push(event("painting_sold", { price: asValue(data.price), from: asValue(old.status) }));
      }
      break;
    case "orders":
      if (kind === "created") {
        events.push(
          event("order_created", { total_price: asValue(data.total_price), status: asValue(data.status) }),
        );
      }
      if (kind === "updated" && changed("status") && folded(old.status) !== folded(data.status)) {
        events.push(event("order_status_changed", { from: asValue(old.status), to: asValue(data.status) }));
      }
      break;
    case "users":
      if (kind === "created") events.push(event("user_registered", { role: asValue(data.role) }));
      break;
    case "exhibitions":
      if (kind === "created") {
        events.push(
          event("exhibition_added", { date: asValue(data.date), location: asValue(data.location) }),
        );
      }
      break;
    default:
      break;
  }
  return { history, events };
}
