/**
 * Offset paging over a Template export, read to the REAL end (see shared/TEMPLATE-API.md):
 * - `count` is the size of the page, not a total, and there is no "has more" flag;
 * - a page shorter than asked is not the end (a proxy may cap `limit`): keep going with
 *   `offset += records.length` and stop only on an EMPTY page;
 * - a server that ignores `offset` would make this loop forever: the same page served three times in a
 *   row, or more pages than `maxPages`, stops with `TemplateValidationError` `pagination_loop`. One repeat is
 *   tolerated: on a live table, as many inserts at the top as the tail page held serve that page twice.
 *
 * Pages are yielded as soon as they arrive, so memory stays flat; with `prefetch` the next page is
 * already on its way while the consumer processes the current one.
 */
import { TemplateValidationError } from "./errors";

export interface Page {
  /** Raw records, as received: validated one by one later. */
  records: unknown[];
  /** The offset this page was asked for. */
  offset: number;
  /** Where the next page starts (`offset + records.length`): a continuation cursor. */
  nextOffset: number;
  /** 0 for the first page of this scan. */
  index: number;
  /** The `limit` asked for (the server may have served fewer). */
  requestedLimit: number;
}

export interface PagingOptions {
  pageSize: number;
  startOffset: number;
  prefetch: boolean;
  maxPages: number;
  signal?: AbortSignal;
}

/** Fetches one page; must reject when `signal` aborts. */
export type FetchPage = (offset: number, limit: number, signal: AbortSignal) => Promise<unknown[]>;

/** Identical consecutive pages that stop the scan (a server ignoring `offset` serves the same page forever). */
export const MAX_IDENTICAL_PAGES = 3;

/** What identifies a page: its ids in order (the record itself when it has no id). */
export const pageFingerprint = (records: readonly unknown[]): string =>
  records
    .map((r) => {
      const id = r !== null && typeof r === "object" ? (r as { id?: unknown }).id : undefined;
      return typeof id === "number" || typeof id === "string"
        ? `${typeof id}:${id}`
        : `json:${JSON.stringify(r)}`;
    })
    .join("\u0000");

export async function* paginate(
  fetchPage: FetchPage,
  opts: PagingOptions,
  /** The URL of a page, for errors. */
  urlOf: (offset: number, limit: number) => string,
): AsyncGenerator<Page, void, undefined> {
  const { pageSize, maxPages } = opts;
  // One controller per scan: aborting it cancels an in-flight prefetch when the consumer stops early.
  const controller = new AbortController();
  const onAbort = () => controller.abort(opts.signal?.reason);
  if (opts.signal?.aborted) onAbort();
  opts.signal?.addEventListener("abort", onAbort, { once: true });

  const start = (offset: number): Promise<unknown[]> => {
    const pending = fetchPage(offset, pageSize, controller.signal);
    // Marks a prefetch that fails while nobody awaits it yet as handled; the awaiter still sees the error.
    pending.catch(() => undefined);
    return pending;
  };

  let offset = opts.startOffset;
  let pending: Promise<unknown[]> | undefined = start(offset);
  let previous: string | undefined;
  let identical = 1;
  try {
    for (let index = 0; ; index++) {
      const records: unknown[] = await pending;
      pending = undefined;
      if (records.length === 0) return;

      if (index >= maxPages) {
        throw new TemplateValidationError({
          code: "pagination_loop",
          url: urlOf(offset, pageSize),
          message: `Template at ${urlOf(offset, pageSize)} still returned records after ${maxPages} pages; stopped paging to avoid an endless loop (raise maxPages if the data set is really that large).`,
        });
      }
      const fingerprint = pageFingerprint(records);
      identical = fingerprint === previous ? identical + 1 : 1;
      if (identical >= MAX_IDENTICAL_PAGES) {
        throw new TemplateValidationError({
          code: "pagination_loop",
          url: urlOf(offset, pageSize),
          message: `Template at ${urlOf(offset, pageSize)} returned the same ${records.length} records on ${identical} pages in a row: it seems to ignore the offset parameter, so paging would never end.`,
        });
      }
      previous = fingerprint;

      const nextOffset = offset + records.length;
      if (opts.prefetch) pending = start(nextOffset);
      yield { records, offset, nextOffset, index, requestedLimit: pageSize };
      pending ??= start(nextOffset);
      offset = nextOffset;
    }
  } finally {
    opts.signal?.removeEventListener("abort", onAbort);
    if (pending !== undefined) controller.abort(new Error("paging stopped by the consumer"));
  }
}
