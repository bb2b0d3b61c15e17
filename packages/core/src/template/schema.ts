/**
 * What a Template's export API serves (see shared/TEMPLATE-API.md), as zod schemas: the only source of
 * these types. Envelopes are checked strictly enough to tell a broken response from a real one; records
 * are validated one by one so that one bad record never hides the good ones around it.
 *
 * A record is read faithfully, never "repaired" (TEMPLATE-API.md, "What the current Template holds"):
 * - the seed's defaults (technique "", quantity 1, status "Disponible", display_order 0, role "user",
 *   site_name "Site Artiste", items []) apply to ABSENT keys only; NULL and "" are "not set" and stay null;
 * - numeric strings become numbers (prices keep the number sent); `year` and every date stay text;
 * - fields the Template adds later are kept (loose objects), never rejected.
 *
 * `validateRecord` then splits what the seed calls "invalid" in two (DESIGN.md decision 6):
 * - rejected: the record cannot be identified or stored faithfully (not an object, no usable integer id,
 *   a value that cannot be read without guessing such as a price of "abc" or `items` not a list, too large
 *   for DynamoDB): quarantined with its reasons, not stored;
 * - flagged: it fails the seed's required-field rule (`_validate_painting` & co.: a required field null,
 *   empty or absent) but is readable: stored and shown, with its quality codes (`category_missing`).
 * Reasons and quality are stable codes (`<field>_<problem>`); the UI's catalogue words them.
 */
import * as z from "zod";
import type { RecordEntity } from "../entity";

export const MASKED = "***MASKED***";
export const DEFAULT_SITE_NAME = "Site Artiste";

const isBlank = (v: unknown): boolean => v === null || (typeof v === "string" && v.trim() === "");
const isMissing = (v: unknown): boolean => v === undefined || isBlank(v);

/** "12.5" → 12.5; leaves anything else for the schema to judge. */
const toNumber = (v: unknown): unknown => {
  if (typeof v === "string" && v.trim() !== "") {
    const n = Number(v.trim().replace(",", "."));
    return Number.isFinite(n) ? n : v;
  }
  return v;
};

/** A record id: an integer ≥ 0, as a number or numeric text; anything else cannot identify a record. */
const recordId = () =>
  z.preprocess(
    (v) => (isMissing(v) ? undefined : toNumber(v)),
    z.number({ error: "invalid" }).int("invalid").nonnegative("invalid"),
  );

/**
 * A number: absent → `absent` (the seed's default, or null); null and "" → null; numeric text → number;
 * anything else ("abc", an object) cannot be read without guessing: rejected.
 */
const num = (absent: number | null, integer = false) =>
  z.preprocess(
    (v) => (v === undefined ? absent : isBlank(v) ? null : toNumber(v)),
    (integer
      ? z.number({ error: "not_a_number" }).int("not_an_integer")
      : z.number({ error: "not_a_number" }).refine(Number.isFinite, "not_a_number")
    ).nullable(),
  );

/** Text: absent → `absent` (the seed's default, or null); null and "" → null; numbers become text. */
const text = (absent: string | null = null) =>
  z.preprocess(
    (v) => (v === undefined ? absent : isBlank(v) ? null : typeof v === "number" ? String(v) : v),
    z.string({ error: "not_text" }).nullable(),
  );

export const TemplatePainting = z.looseObject({
  id: recordId(),
  name: text(),
  price: num(null),
  category: text(),
  technique: text(""),
  year: text(),
  quantity: num(1, true),
  status: text("Disponible"),
  image: text(),
  display_order: num(0, true),
  site_name: text(DEFAULT_SITE_NAME),
});
export type TemplatePainting = z.infer<typeof TemplatePainting>;

export const TemplateUser = z.looseObject({
  id: recordId(),
  name: text(),
  email: text(),
  create_date: text(),
  role: text("user"),
  site_name: text(DEFAULT_SITE_NAME),
});
export type TemplateUser = z.infer<typeof TemplateUser>;

export const TemplateOrderItem = z.looseObject({
  painting_id: num(null, true),
  name: text(),
  image: text(),
  price: num(null),
  quantity: num(1, true),
});
export type TemplateOrderItem = z.infer<typeof TemplateOrderItem>;

export const TemplateOrder = z.looseObject({
  id: recordId(),
  customer_name: text(),
  email: text(),
  total_price: num(null),
  order_date: text(),
  status: text(),
  // The Template's items come from a join and are always a list: absent or null is an order without lines.
  items: z.preprocess(
    (v) => (v === undefined || v === null ? [] : v),
    z.array(TemplateOrderItem, "not_a_list"),
  ),
  site_name: text(DEFAULT_SITE_NAME),
});
export type TemplateOrder = z.infer<typeof TemplateOrder>;

export const TemplateExhibition = z.looseObject({
  id: recordId(),
  title: text(),
  location: text(),
  date: text(),
  start_time: text(),
  end_time: text(),
  description: text(),
  site_name: text(DEFAULT_SITE_NAME),
});
export type TemplateExhibition = z.infer<typeof TemplateExhibition>;

export const TemplateCustomRequest = z.looseObject({
  id: recordId(),
  client_name: text(),
  description: text(),
  status: text(),
  created_at: text(),
  site_name: text(DEFAULT_SITE_NAME),
});
export type TemplateCustomRequest = z.infer<typeof TemplateCustomRequest>;

/** The record schema of each entity that is stored one item per record. */
export const RECORD_SCHEMAS = {
  paintings: TemplatePainting,
  users: TemplateUser,
  orders: TemplateOrder,
  exhibitions: TemplateExhibition,
  custom_requests: TemplateCustomRequest,
} as const;

/**
 * The seed's required-field rule (`_validate_painting`, `_validate_user`, `_validate_order`): a record with
 * one of these null, empty or absent is flagged `<field>_missing`. A price of 0 is set (the Template's
 * prices are NOT NULL and 0 is possible).
 */
export const REQUIRED_FIELDS: Record<RecordEntity, readonly string[]> = {
  paintings: ["name", "price", "category", "image"],
  users: ["name", "email"],
  orders: ["customer_name", "email", "total_price", "order_date"],
  exhibitions: [],
  custom_requests: [],
};

/** DynamoDB's item limit is 400 KB; a record's JSON above this cannot be stored with its provenance. */
export const MAX_RECORD_BYTES = 350_000;

export type Validated =
  | { ok: true; record: { id: number } & Record<string, unknown>; quality: string[] }
  | { ok: false; reasons: string[] };

/** zod issues of a record as stable codes: `price_not_a_number`, `id_invalid`, `items_not_a_list`. */
export const reasonCodes = (error: z.ZodError): string[] => [
  ...new Set(
    error.issues.map((i) => {
      const field = i.path.filter((p) => typeof p === "string").join(".");
      const problem = /^[a-z_]+$/.test(i.message) ? i.message : "invalid";
      if (!field) return i.code === "invalid_type" ? "not_an_object" : problem;
      return `${field}_${problem}`;
    }),
  ),
];

/** Reads one record of an entity: rejected with reasons, or accepted with its data-quality codes. */
export function validateRecord(entity: RecordEntity, raw: unknown): Validated {
  if (raw === null || typeof raw !== "object" || Array.isArray(raw))
    return { ok: false, reasons: ["not_an_object"] };
  const parsed = RECORD_SCHEMAS[entity].safeParse(raw);
  if (!parsed.success) return { ok: false, reasons: reasonCodes(parsed.error) };
  if (Buffer.byteLength(JSON.stringify(raw)) > MAX_RECORD_BYTES) return { ok: false, reasons: ["too_large"] };
  const record = parsed.data as { id: number } & Record<string, unknown>;
  const quality = REQUIRED_FIELDS[entity].filter((f) => record[f] === null).map((f) => `${f}_missing`);
  return { ok: true, record, quality };
}

/** `{"paintings": [...], "count": N}` and friends: records stay unknown here, validated one by one later. */
export const listEnvelope = <K extends string>(key: K) =>
  z.looseObject({ [key]: z.array(z.unknown()), count: z.number().optional() } as Record<
    K,
    z.ZodArray<z.ZodUnknown>
  >);

/** `{"<key>": [...], "count": N}` → its records. */
const recordList = <K extends string>(key: K): z.ZodType<unknown[]> =>
  listEnvelope(key).transform((body): unknown[] => {
    const records: unknown = body[key];
    return Array.isArray(records) ? records : []; // always an array: the envelope checked it
  });

/** The record lists of the Template's exports, by entity. */
export const RECORD_ENVELOPES: Readonly<Record<RecordEntity, z.ZodType<unknown[]>>> = {
  paintings: recordList("paintings"),
  users: recordList("users"),
  orders: recordList("orders"),
  exhibitions: recordList("exhibitions"),
  custom_requests: recordList("custom_requests"),
};

const settingValue = z.preprocess(
  (v) => (typeof v === "number" || typeof v === "boolean" ? String(v) : v),
  z.string().nullable(),
);

/** The documented handler: `{"success": true, "count": N, "data": [{"id", "key", "value"}]}`. */
export const SettingsDocumented = z.looseObject({
  success: z.boolean().optional(),
  count: z.number().optional(),
  data: z.array(z.looseObject({ id: z.unknown().optional(), key: z.string().min(1), value: settingValue })),
});

/** The handler Flask really serves first: a flat `{"site_name": "...", ...}` object. */
export const SettingsFlat = z.record(z.string(), z.unknown());

export const TemplateSetting = z.object({ key: z.string().min(1), value: z.string().nullable() });
export type TemplateSetting = z.infer<typeof TemplateSetting>;

/** Accepts both settings shapes and returns key/value pairs. */
export const SettingsEnvelope = z
  .union([SettingsDocumented, SettingsFlat])
  .transform((body): TemplateSetting[] => {
    const documented = SettingsDocumented.safeParse(body);
    if (documented.success) return documented.data.data.map(({ key, value }) => ({ key, value }));
    return Object.entries(body)
      .filter(([, v]) => v === null || ["string", "number", "boolean"].includes(typeof v))
      .map(([key, v]) => ({ key, value: v === null ? null : String(v) }));
  });

/** `{"success": true, "timestamp": "...", "stats": {...}}`; numeric strings become numbers. */
export const StatsEnvelope = z.looseObject({
  success: z.boolean().optional(),
  timestamp: z.string().optional(),
  stats: z.record(z.string(), z.preprocess(toNumber, z.union([z.number(), z.string(), z.null()]))),
});
export type TemplateStats = z.infer<typeof StatsEnvelope>["stats"];

/** Keys the Dashboard reads from settings (seed 1.4). */
export const WELL_KNOWN_SETTINGS = [
  "site_name",
  "site_logo",
  "stripe_publishable_key",
  "saas_site_price_cache",
] as const;

/** Values that are secrets whatever the key they sit under: Stripe secret/restricted keys, webhook secrets. */
export const SECRET_VALUE = /^(sk|rk|whsec)_/;

// A name ending in "key" is a key of some service (`export_api_key`, `google_places_key`): a secret unless
// known public (the publishable Stripe key, checked first).
const SECRET_KEY = /secret|passw(or)?d|pwd|token|credential|[_-]?key$/i;

/**
 * A served setting that is, by its name or its value, plainly a secret (a Stripe secret key, a password, an
 * API key). Only used to warn that a Template serves secrets in clear (see `health.ts`): what is stored in
 * clear is decided by the allow-list of `settings.ts`, never by this guess.
 */
export const looksSecret = (key: string, value: string | null): boolean => {
  if (value === null || value === "" || value === MASKED) return false;
  if (key === "stripe_publishable_key") return SECRET_VALUE.test(value);
  return SECRET_KEY.test(key) || SECRET_VALUE.test(value);
};

/** Names of the settings served with a secret in clear (the values are dropped here). */
export const secretKeysOf = (pairs: readonly TemplateSetting[]): string[] =>
  [...new Set(pairs.filter((p) => looksSecret(p.key, p.value)).map((p) => p.key))].sort();

/** zod issues as short, human reasons: `price: must be a number`. */
export const reasonsOf = (error: z.ZodError): string[] =>
  error.issues.map((i) => (i.path.length ? `${i.path.join(".")}: ${i.message}` : i.message));
