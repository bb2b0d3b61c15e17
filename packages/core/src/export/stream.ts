/**
 * A list as a stream of CSV text, in constant memory: pages are read one after the other through the
 * same store queries the list API uses (same filters, same cursors), each page written as one chunk and
 * dropped before the next is read. Nothing collects the rows: 100,000 orders cost what one page costs.
 *
 * The first page is read before the stream is handed back, so a filter core refuses (a date that is not
 * one, `from` after `to`) fails as an error the API answers with a 400, before any byte is sent.
 */
import type { Page } from "../store/db";
import type { CsvList } from "./columns";
import { BOM, line, type Separator } from "./csv";

/** Items per page read for an export (the list API's pages are 200 at most; an export reads larger ones). */
export const EXPORT_PAGE_SIZE = 1_000;

/** One page of a list after the cursor (none: the first page). */
export type PageSource = (cursor: string | undefined) => Promise<Page<unknown>>;

export interface CsvOptions {
  separator: Separator;
  /** Mask e-mail addresses (a viewer's export of a list holding personal data). */
  mask: boolean;
}

/** The CSV of a list: the BOM and the header line, then one chunk per page read. */
export async function csvStream(
  list: CsvList,
  source: PageSource,
  options: CsvOptions,
): Promise<AsyncGenerator<string>> {
  const first = await source(undefined);
  return chunks(list, first, source, options);
}

async function* chunks(
  list: CsvList,
  first: Page<unknown>,
  source: PageSource,
  { separator, mask }: CsvOptions,
): AsyncGenerator<string> {
  yield BOM + line(list.headers, separator);
  let page: Page<unknown> | undefined = first;
  while (page) {
    let text = "";
    for (const item of page.items) {
      for (const values of list.lines(item, mask)) text += line(values, separator);
    }
    const next = page.next_cursor;
    page = undefined;
    if (text) yield text;
    if (next) page = await source(next);
  }
}
