/**
 * Offset paging over a Template export, read to the REAL end (see shared/TEMPLATE-API.md):
 * - `count` is the size of the page, not a total, and there is no "has more" flag;
 * - a page shorter than asked is not the end (a proxy may cap `limit`): keep going with
 *   `offset += records.length` and stop only on an EMPTY page;
 * - a server that ignores `offset` would make this loop forever: the same page served three times in a
 *   row, or more pages than `maxPages`, stops with `TemplateValidationError` `pagination_loop`. One repeat is
 *   tolerated: on a live table, as many inserts at the top as the tail page held serve that page twice.
 *
 * Pages are yielded in order as soon as they arrive, so memory stays flat; with `prefetch` the next pages
 * are already on their way while the consumer processes the current one. Pages ahead are asked at the
 * offsets the last page's length predicts; when a page comes back shorter than that, the guesses after it
 * are dropped and paging goes on from where it really ends.
 */
import { TemplateValidationError } from "./errors";

/** The paged entities and their Template defaults (`limit` when none is given). */
export const PAGED_ENTITIES = ["paintings", "users", "orders"] as const;
export type PagedEntity = (typeof PAGED_ENTITIES)[number];
export const DEFAULT_PAGE_SIZE: Readonly<Record<PagedEntity, number>> = {
  paintings: 200,
  users: 500,
  orders: 100,
};

/**
 * Requests in flight per scan while a page is processed: each Template round trip (~100 ms over the
 * internet) overlaps the next ones instead of adding up, and a Template sees at most this many requests of
 * one entity at a time.
 */
export const PAGES_AHEAD = 3;

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
  /** Pages asked ahead while the consumer works on one: `true` one, `false` none, or how many. */
  prefetch: boolean | number;
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
  const ahead = pagesAhead(opts.prefetch);
  // One controller per scan: aborting it cancels every request in flight when the consumer stops early.
  const controller = new AbortController();
  const onAbort = () => controller.abort(opts.signal?.reason);
  if (opts.signal?.aborted) onAbort();
  opts.signal?.addEventListener("abort", onAbort, { once: true });

  /** Requests in flight, in offset order: the next page first, then the guesses after it. */
  const inflight: InFlight[] = [];
  const start = (offset: number) => {
    const own = new AbortController();
    const promise = fetchPage(offset, pageSize, AbortSignal.any([controller.signal, own.signal]));
    // Marks a prefetch that fails while nobody awaits it yet as handled; the awaiter still sees the error.
    promise.catch(() => undefined);
    inflight.push({ offset, promise, abort: () => own.abort(new Error("page not needed")) });
  };
  const dropAll = () => {
    for (const request of inflight.splice(0)) request.abort();
  };
  // Where the page after the last one asked starts, if every page is as long as the last one read: a server
  // that caps `limit` is followed at its own page length.
  let step = pageSize;
  const fill = (next: number, count: number) => {
    if (inflight[0] !== undefined && inflight[0].offset !== next) dropAll();
    while (inflight.length < count) {
      const last = inflight.at(-1);
      start(last === undefined ? next : last.offset + step);
    }
  };

  let offset = opts.startOffset;
  start(offset);
  let previous: string | undefined;
  let identical = 1;
  // Full pages in a row. The guesses grow with them (one page ahead after the first full page, two after the
  // second...), and a short page, often the last, is followed by one request only: a small entity costs the
  // Template no more requests than reading it page by page.
  let fullPages = 0;
  try {
    for (let index = 0; ; index++) {
      const head = inflight.shift();
      const records: unknown[] = head ? await head.promise : [];
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
      if (records.length !== step) step = records.length;
      fullPages = records.length >= pageSize ? fullPages + 1 : 0;
      // Pages asked at offsets a shorter page proved wrong are dropped and asked again where they start.
      if (ahead > 0) fill(nextOffset, Math.max(1, Math.min(ahead, fullPages)));
      yield { records, offset, nextOffset, index, requestedLimit: pageSize };
      if (inflight.length === 0) start(nextOffset);
      offset = nextOffset;
    }
  } finally {
    opts.signal?.removeEventListener("abort", onAbort);
    if (inflight.length > 0) controller.abort(new Error("paging stopped by the consumer"));
  }
}

interface InFlight {
  offset: number;
  promise: Promise<unknown[]>;
  abort: () => void;
}

/** How many pages are asked ahead of the one the consumer is reading: `true` is one, `false` none. */
const pagesAhead = (prefetch: PagingOptions["prefetch"]): number =>
  prefetch === true ? 1 : prefetch === false ? 0 : Math.max(0, Math.floor(prefetch));
