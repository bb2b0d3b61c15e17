/**
 * The read side of issue 14: the activity feed (every site's events, or one site's, newest first, by kind and
 * time range) and one record's history (newest first). Both read what the change processor wrote
 * (`activity/process.ts`) through the keys of store/keys.ts, page with `listPage`'s signed cursors, and parse
 * every item with the schemas of activity/schema.ts (which strip the keys, `type` and `expires_at`).
 */
import * as z from "zod";
import type { Ctx } from "../context";
import { RECORD_ENTITIES, type RecordEntity } from "../entity";
import * as SiteStore from "../site/store";
import { listPage, type Page } from "../store/db";
import { oneOf } from "../store/expression";
import { Keys } from "../store/keys";
import { assertDateRange } from "../util/time";
import { ActivityEvent, EventKind, HistoryEntry } from "./schema";

export const ActivityFilter = z.object({
  /** Only this site's events (read on its own index partition). */
  site_id: z.string().min(1).max(128).optional(),
  /** Only these kinds (any of them); every kind when absent or empty. */
  kinds: z.array(EventKind).max(EventKind.options.length).optional(),
  /** ISO instants, inclusive. */
  from: z.iso.datetime({ offset: true }).optional(),
  to: z.iso.datetime({ offset: true }).optional(),
});
export type ActivityFilter = z.infer<typeof ActivityFilter>;

export const ActivityPage = z.object({
  limit: z.number().int().min(1).max(200).default(50),
  cursor: z.string().min(1).optional(),
});
export type ActivityPage = z.input<typeof ActivityPage>;

/**
 * The bounds of a time range on the index sort keys (`<ISO time>#<id>`), open ends included; `from` after
 * `to` is a 400 `invalid_date_range`, as on the other lists.
 */
function timeBounds(from: string | undefined, to: string | undefined): { from: string; to: string } {
  const start = from ? new Date(from).toISOString() : undefined;
  const end = to ? new Date(to).toISOString() : undefined;
  assertDateRange(start, end, { from, to });
  return Keys.timeRange(start ?? "0000", end ?? "9999");
}

/** A page of events, newest first. */
export async function listActivity(
  ctx: Ctx,
  filters: ActivityFilter,
  page: ActivityPage = {},
): Promise<Page<ActivityEvent>> {
  const f = ActivityFilter.parse(filters);
  const p = ActivityPage.parse(page);
  const range = timeBounds(f.from, f.to);
  const kinds = [...new Set(f.kinds ?? [])].sort();
  const index = f.site_id ? Keys.siteActivityIndex(f.site_id) : Keys.activityIndex();
  const listed = await listPage(ctx, {
    key: { ...index, from: range.from, to: range.to },
    where: [kinds.length > 0 && oneOf("kind", kinds)],
    descending: true,
    limit: p.limit,
    cursor: p.cursor,
    scope: `activity:${f.site_id ?? ""}:${kinds.join(",")}:${range.from}:${range.to}`,
  });
  return { ...listed, items: listed.items.map((item) => ActivityEvent.parse(item)) };
}

export const HistoryTarget = z.object({
  site_id: z.string().min(1).max(128),
  entity: z.enum(RECORD_ENTITIES),
  record_id: z.number().int().nonnegative(),
});

/**
 * A page of one record's history, newest first. An unknown (or deleted) site is a 404 `site_not_found`; a
 * record with no history (never changed since capture began, or unknown) has an empty list.
 */
export async function listHistory(
  ctx: Ctx,
  siteId: string,
  entity: RecordEntity,
  recordId: number,
  page: ActivityPage = {},
): Promise<Page<HistoryEntry>> {
  const target = HistoryTarget.parse({ site_id: siteId, entity, record_id: recordId });
  const p = ActivityPage.parse(page);
  await SiteStore.get(ctx, target.site_id);
  const listed = await listPage(ctx, {
    key: { pk: Keys.historyPartition(target.site_id, target.entity, target.record_id) },
    descending: true,
    limit: p.limit,
    cursor: p.cursor,
    scope: `history:${target.site_id}:${target.entity}:${target.record_id}`,
  });
  return { ...listed, items: listed.items.map((item) => HistoryEntry.parse(item)) };
}
