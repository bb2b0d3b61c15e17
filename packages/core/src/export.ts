/**
 * CSV exports of the Dashboard's lists (issue 14 part 5): every synced-record list, the sync runs and the
 * activity feed, with
 * the filters their list API takes, streamed in constant memory (export/stream.ts) with the columns of
 * export/columns.ts, encoded as export/csv.ts says. A viewer's export of a list holding personal data has
 * its e-mail addresses masked as the list API masks them (privacy.ts).
 */
import * as z from "zod";
import { ActivityFilter, listActivity } from "./activity/read";
import type { Ctx } from "./context";
import { RECORD_ENTITIES, type RecordEntity } from "./entity";
import { LISTS } from "./export/columns";
import type { Separator } from "./export/csv";
import { csvStream, EXPORT_PAGE_SIZE, type PageSource } from "./export/stream";
import * as Records from "./record";
import { type Role, seesPersonalData } from "./role";
import * as RunStore from "./run/store";

export { LISTS } from "./export/columns";
export { BOM, cell, line, Separator } from "./export/csv";
export { csvStream, EXPORT_PAGE_SIZE, type PageSource } from "./export/stream";

/** The lists that export: `GET /api/export/{list}.csv`. */
export const ExportList = z.enum([...RECORD_ENTITIES, "runs", "activity"]);
export type ExportList = z.infer<typeof ExportList>;

/** A record list's filters as its list API takes them, without paging. */
export const RecordFilter = Records.ListFilter.omit({ limit: true, cursor: true });
export type RecordFilter = z.infer<typeof RecordFilter>;

export const RunFilter = z.object({ site_id: z.string().optional() });
export type RunFilter = z.infer<typeof RunFilter>;

export interface ExportOptions {
  separator: Separator;
  /** Who exports: a viewer gets e-mail addresses masked. */
  role: Role;
}

export interface CsvExport {
  /** `orders-2026-12-07.csv`. */
  filename: string;
  /** The file's text, chunk after chunk (its first chunk starts with the BOM). */
  chunks: AsyncGenerator<string>;
}

const filenameOf = (ctx: Ctx, list: ExportList) => `${list}-${ctx.now().toISOString().slice(0, 10)}.csv`;

async function open(
  ctx: Ctx,
  list: ExportList,
  source: PageSource,
  options: ExportOptions,
): Promise<CsvExport> {
  const chunks = await csvStream(LISTS[list], source, {
    separator: options.separator,
    mask: !seesPersonalData(options.role),
  });
  return { filename: filenameOf(ctx, list), chunks };
}

/** A record list's CSV: the pages `Records.list` reads for the list API, with the same filters. */
export function records(
  ctx: Ctx,
  entity: RecordEntity,
  filter: RecordFilter,
  options: ExportOptions,
): Promise<CsvExport> {
  const f = RecordFilter.parse(filter);
  return open(
    ctx,
    entity,
    (cursor) => Records.list(ctx, entity, { ...f, limit: EXPORT_PAGE_SIZE, cursor }),
    options,
  );
}

/** The sync runs' CSV, newest first, of one site or all (the runs list's pages). */
export function runs(ctx: Ctx, filter: RunFilter, options: ExportOptions): Promise<CsvExport> {
  const f = RunFilter.parse(filter);
  return open(
    ctx,
    "runs",
    (cursor) => RunStore.list(ctx, { siteId: f.site_id, limit: EXPORT_PAGE_SIZE, cursor }),
    options,
  );
}

/** Events read per page for an export (the activity feed's pages are 200 at most). */
const ACTIVITY_PAGE_SIZE = 200;

/** The activity feed's CSV, newest first, with the feed's filters (site, kinds, time range). */
export function activity(ctx: Ctx, filter: ActivityFilter, options: ExportOptions): Promise<CsvExport> {
  const f = ActivityFilter.parse(filter);
  return open(
    ctx,
    "activity",
    (cursor) => listActivity(ctx, f, { limit: ACTIVITY_PAGE_SIZE, cursor }),
    options,
  );
}
