/**
 * What a Template's export API serves (see shared/TEMPLATE-API.md), as zod schemas: the only source of
 * these types. Envelopes are checked strictly enough to tell a broken response from a real one; records
 * are validated one by one so that one bad record never hides the good ones around it.
 *
 * Rules, from the seed and the Template's real behaviour:
 * - a required field is "missing" when absent, null or an empty string (0 is a valid price);
 * - numeric strings become numbers; `year` and every date stay text, exactly as received;
 * - the seed's defaults apply (technique "", quantity 1, status "Disponible", display_order 0,
 *   site_name "Site Artiste", role "user", items []);
 * - fields the Template adds later are kept (loose objects), never rejected.
 */
import * as z from "zod";

export const MASKED = "***MASKED***";
export const DEFAULT_SITE_NAME = "Site Artiste";

const isMissing = (v: unknown): boolean =>
  v === undefined || v === null || (typeof v === "string" && v.trim() === "");

/** "12.5" → 12.5; leaves anything else for the schema to judge. */
const toNumber = (v: unknown): unknown => {
  if (typeof v === "string" && v.trim() !== "") {
    const n = Number(v.trim().replace(",", "."));
    return Number.isFinite(n) ? n : v;
  }
  return v;
};

const numberMessage = (what: string) => (issue: { input?: unknown }) =>
  isMissing(issue.input) ? "required" : `must be ${what}`;

/** A required number: absent, null and "" are "required"; "abc" is "must be a number". */
const requiredNumber = () =>
  z.preprocess(
    (v) => (isMissing(v) ? undefined : toNumber(v)),
    z.number({ error: numberMessage("a number") }).refine(Number.isFinite, "must be a finite number"),
  );

const requiredId = () =>
  z.preprocess(
    (v) => (isMissing(v) ? undefined : toNumber(v)),
    z
      .number({ error: numberMessage("an integer id") })
      .int("must be an integer id")
      .nonnegative("must be ≥ 0"),
  );

/** An optional number with a default: missing → default; present but not numeric → rejected. */
const numberOr = (fallback: number, integer = false) =>
  z.preprocess(
    (v) => (isMissing(v) ? fallback : toNumber(v)),
    integer
      ? z.number({ error: numberMessage("an integer") }).int("must be an integer")
      : z.number({ error: numberMessage("a number") }),
  );

const requiredText = () =>
  z.preprocess(
    (v) => (isMissing(v) ? undefined : typeof v === "number" ? String(v) : v),
    z.string({ error: (i) => (isMissing(i.input) ? "required" : "must be text") }),
  );

/** Optional text kept as received (numbers become text); null stays null. */
const text = () =>
  z.preprocess(
    (v) => (v === undefined ? null : typeof v === "number" ? String(v) : v),
    z.string({ error: "must be text" }).nullable(),
  );

/** Optional text with a default when missing (absent, null or ""). */
const textOr = (fallback: string) =>
  z.preprocess(
    (v) => (isMissing(v) ? fallback : typeof v === "number" ? String(v) : v),
    z.string({ error: "must be text" }),
  );

export const TemplatePainting = z.looseObject({
  id: requiredId(),
  name: requiredText(),
  price: requiredNumber(),
  category: requiredText(),
  technique: textOr(""),
  year: text(),
  quantity: numberOr(1, true),
  status: textOr("Disponible"),
  image: requiredText(),
  display_order: numberOr(0, true),
  site_name: textOr(DEFAULT_SITE_NAME),
});
export type TemplatePainting = z.infer<typeof TemplatePainting>;

export const TemplateUser = z.looseObject({
  id: requiredId(),
  name: requiredText(),
  email: requiredText(),
  create_date: text(),
  role: textOr("user"),
  site_name: textOr(DEFAULT_SITE_NAME),
});
export type TemplateUser = z.infer<typeof TemplateUser>;

export const TemplateOrderItem = z.looseObject({
  painting_id: z.preprocess((v) => (isMissing(v) ? null : toNumber(v)), z.number().int().nullable()),
  name: text(),
  image: text(),
  price: numberOr(0),
  quantity: numberOr(1, true),
});
export type TemplateOrderItem = z.infer<typeof TemplateOrderItem>;

export const TemplateOrder = z.looseObject({
  id: requiredId(),
  customer_name: requiredText(),
  email: requiredText(),
  total_price: requiredNumber(),
  order_date: requiredText(),
  status: text(),
  items: z.preprocess((v) => (v === undefined || v === null ? [] : v), z.array(TemplateOrderItem)),
  site_name: textOr(DEFAULT_SITE_NAME),
});
export type TemplateOrder = z.infer<typeof TemplateOrder>;

export const TemplateExhibition = z.looseObject({
  id: requiredId(),
  title: text(),
  location: text(),
  date: text(),
  start_time: text(),
  end_time: text(),
  description: text(),
  site_name: textOr(DEFAULT_SITE_NAME),
});
export type TemplateExhibition = z.infer<typeof TemplateExhibition>;

export const TemplateCustomRequest = z.looseObject({
  id: requiredId(),
  client_name: text(),
  description: text(),
  status: text(),
  created_at: text(),
  site_name: textOr(DEFAULT_SITE_NAME),
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

/** Envelope key holding the records of each paged or listed endpoint. */
export const ENVELOPE_KEY = {
  paintings: "paintings",
  users: "users",
  orders: "orders",
  exhibitions: "exhibitions",
  custom_requests: "custom_requests",
} as const;

/** `{"paintings": [...], "count": N}` and friends: records stay unknown here, validated one by one later. */
export const listEnvelope = <K extends string>(key: K) =>
  z.looseObject({ [key]: z.array(z.unknown()), count: z.number().optional() } as Record<
    K,
    z.ZodArray<z.ZodUnknown>
  >);

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

const SENSITIVE_KEY = /secret|passw(or)?d|api[_-]?key|token|private[_-]?key|credential/i;

/**
 * A setting that must never be stored, logged or served in clear: known sensitive keys, keys that look
 * sensitive, values that look like a Stripe secret, and values the Template already masked.
 * `stripe_publishable_key` is public by design and stays readable.
 */
export const isSensitiveSetting = (key: string, value: string | null): boolean => {
  if (key === "stripe_publishable_key") return value?.startsWith("sk_") ?? false;
  if (SENSITIVE_KEY.test(key)) return true;
  if (value === null) return false;
  return value === MASKED || /^(sk|rk|whsec)_/.test(value);
};

/** zod issues as short, human reasons: `price: must be a number`. */
export const reasonsOf = (error: z.ZodError): string[] =>
  error.issues.map((i) => (i.path.length ? `${i.path.join(".")}: ${i.message}` : i.message));

/** The stable code of each reason this module words (the UI translates the code, not the English). */
const REASON_CODES: Readonly<Record<string, string>> = {
  required: "required",
  "must be text": "not_text",
  "must be a number": "not_number",
  "must be a finite number": "not_number",
  "must be an integer": "not_integer",
  "must be an integer id": "not_integer",
  "must be ≥ 0": "negative",
};

/** One reason a record was rejected, as codes: the field (`items.0.price`; "" for the record) and what. */
export const RecordIssue = z.object({ field: z.string(), code: z.string() });
export type RecordIssue = z.infer<typeof RecordIssue>;

/** zod issues as stable codes, the same reasons as `reasonsOf`; zod's own code for any other rule. */
export const issuesOf = (error: z.ZodError): RecordIssue[] =>
  error.issues.map((i) => ({ field: i.path.join("."), code: REASON_CODES[i.message] ?? i.code }));
