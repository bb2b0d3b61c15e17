import { pythonNowIso } from "./dates";
import type { InvalidRule } from "./faults";
import { DEFAULT_SITE_NAME } from "./generate";
import { ensureSorted, SORT_KEY } from "./order";
import type { Rng } from "./random";
import {
  DOCUMENTED_MASKED_KEYS,
  MASKED,
  type Order,
  type Painting,
  type SimData,
  type SimEntity,
  type SimRecordMap,
  type StatsBody,
} from "./schema";

/** Endpoints with `limit`/`offset` paging and the Template's default `limit`. */
export const PAGED_DEFAULT_LIMIT = { paintings: 200, users: 500, orders: 100 } as const;
export type PagedEntity = keyof typeof PAGED_DEFAULT_LIMIT;
/** The `site_name` setting as the Template reads it: `get_setting("site_name") or "Site Artiste"`. */
export function siteNameOf(data: SimData): string {
  return data.settings.site_name || DEFAULT_SITE_NAME;
}

/** Orders' lines as the Template's LEFT JOIN gives them: current painting name and image, null once deleted. */
function joinItems(order: Order, byId: Map<number, Painting>): Order["items"] {
  return order.items.map((item) => {
    const painting = byId.get(item.painting_id);
    return {
      image: painting ? painting.image : null,
      name: painting ? painting.name : null,
      painting_id: item.painting_id,
      price: item.price,
      quantity: item.quantity,
    };
  });
}

/** Copies of `rows` exactly as the Template serves them (site_name from settings, order lines joined). */
export function present<E extends SimEntity>(
  data: SimData,
  entity: E,
  rows: readonly SimRecordMap[E][],
): SimRecordMap[E][] {
  const siteName = siteNameOf(data);
  if (entity === "orders") {
    // Index only the paintings this page refers to: one pass, no 20,000-entry map per page.
    const wanted = new Set<number>();
    for (const o of rows as readonly Order[]) for (const item of o.items) wanted.add(item.painting_id);
    const byId = new Map<number, Painting>();
    if (wanted.size > 0) for (const p of data.paintings) if (wanted.has(p.id)) byId.set(p.id, p);
    return (rows as readonly Order[]).map(
      (o) => ({ ...o, items: joinItems(o, byId), site_name: siteName }) as SimRecordMap[E],
    );
  }
  return rows.map((r) => ({ ...r, site_name: siteName }));
}

/**
 * Every record of `entity` as the Template would serve it, in its order, faults aside: what a complete,
 * stable scan must end up with. Sorts `data[entity]` in place.
 */
export function servedRecords<E extends SimEntity>(data: SimData, entity: E): SimRecordMap[E][] {
  return present(data, entity, ensureSorted(data, entity));
}

/** `request.args.get(name, default, type=int)`: Python's int(), or the default when it does not parse. */
export function pyIntArg(raw: string | null, fallback: number): number {
  if (raw === null) return fallback;
  const text = raw.trim();
  if (!/^[+-]?\d+(?:_\d+)*$/.test(text)) return fallback;
  const n = Number(text.replace(/_/g, ""));
  return Number.isSafeInteger(n) ? n : fallback;
}

/** Rows of equal sort key reshuffled, as a database may return ties differently on every query. */
export function shuffleTies<E extends SimEntity>(
  entity: E,
  rows: readonly SimRecordMap[E][],
  rng: Rng,
): SimRecordMap[E][] {
  const key = SORT_KEY[entity] as (r: SimRecordMap[E]) => string | number;
  const out = rows.slice();
  let start = 0;
  while (start < out.length) {
    let end = start + 1;
    const k = key(out[start] as SimRecordMap[E]);
    while (end < out.length && key(out[end] as SimRecordMap[E]) === k) end++;
    if (end - start > 1) {
      const group = rng.shuffle(out.slice(start, end));
      for (let i = 0; i < group.length; i++) out[start + i] = group[i] as SimRecordMap[E];
    }
    start = end;
  }
  return out;
}

/** Applies `invalid` fault rules to presented copies (the data itself is never touched). */
export function breakRecords<T>(rows: T[], rules: readonly InvalidRule[]): T[] {
  if (rules.length === 0) return rows;
  const byId = new Map<number, InvalidRule[]>();
  for (const rule of rules) {
    for (const id of rule.ids) {
      const list = byId.get(id);
      if (list) list.push(rule);
      else byId.set(id, [rule]);
    }
  }
  return rows.map((row) => {
    const id = (row as { id?: unknown }).id;
    const matching = typeof id === "number" ? byId.get(id) : undefined;
    if (!matching) return row;
    const broken = structuredClone(row) as Record<string, unknown>;
    for (const rule of matching) {
      if (rule.field.startsWith("items.")) {
        const items = broken.items;
        if (Array.isArray(items)) {
          for (const item of items) applyRule(item as Record<string, unknown>, rule.field.slice(6), rule);
        }
      } else {
        applyRule(broken, rule.field, rule);
      }
    }
    return broken as T;
  });
}

function applyRule(target: Record<string, unknown>, field: string, rule: InvalidRule): void {
  switch (rule.kind) {
    case "absent":
      delete target[field];
      return;
    case "null":
      target[field] = null;
      return;
    case "empty":
      target[field] = "";
      return;
    case "nonNumeric":
      target[field] = "N/A";
      return;
    case "value":
      target[field] = rule.value;
      return;
  }
}

export function statsBody(data: SimData, now: Date): StatsBody {
  let orderItems = 0;
  let revenue = 0;
  let delivered = 0;
  for (const order of data.orders) {
    orderItems += order.items.length;
    revenue += order.total_price;
    if (order.status === "Livrée") delivered++;
  }
  const other = data.otherTables;
  return {
    success: true,
    timestamp: pythonNowIso(now),
    stats: {
      users_count: data.users.length,
      paintings_count: data.paintings.length,
      orders_count: data.orders.length,
      order_items_count: orderItems,
      cart_items_count: other.cart_items,
      carts_count: other.carts,
      notifications_count: other.notifications,
      exhibitions_count: data.exhibitions.length,
      custom_requests_count: data.custom_requests.length,
      settings_count: Object.keys(data.settings).length,
      stripe_events_count: other.stripe_events,
      saas_sites_count: other.saas_sites,
      total_revenue: Math.round(revenue * 100) / 100,
      delivered_orders: delivered,
    },
  };
}

/**
 * The first `GET /api/export/settings` handler, the one Flask serves: no API key needed, every setting in
 * clear except `stripe_secret_key`, and (unless the caller sent the master key) `stripe*` keys that say
 * `secret` or hold an `sk_` value.
 */
export function settingsFlat(data: SimData, masterKeyGiven: boolean): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(data.settings)) {
    if (key === "stripe_secret_key") continue;
    const lower = key.toLowerCase();
    if (!masterKeyGiven && lower.startsWith("stripe") && (lower.includes("secret") || value.includes("sk_")))
      continue;
    out[key] = value;
  }
  return out;
}

/** The second, documented handler: `{"success", "count", "data": [{id, key, value}]}`, three keys masked. */
export function settingsDocumented(data: SimData): {
  success: true;
  count: number;
  data: { id: number; key: string; value: string }[];
} {
  const rows = Object.entries(data.settings).map(([key, value], index) => ({
    id: index + 1,
    key,
    value: DOCUMENTED_MASKED_KEYS.includes(key) ? MASKED : value,
  }));
  return { success: true, count: rows.length, data: rows };
}
