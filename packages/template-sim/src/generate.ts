import { DAY_MS } from "./dates";
import { ensureSorted } from "./order";
import { Rng } from "./random";
import {
  EXHIBITIONS_FROM,
  HISTORY_TO,
  makeCustomRequest,
  makeExhibition,
  makeOrder,
  makePainting,
  makeSettings,
  makeUser,
  ORDERS_FROM,
  REQUESTS_FROM,
  serialIds,
  stamp,
  USERS_FROM,
} from "./records";
import {
  type CustomRequest,
  DEFAULT_SIZES,
  type Exhibition,
  type Order,
  type Painting,
  type SimData,
  type Sizes,
  type User,
} from "./schema";

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
