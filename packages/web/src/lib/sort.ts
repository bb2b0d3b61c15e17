/**
 * Client-side sorting of the rows already loaded (the API pages in its own order): text in the language's
 * collation (accents and case ignored), dates by their instant, numbers by value. Empty values go last in
 * both directions, and equal rows keep their order (Array.prototype.sort is stable).
 */
import { parseLooseDate, toNumber } from "./format";

export type SortDir = "asc" | "desc";
export type SortKind = "text" | "date" | "number";

const collators = new Map<string, Intl.Collator>();
const collator = (locale: string): Intl.Collator => {
  let c = collators.get(locale);
  if (!c) {
    c = new Intl.Collator(locale, { sensitivity: "base", numeric: true });
    collators.set(locale, c);
  }
  return c;
};

function sortValue(value: unknown, kind: SortKind): string | number | null {
  if (value === undefined || value === null || (typeof value === "string" && value.trim() === ""))
    return null;
  if (kind === "date") return parseLooseDate(value)?.getTime() ?? null;
  if (kind === "number") return toNumber(value);
  return String(value);
}

export function sortRows<T>(
  rows: readonly T[],
  get: (row: T) => unknown,
  kind: SortKind,
  dir: SortDir,
  locale: string,
): T[] {
  const c = collator(locale);
  const sign = dir === "asc" ? 1 : -1;
  const keyed = rows.map((row) => ({ row, key: sortValue(get(row), kind) }));
  keyed.sort((a, b) => {
    if (a.key === null || b.key === null) return a.key === b.key ? 0 : a.key === null ? 1 : -1;
    if (typeof a.key === "number" && typeof b.key === "number") return sign * (a.key - b.key);
    return sign * c.compare(String(a.key), String(b.key));
  });
  return keyed.map((entry) => entry.row);
}
