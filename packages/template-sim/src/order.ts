import type { SimData, SimEntity, SimRecordMap } from "./schema";

/**
 * The Template's ORDER BY for each endpoint. Text columns compare as text (the database sorts TEXT dates
 * lexicographically, whatever their format); ties keep their current relative position (stable sort).
 */

type Cmp<T> = (a: T, b: T) => number;

const textDesc = (a: string, b: string): number => (a < b ? 1 : a > b ? -1 : 0);

/** PostgreSQL's `DESC`: NULLS FIRST. */
const numberDescNullsFirst = (a: number | null, b: number | null): number =>
  a === b ? 0 : a === null ? -1 : b === null ? 1 : b - a;

export const COMPARATORS: { [E in SimEntity]: Cmp<SimRecordMap[E]> } = {
  // ORDER BY display_order DESC, id DESC (a NULL display_order first, as PostgreSQL sorts DESC)
  paintings: (a, b) => numberDescNullsFirst(a.display_order, b.display_order) || b.id - a.id,
  // ORDER BY id DESC
  users: (a, b) => b.id - a.id,
  // ORDER BY order_date DESC (not unique)
  orders: (a, b) => textDesc(a.order_date, b.order_date),
  // ORDER BY date DESC
  exhibitions: (a, b) => textDesc(a.date, b.date),
  // ORDER BY created_at DESC
  custom_requests: (a, b) => textDesc(a.created_at, b.created_at),
};

/** The sort key the comparator looks at, to find ties. */
export const SORT_KEY: { [E in SimEntity]: (r: SimRecordMap[E]) => string | number } = {
  paintings: (r) => `${r.display_order}:${r.id}`,
  users: (r) => r.id,
  orders: (r) => r.order_date,
  exhibitions: (r) => r.date,
  custom_requests: (r) => r.created_at,
};

/**
 * Puts `data[entity]` in the Template's order, in place, and returns it. A sorted array is only checked
 * (O(n)), so calling this on every page request is cheap; arrays changed by callers get re-sorted.
 */
export function ensureSorted<E extends SimEntity>(data: SimData, entity: E): SimRecordMap[E][] {
  const rows = data[entity] as SimRecordMap[E][];
  const cmp = COMPARATORS[entity] as Cmp<SimRecordMap[E]>;
  for (let i = 1; i < rows.length; i++) {
    if (cmp(rows[i - 1] as SimRecordMap[E], rows[i] as SimRecordMap[E]) > 0) {
      rows.sort(cmp);
      break;
    }
  }
  return rows;
}
