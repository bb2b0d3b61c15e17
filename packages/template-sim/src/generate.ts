import { DAY_MS, isoDate, naiveTimestamp, parseTemplateDate, pgTimestamp } from "./dates";
import { ensureSorted } from "./order";
import { Rng } from "./random";
import {
  type CustomRequest,
  DEFAULT_SIZES,
  type Exhibition,
  type Order,
  type OrderItem,
  type Painting,
  type ReorderableEntity,
  type SimData,
  type SimEntity,
  type SimRecordMap,
  type Sizes,
  type User,
} from "./schema";
import {
  CATEGORIES,
  CITIES,
  CUSTOM_REQUEST_STATUSES,
  CUSTOM_REQUEST_SUBJECTS,
  EMAIL_DOMAINS,
  EXHIBITION_DESCRIPTIONS,
  EXHIBITION_TITLES,
  emailSlug,
  FIRST_NAMES,
  FORMATS,
  LAST_NAMES,
  ORDER_STATUS_FLOW,
  ORDER_STATUSES,
  PAINTING_COMPLEMENTS,
  PAINTING_SUBJECTS,
  secureFilename,
  TECHNIQUES,
  VENUES,
} from "./vocab";

export const DEFAULT_SEED = 1;
export const DEFAULT_SITE_NAME = "Site Artiste";

export interface GenerateOptions {
  /** Same seed ⇒ same data (default 1). */
  seed?: number;
  /** The `site_name` setting, copied on every record (default "Site Artiste"). */
  siteName?: string;
  /** The `export_api_key` setting (default: derived from the seed). */
  apiKey?: string;
  sizes?: Partial<Sizes>;
  /**
   * The shapes of a real catalogue (TEMPLATE-API.md, "What the current Template holds"): a few paintings
   * with an empty or NULL category, an empty image, NULL technique/display_order, a `""`/NULL/`Exposition`
   * status; users with an empty name; and a `google_places_key` setting, a secret no pattern anticipates.
   */
  realShapes?: boolean;
}

// Time windows the generated history spans (fixed, so data never depends on the clock).
const USERS_FROM = Date.UTC(2022, 0, 3, 8);
const ORDERS_FROM = Date.UTC(2023, 0, 5, 9);
const REQUESTS_FROM = Date.UTC(2024, 0, 8, 10);
const HISTORY_TO = Date.UTC(2025, 5, 30, 20);
const EXHIBITIONS_FROM = Date.UTC(2023, 2, 1);

const round2 = (n: number): number => Math.round(n * 100) / 100;

export function resolveSizes(sizes: Partial<Sizes> | undefined): Sizes {
  const out: Sizes = { ...DEFAULT_SIZES };
  for (const key of Object.keys(DEFAULT_SIZES) as (keyof Sizes)[]) {
    const value = sizes?.[key];
    if (value === undefined) continue;
    if (!Number.isInteger(value) || value < 0) throw new RangeError(`sizes.${key} must be an integer ≥ 0`);
    out[key] = value;
  }
  return out;
}

/** A SERIAL column with history: ids increase, with the occasional gap left by deleted rows. */
function* serialIds(rng: Rng, start = 1): Generator<number> {
  let id = start;
  for (;;) {
    if (rng.chance(0.04)) id += rng.int(1, 3);
    yield id++;
  }
}

function paintingName(rng: Rng): string {
  const complement = rng.pick(PAINTING_COMPLEMENTS);
  const subject = rng.pick(PAINTING_SUBJECTS);
  return complement ? `${subject} ${complement}` : subject;
}

function paintingPrice(rng: Rng): number {
  const base = rng.int(8, 450) * 10; // 80 .. 4500 €
  return rng.chance(0.25) ? base - rng.pick([0.01, 0.5, 0.1]) : base;
}

function paintingStatus(rng: Rng, quantity: number): string {
  if (quantity === 0) return rng.chance(0.85) ? "Vendu" : "vendu";
  return rng.weighted([
    ["disponible", 50],
    ["Disponible", 30],
    ["Réservé", 10],
    ["Vendu", 5],
    ["réservé", 5],
  ]);
}

export function makePainting(rng: Rng, id: number, siteName: string, maxDisplayOrder: number): Painting {
  const name = paintingName(rng);
  const quantity = rng.weighted([
    [1, 70],
    [0, 18],
    [2, 6],
    [rng.int(3, 25), 6],
  ]);
  const image = rng.chance(0.7)
    ? `Images/painting_${id}.jpg`
    : // What the Template's upload code stores: `Images/<uuid hex>_<secure_filename>`.
      `Images/${rng.hex(32)}_${secureFilename(name)}.${rng.pick(["jpg", "jpeg", "png"])}`;
  const price = paintingPrice(rng);
  const category = rng.weighted(CATEGORIES);
  const technique = rng.weighted(TECHNIQUES);
  const year = rng.weighted<string | null>([
    [String(rng.int(1995, 2025)), 80],
    ["", 8],
    [null, 12],
  ]);
  const status = paintingStatus(rng, quantity);
  const displayOrder = rng.chance(0.7) ? 0 : rng.int(1, Math.max(1, maxDisplayOrder));
  // Keys in sorted order, as Flask sends them (the serializer then has nothing to reorder).
  return {
    category,
    display_order: displayOrder,
    id,
    image,
    name,
    price,
    quantity,
    site_name: siteName,
    status,
    technique,
    year,
  };
}

function personName(rng: Rng): { first: string; last: string } {
  return { first: rng.pick(FIRST_NAMES), last: rng.pick(LAST_NAMES) };
}

/** Most rows were stamped by PostgreSQL, a few by Python code (`YYYY-MM-DD HH:MM:SS`). */
function stamp(rng: Rng, ms: number): string {
  return rng.chance(0.1) ? naiveTimestamp(ms) : pgTimestamp(ms, rng.int(0, 999_999));
}

export function makeUser(rng: Rng, id: number, siteName: string, ms: number, first: boolean): User {
  const { first: fn, last } = personName(rng);
  const email = `${emailSlug(fn)}.${emailSlug(last)}${id}@${rng.pick(EMAIL_DOMAINS)}`;
  const createDate = stamp(rng, ms);
  const role = first
    ? "admin"
    : rng.weighted<string | null>([
        ["user", 87],
        [null, 10],
        ["admin", 3],
      ]);
  return { create_date: createDate, email, id, name: `${fn} ${last}`, role, site_name: siteName };
}

export function makeOrder(
  rng: Rng,
  id: number,
  siteName: string,
  orderDate: string,
  paintings: readonly Painting[],
  users: readonly User[],
): Order {
  let customer: string;
  let email: string;
  if (users.length > 0 && rng.chance(0.7)) {
    const user = rng.pick(users);
    customer = user.name;
    email = user.email;
  } else {
    const { first, last } = personName(rng);
    customer = `${first} ${last}`;
    email = `${emailSlug(first)}.${emailSlug(last)}@${rng.pick(EMAIL_DOMAINS)}`;
  }
  const items: OrderItem[] = [];
  if (paintings.length > 0 && !rng.chance(0.02)) {
    const lines = rng.weighted([
      [1, 70],
      [2, 22],
      [3, 8],
    ]);
    for (const index of rng.sample(paintings.length, lines)) {
      const painting = paintings[index] as Painting;
      const quantity = rng.chance(0.1) ? 2 : 1;
      items.push({
        image: painting.image,
        name: painting.name,
        painting_id: painting.id,
        price: painting.price,
        quantity,
      });
    }
  }
  const status = rng.weighted(ORDER_STATUSES);
  return {
    customer_name: customer,
    email,
    id,
    items,
    order_date: orderDate,
    site_name: siteName,
    status,
    total_price: round2(items.reduce((sum, item) => sum + item.price * item.quantity, 0)),
  };
}

export function makeExhibition(rng: Rng, id: number, siteName: string, ms: number): Exhibition {
  const timed = rng.chance(0.75);
  const start = rng.int(10, 18);
  const title = rng.chance(0.5)
    ? `Exposition « ${rng.pick(EXHIBITION_TITLES)} »`
    : rng.pick(EXHIBITION_TITLES);
  const location = `${rng.pick(VENUES)}, ${rng.pick(CITIES)}`;
  const end = Math.min(23, start + rng.int(2, 6));
  const description = rng.chance(0.8) ? rng.pick(EXHIBITION_DESCRIPTIONS) : null;
  return {
    date: isoDate(ms),
    description,
    end_time: timed ? `${String(end).padStart(2, "0")}:00` : null,
    id,
    location,
    site_name: siteName,
    start_time: timed ? `${String(start).padStart(2, "0")}:00` : null,
    title,
  };
}

export function makeCustomRequest(rng: Rng, id: number, siteName: string, ms: number): CustomRequest {
  const { first, last } = personName(rng);
  const description = `${rng.pick(CUSTOM_REQUEST_SUBJECTS)}, format ${rng.pick(FORMATS)} cm.`;
  const status = rng.weighted(CUSTOM_REQUEST_STATUSES);
  return {
    client_name: `${first} ${last}`,
    created_at: stamp(rng, ms),
    description,
    id,
    site_name: siteName,
    status,
  };
}

export function makeSettings(rng: Rng, siteName: string, apiKey: string): Record<string, string> {
  return {
    site_name: siteName,
    site_logo: `🎨 ${siteName}`,
    site_description: "Peintures originales, aquarelles et commandes sur mesure.",
    color_primary: "#6366f1",
    color_secondary: "#8b5cf6",
    email_sender: "contact@example.com",
    smtp_server: "smtp.gmail.com",
    smtp_port: "587",
    smtp_password: `mdp-${rng.hex(16)}`,
    export_api_key: apiKey,
    stripe_publishable_key: `pk_test_${rng.hex(24)}`,
    stripe_secret_key: `sk_test_${rng.hex(24)}`,
    stripe_webhook_secret: `whsec_${rng.hex(24)}`,
    saas_site_price_cache: "490.00",
    enable_auto_registration: "true",
    enable_custom_orders: "1",
  };
}

/** Timestamps spread over [from, to], increasing with the row, jittered so a few rows swap places. */
function timeline(rng: Rng, count: number, from: number, to: number): (index: number) => number {
  const step = count > 0 ? (to - from) / count : 0;
  return (index) => Math.round(from + index * step + (rng.next() - 0.5) * step * 1.5);
}

/**
 * The whole data set of one site, deterministic for a given seed. Each table draws from its own random
 * stream, so changing the size of one table does not change the content of tables it does not depend on
 * (orders depend on paintings and users).
 */
export function generateData(opts: GenerateOptions = {}): SimData {
  const seed = opts.seed ?? DEFAULT_SEED;
  const siteName = opts.siteName ?? DEFAULT_SITE_NAME;
  const sizes = resolveSizes(opts.sizes);
  const apiKey = opts.apiKey ?? `sim_${Rng.stream(seed, "api-key").hex(32)}`;

  const paintings: Painting[] = [];
  {
    const rng = Rng.stream(seed, "paintings");
    const ids = serialIds(rng);
    for (let i = 0; i < sizes.paintings; i++) {
      paintings.push(makePainting(rng, ids.next().value as number, siteName, sizes.paintings));
    }
  }

  const users: User[] = [];
  {
    const rng = Rng.stream(seed, "users");
    const ids = serialIds(rng);
    const at = timeline(rng, sizes.users, USERS_FROM, HISTORY_TO);
    for (let i = 0; i < sizes.users; i++) {
      users.push(makeUser(rng, ids.next().value as number, siteName, at(i), i === 0));
    }
  }

  const orders: Order[] = [];
  {
    const rng = Rng.stream(seed, "orders");
    const ids = serialIds(rng);
    const at = timeline(rng, sizes.orders, ORDERS_FROM, HISTORY_TO);
    let previous: string | undefined;
    for (let i = 0; i < sizes.orders; i++) {
      // Deliberate duplicates: orders placed in the same second share their order_date exactly, so
      // ORDER BY order_date is not a total order and offset paging can repeat or skip across ties.
      const date = previous !== undefined && rng.chance(0.2) ? previous : stamp(rng, at(i));
      orders.push(makeOrder(rng, ids.next().value as number, siteName, date, paintings, users));
      previous = date;
    }
  }

  const exhibitions: Exhibition[] = [];
  {
    const rng = Rng.stream(seed, "exhibitions");
    const ids = serialIds(rng);
    for (let i = 0; i < sizes.exhibitions; i++) {
      const ms = EXHIBITIONS_FROM + rng.int(0, 900) * DAY_MS;
      exhibitions.push(makeExhibition(rng, ids.next().value as number, siteName, ms));
    }
  }

  const custom_requests: CustomRequest[] = [];
  {
    const rng = Rng.stream(seed, "custom_requests");
    const ids = serialIds(rng);
    const at = timeline(rng, sizes.custom_requests, REQUESTS_FROM, HISTORY_TO);
    for (let i = 0; i < sizes.custom_requests; i++) {
      custom_requests.push(makeCustomRequest(rng, ids.next().value as number, siteName, at(i)));
    }
  }

  const other = Rng.stream(seed, "other-tables");
  const data: SimData = {
    paintings,
    users,
    orders,
    exhibitions,
    custom_requests,
    settings: makeSettings(Rng.stream(seed, "settings"), siteName, apiKey),
    otherTables: {
      carts: other.int(0, 40),
      cart_items: other.int(0, 60),
      notifications: other.int(0, 25),
      stripe_events: other.int(0, 15),
      saas_sites: other.int(0, 1),
    },
  };
  if (opts.realShapes) applyRealShapes(data, Rng.stream(seed, "real-shapes"));
  for (const entity of ["paintings", "users", "orders", "exhibitions", "custom_requests"] as const) {
    ensureSorted(data, entity);
  }
  return data;
}

/**
 * What real Templates hold beside clean rows (about 7% of a catalogue), each shape at least once when the
 * table is large enough: normal data, not corruption. Deterministic for a seed.
 */
function applyRealShapes(data: SimData, rng: Rng): void {
  const shapes: ((p: Painting) => void)[] = [
    (p) => {
      p.category = "";
    },
    (p) => {
      p.category = null;
    },
    (p) => {
      p.image = "";
    },
    (p) => {
      p.technique = null;
      p.display_order = null;
    },
    (p) => {
      p.status = "";
    },
    (p) => {
      p.status = null;
    },
    (p) => {
      p.status = "Exposition";
    },
  ];
  data.paintings.forEach((p, i) => {
    const shape = i < shapes.length ? shapes[i] : rng.chance(0.02) ? rng.pick(shapes) : undefined;
    shape?.(p);
  });
  data.users.forEach((u, i) => {
    if (i === 1 || (i > 1 && rng.chance(0.03))) u.name = "";
  });
  data.settings.google_places_key = `AIza${rng.hex(35)}`;
}

// ---------------------------------------------------------------------------------------------------------
// Mutations between syncs.

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
