/** One generated record of each kind, as the Template's tables hold them, and the time windows they span. */
import { isoDate, naiveTimestamp, pgTimestamp } from "./dates";
import type { Rng } from "./random";
import type { CustomRequest, Exhibition, Order, OrderItem, Painting, User } from "./schema";
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
  ORDER_STATUSES,
  PAINTING_COMPLEMENTS,
  PAINTING_SUBJECTS,
  secureFilename,
  TECHNIQUES,
  VENUES,
} from "./vocab";

// Time windows the generated history spans (fixed, so data never depends on the clock).
export const USERS_FROM = Date.UTC(2022, 0, 3, 8);
export const ORDERS_FROM = Date.UTC(2023, 0, 5, 9);
export const REQUESTS_FROM = Date.UTC(2024, 0, 8, 10);
export const HISTORY_TO = Date.UTC(2025, 5, 30, 20);
export const EXHIBITIONS_FROM = Date.UTC(2023, 2, 1);

export const round2 = (n: number): number => Math.round(n * 100) / 100;

/** A SERIAL column with history: ids increase, with the occasional gap left by deleted rows. */
export function* serialIds(rng: Rng, start = 1): Generator<number> {
  let id = start;
  for (;;) {
    if (rng.chance(0.04)) id += rng.int(1, 3);
    yield id++;
  }
}

export function paintingName(rng: Rng): string {
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
export function stamp(rng: Rng, ms: number): string {
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
