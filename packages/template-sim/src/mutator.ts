/** Changes to the live data between two syncs, as a site's admins and customers would make them. */
import { DAY_MS, parseTemplateDate } from "./dates";
import { DEFAULT_SITE_NAME } from "./generate";
import { ensureSorted } from "./order";
import { Rng } from "./random";
import {
  EXHIBITIONS_FROM,
  makeCustomRequest,
  makeExhibition,
  makeOrder,
  makePainting,
  makeUser,
  ORDERS_FROM,
  paintingName,
  REQUESTS_FROM,
  round2,
  stamp,
  USERS_FROM,
} from "./records";
import type {
  CustomRequest,
  Exhibition,
  Order,
  Painting,
  ReorderableEntity,
  SimData,
  SimEntity,
  SimRecordMap,
  User,
} from "./schema";
import { CUSTOM_REQUEST_STATUSES, EXHIBITION_DESCRIPTIONS, LAST_NAMES, ORDER_STATUS_FLOW } from "./vocab";

const clone = <T>(value: T): T => structuredClone(value);

function latest(texts: Iterable<string>, fallback: number): number {
  let max = Number.NaN;
  for (const text of texts) {
    const ms = parseTemplateDate(text);
    if (!Number.isNaN(ms) && !(ms <= max)) max = ms;
  }
  return Number.isNaN(max) ? fallback : max;
}

function maxOf(values: Iterable<number | null>): number {
  let max = 0;
  for (const v of values) if (v !== null && v > max) max = v;
  return max;
}

/**
 * Changes the live data the way a site's admins and customers would between two syncs. Deterministic: the
 * same seed and the same sequence of calls give the same result. Every method returns deep copies of the
 * records it touched (after the change; for `remove`, as they were).
 */
export class Mutator {
  private readonly rng: Rng;

  constructor(
    private readonly data: SimData,
    seed: number,
  ) {
    this.rng = Rng.stream(seed, "mutations");
  }

  /** Where new rows go: the next SERIAL id and the latest date so far. Computed once per call (O(n)). */
  private cursor(entity: SimEntity): AddCursor {
    const d = this.data;
    const id = maxOf((d[entity] as { id: number }[]).map((r) => r.id)) + 1;
    switch (entity) {
      case "paintings":
        return { id, ms: 0 };
      case "users":
        return {
          id,
          ms: latest(
            d.users.map((u) => u.create_date),
            USERS_FROM,
          ),
        };
      case "orders": {
        let newest: string | undefined;
        for (const o of d.orders) if (newest === undefined || o.order_date > newest) newest = o.order_date;
        return {
          id,
          ms: latest(
            d.orders.map((o) => o.order_date),
            ORDERS_FROM,
          ),
          newest,
        };
      }
      case "exhibitions":
        return {
          id,
          ms: latest(
            d.exhibitions.map((x) => x.date),
            EXHIBITIONS_FROM,
          ),
        };
      case "custom_requests":
        return {
          id,
          ms: latest(
            d.custom_requests.map((x) => x.created_at),
            REQUESTS_FROM,
          ),
        };
      default:
        throw new RangeError(`unknown entity ${String(entity)}`);
    }
  }

  /** New records, with new ids (SERIAL: max + 1) and dates after every existing one. */
  add<E extends SimEntity>(entity: E, n: number): SimRecordMap[E][] {
    checkCount(n);
    const at = this.cursor(entity);
    const out: SimRecordMap[E][] = [];
    for (let i = 0; i < n; i++) out.push(clone(this.addOne(entity, at)));
    ensureSorted(this.data, entity);
    return out;
  }

  private addOne<E extends SimEntity>(entity: E, at: AddCursor): SimRecordMap[E] {
    const rng = this.rng;
    const id = at.id++;
    const site = this.data.settings.site_name || DEFAULT_SITE_NAME;
    const d = this.data;
    let record: SimRecordMap[SimEntity];
    switch (entity) {
      case "paintings": {
        record = makePainting(rng, id, site, d.paintings.length + 1);
        d.paintings.push(record);
        break;
      }
      case "users": {
        at.ms += rng.int(60_000, 6 * 3_600_000);
        record = makeUser(rng, id, site, at.ms, false);
        d.users.push(record);
        break;
      }
      case "orders": {
        let date: string;
        if (at.newest !== undefined && rng.chance(0.2)) {
          date = at.newest;
        } else {
          at.ms += rng.int(1_000, 3_600_000);
          date = stamp(rng, at.ms);
        }
        if (at.newest === undefined || date > at.newest) at.newest = date;
        record = makeOrder(rng, id, site, date, d.paintings, d.users);
        d.orders.push(record);
        break;
      }
      case "exhibitions": {
        at.ms += rng.int(1, 60) * DAY_MS;
        record = makeExhibition(rng, id, site, at.ms);
        d.exhibitions.push(record);
        break;
      }
      case "custom_requests": {
        at.ms += rng.int(60_000, 48 * 3_600_000);
        record = makeCustomRequest(rng, id, site, at.ms);
        d.custom_requests.push(record);
        break;
      }
      default:
        throw new RangeError(`unknown entity ${String(entity)}`);
    }
    return record as SimRecordMap[E];
  }

  /**
   * One new record placed first in the Template's order (a new painting with the highest display_order, a
   * newest order...): used by the `unstableOrder: "insert"` fault to shift offset pages by one.
   */
  addAtTop<E extends SimEntity>(entity: E): SimRecordMap[E] {
    const record = this.addOne(entity, this.cursor(entity));
    if (entity === "paintings") {
      const p = record as Painting;
      p.display_order = maxOf(this.data.paintings.map((x) => x.display_order)) + 1;
    }
    ensureSorted(this.data, entity);
    return record;
  }

  /** Removes the record served first: used by the `unstableOrder: "remove"` fault. */
  removeTop<E extends SimEntity>(entity: E): SimRecordMap[E] | undefined {
    const rows = ensureSorted(this.data, entity);
    return rows.shift();
  }

  /** Edits `n` distinct existing records (fewer if the table is smaller); each one really changes. */
  change<E extends SimEntity>(entity: E, n: number): SimRecordMap[E][] {
    checkCount(n);
    const rows = this.data[entity] as SimRecordMap[E][];
    const out: SimRecordMap[E][] = [];
    for (const index of this.rng.sample(rows.length, n)) {
      const record = rows[index] as SimRecordMap[E];
      this.changeOne(entity, record);
      out.push(clone(record));
    }
    ensureSorted(this.data, entity);
    return out;
  }

  private changeOne(entity: SimEntity, record: SimRecordMap[SimEntity]): void {
    const rng = this.rng;
    const differentFrom = <T>(current: T, choices: readonly T[]): T => {
      const others = choices.filter((c) => c !== current);
      return others.length > 0 ? rng.pick(others) : current;
    };
    switch (entity) {
      case "paintings": {
        const p = record as Painting;
        const op = rng.int(0, 3);
        if (op === 0 || op === 3) p.price = round2(p.price + rng.int(1, 20) * 10);
        if (op === 1) p.status = differentFrom(p.status, ["disponible", "Disponible", "Réservé", "Vendu"]);
        if (op === 2) {
          const before = p.name;
          p.name = paintingName(rng);
          if (p.name === before) p.name = `${before} (retouché)`;
        }
        if (op === 3) p.quantity = p.quantity === 0 ? 1 : p.quantity - 1;
        break;
      }
      case "users": {
        const u = record as User;
        if (rng.chance(0.5)) {
          u.role = differentFrom(u.role, ["user", "admin", null]);
        } else {
          const first = u.name.split(" ")[0] ?? u.name;
          const last = differentFrom(u.name.slice(first.length + 1), LAST_NAMES);
          u.name = `${first} ${last}`;
        }
        break;
      }
      case "orders": {
        const o = record as Order;
        const flow: readonly string[] = ORDER_STATUS_FLOW;
        const at = flow.indexOf(o.status);
        o.status =
          at >= 0 && at < flow.length - 1
            ? (flow[at + 1] as string)
            : differentFrom(o.status, [...flow, "Annulée"]);
        break;
      }
      case "exhibitions": {
        const x = record as Exhibition;
        const before = x.description;
        x.description = differentFrom(before, [...EXHIBITION_DESCRIPTIONS, "Nouvelles œuvres ajoutées."]);
        break;
      }
      case "custom_requests": {
        const c = record as CustomRequest;
        c.status = differentFrom(
          c.status,
          CUSTOM_REQUEST_STATUSES.map(([s]) => s),
        );
        break;
      }
    }
  }

  /** Deletes `n` random records (fewer if the table is smaller) and returns them. */
  remove<E extends SimEntity>(entity: E, n: number): SimRecordMap[E][] {
    checkCount(n);
    const rows = this.data[entity] as SimRecordMap[E][];
    const doomed = new Set(this.rng.sample(rows.length, n));
    const removed: SimRecordMap[E][] = [];
    let write = 0;
    for (let read = 0; read < rows.length; read++) {
      const row = rows[read] as SimRecordMap[E];
      if (doomed.has(read)) removed.push(row);
      else rows[write++] = row;
    }
    rows.length = write;
    return removed;
  }

  /**
   * Moves records in the Template's order without adding or removing any: new `display_order` values for
   * about a third of the paintings, or dates swapped among about a third of the other records. Users are
   * ordered by id and cannot be reordered.
   */
  reorder(entity: ReorderableEntity): void {
    const rng = this.rng;
    const rows = this.data[entity];
    if (rows.length === 0) return;
    const picked = rng.sample(rows.length, Math.max(1, Math.ceil(rows.length / 3)));
    if (entity === "paintings") {
      const paintings = this.data.paintings;
      const top = maxOf(paintings.map((p) => p.display_order)) + 1;
      picked.forEach((index, k) => {
        const p = paintings[index] as Painting;
        // The first picked painting jumps to the top, so the order always changes.
        p.display_order = k === 0 ? top : rng.int(0, paintings.length);
      });
    } else {
      const field = entity === "orders" ? "order_date" : entity === "exhibitions" ? "date" : "created_at";
      const records = picked.map((index) => rows[index] as unknown as Record<string, string>);
      const values = rng.shuffle(records.map((r) => r[field] as string));
      records.forEach((r, k) => {
        r[field] = values[k] as string;
      });
    }
    ensureSorted(this.data, entity);
  }
}

interface AddCursor {
  id: number;
  ms: number;
  newest?: string;
}

function checkCount(n: number): void {
  if (!Number.isInteger(n) || n < 0) throw new RangeError("n must be an integer ≥ 0");
}
