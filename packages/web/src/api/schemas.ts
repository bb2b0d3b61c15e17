/**
 * The Dashboard HTTP API as the UI reads it (shared/API-CONTRACT.md), as zod schemas: the only source of the
 * UI's data types. Every response is parsed at the boundary (api/client.ts), so a screen never renders a
 * shape it does not understand. The schemas are deliberately tolerant where the contract allows growth:
 * objects are loose (new fields are kept), statuses are strings (a new status shows as a neutral badge
 * instead of breaking the page), and record fields are the Template's own, so mostly optional.
 */
import { z } from "zod";

/** Counters default to 0: a pending entity may not report them yet. */
const count = z.number().default(0);
/** Prices and totals may arrive as numbers or numeric text (TEMPLATE-API.md). */
const numeric = z.union([z.number(), z.string()]).nullish();
const text = z.string().nullish();
const id = z.union([z.string(), z.number()]);

export const ErrorBody = z.object({
  error: z.object({
    code: z.string(),
    /** The specific cause when the API gives one (`site_exists`, `invalid_cursor`, ...). */
    reason: z.string().optional(),
    message: z.string(),
    details: z.unknown().optional(),
  }),
});

/** `details.issues` of a 400 `invalid_request`: which field failed and why (values are never echoed). */
export const ValidationIssues = z.object({
  issues: z.array(z.object({ location: z.string().optional(), path: z.string(), message: z.string() })),
});
export type ErrorBody = z.infer<typeof ErrorBody>;

export const Health = z.object({ status: z.string() });

export const Entity = z.enum([
  "paintings",
  "users",
  "orders",
  "settings",
  "exhibitions",
  "stats",
  "custom_requests",
]);
export type Entity = z.infer<typeof Entity>;
/** The order a run processes its entities, and the order the UI lists them in. */
export const ENTITY_ORDER: readonly string[] = Entity.options;

/** An entity's error; `entity` on a site's last run. */
const RunError = z.looseObject({ code: z.string(), message: z.string(), entity: text });

export const LastRun = z.looseObject({
  run_id: z.string(),
  status: z.string(),
  finished_at: text,
  /** The run waits to try an entity again. */
  retrying: z.boolean().nullish(),
  error: RunError.nullish(),
});
export type LastRun = z.infer<typeof LastRun>;

/** What the last settings sync noticed about a Template's security: codes, key names and what to do. */
export const HealthWarning = z.looseObject({
  code: z.string(),
  message: z.string(),
  action: text,
  keys: z.array(z.string()).default([]),
  detected_at: text,
});
export type HealthWarning = z.infer<typeof HealthWarning>;

export const Site = z.looseObject({
  id: z.string(),
  name: z.string(),
  template_url: z.string(),
  enabled: z.boolean(),
  created_at: z.string(),
  api_key_last4: text,
  last_run: LastRun.nullish(),
  counts: z.record(z.string(), z.number()).nullish(),
  /** When each entity last synced successfully (its last complete scan). */
  last_synced_at: z.record(z.string(), z.string()).nullish(),
  health: z.looseObject({ warnings: z.array(HealthWarning).default([]), checked_at: text }).nullish(),
});
export type Site = z.infer<typeof Site>;

export const SiteList = z.object({ items: z.array(Site), next_cursor: text });

/** Client-side checks of the site form, mirroring the contract (the server stays the judge). */
export const httpUrl = z
  .string()
  .trim()
  .min(1, "required")
  .refine((value) => {
    try {
      const url = new URL(value);
      return (url.protocol === "http:" || url.protocol === "https:") && url.hostname !== "";
    } catch {
      return false;
    }
  }, "url");

/** The API's site id rule: a slug of 2 to 64 lowercase letters, digits and inner dashes. */
export const SiteSlug = z
  .string()
  .trim()
  .min(2, "slug")
  .max(64, "slug")
  .regex(/^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$/, "slug");

export const SiteCreateInput = z.object({
  name: z.string().trim().min(1, "required").max(200, "too_long"),
  template_url: httpUrl,
  api_key: z.string().trim().min(1, "required"),
  id: SiteSlug.optional(),
  enabled: z.boolean().optional(),
});
export type SiteCreateInput = z.infer<typeof SiteCreateInput>;

export const SiteUpdateInput = z.object({
  name: z.string().trim().min(1, "required").max(200, "too_long").optional(),
  template_url: httpUrl.optional(),
  api_key: z.string().trim().min(1, "required").optional(),
  enabled: z.boolean().optional(),
});
export type SiteUpdateInput = z.infer<typeof SiteUpdateInput>;

export const SiteCreated = z.object({ site: Site, webhook_secret: z.string() });
export type SiteCreated = z.infer<typeof SiteCreated>;

export const WebhookSecret = z.object({ webhook_secret: z.string() });

/** 202 `{run_id, status}`, or 200 with the seed's summary when the run finished within `wait`. */
export const SyncStarted = z.looseObject({
  run_id: z.string(),
  status: z.string().optional(),
  success: z.boolean().optional(),
});
export type SyncStarted = z.infer<typeof SyncStarted>;

export const EntityResult = z.looseObject({
  status: z.string(),
  fetched: count,
  valid: count,
  /** Of `valid`, the records stored with data-quality codes. */
  flagged: count,
  /** Quarantined, not stored (`invalid` is its older name). */
  rejected: count,
  invalid: count,
  written: count,
  unchanged: count,
  deleted: count,
  pages: count,
  duration_ms: z.number().nullish(),
  error: RunError.nullish(),
  /** While `retrying`: the failed attempt, out of how many, and when the next one starts. */
  attempt: z.number().nullish(),
  max_attempts: z.number().nullish(),
  next_attempt_at: text,
  deletions_withheld: RunError.nullish(),
});
export type EntityResult = z.infer<typeof EntityResult>;

export const LogEntry = z.looseObject({
  entity: text,
  level: z.string(),
  message: z.string(),
  timestamp: z.string(),
  /** What happened as a stable code, worded in the reader's language from `params` (lib/codes.ts). */
  code: text,
  params: z.record(z.string(), z.union([z.string(), z.number()])).nullish(),
});
export type LogEntry = z.infer<typeof LogEntry>;

export const Run = z.looseObject({
  run_id: z.string(),
  site_id: z.string(),
  trigger: z.string(),
  status: z.string(),
  success: z.boolean().nullish(),
  started_at: z.string(),
  finished_at: text,
  entities: z.record(z.string(), EntityResult).default({}),
  cancel_requested_at: text,
  joined: z.array(z.looseObject({ trigger: z.string(), at: z.string() })).nullish(),
  log: z.array(LogEntry).nullish(),
});
export type Run = z.infer<typeof Run>;

export const RunList = z.object({ items: z.array(Run), next_cursor: text });

export const InvalidRecord = z.looseObject({
  entity: z.string(),
  record_id: id.nullish(),
  reasons: z.array(z.unknown()).default([]),
  /** The reasons as codes (`{field, code}`), when the server gives them. */
  raw: z.unknown().optional(),
});
export type InvalidRecord = z.infer<typeof InvalidRecord>;

export const InvalidList = z.object({ items: z.array(InvalidRecord), next_cursor: text });

/** What every synced record carries besides the Template's own fields. */
const Provenance = {
  id,
  site_id: z.string(),
  template_url: text,
  sync_timestamp: text,
  site_name: text,
  deleted_at: text,
  /** Data-quality codes (`category_missing`...): a record with any is "flagged", stored and shown. */
  quality: z.array(z.string()).default([]),
};

export const Painting = z.looseObject({
  ...Provenance,
  name: text,
  price: numeric,
  category: text,
  technique: text,
  year: z.union([z.string(), z.number()]).nullish(),
  quantity: numeric,
  status: text,
  image: text,
  image_url: text,
  display_order: numeric,
});
export type Painting = z.infer<typeof Painting>;

export const User = z.looseObject({
  ...Provenance,
  name: text,
  email: text,
  create_date: text,
  role: text,
});
export type User = z.infer<typeof User>;

export const OrderItem = z.looseObject({
  painting_id: id.nullish(),
  name: text,
  image: text,
  price: numeric,
  quantity: numeric,
});
export type OrderItem = z.infer<typeof OrderItem>;

export const Order = z.looseObject({
  ...Provenance,
  customer_name: text,
  email: text,
  total_price: numeric,
  order_date: text,
  status: text,
  items: z.array(OrderItem).nullish(),
});
export type Order = z.infer<typeof Order>;

export const Exhibition = z.looseObject({
  ...Provenance,
  title: text,
  location: text,
  date: text,
  start_time: text,
  end_time: text,
  description: text,
});
export type Exhibition = z.infer<typeof Exhibition>;

/** The filter values present in a list (`GET /api/<entity>/facets`): folded value, usual spelling, count. */
export const Facets = z.object({
  facets: z.record(
    z.string(),
    z.array(z.object({ value: z.string(), label: z.string(), count: z.number() })),
  ),
  complete: z.boolean().optional(),
});
export type Facets = z.infer<typeof Facets>;

/** `{"items": [...], "next_cursor"?}`: the envelope of every list. */
export const page = <T extends z.ZodType>(item: T) => z.object({ items: z.array(item), next_cursor: text });
export type Page<T> = { items: T[]; next_cursor?: string | null | undefined };

/** A setting; `masked` (value null) when the Template sent it masked or it looks like a secret. */
export const Setting = z.looseObject({
  key: z.string(),
  value: z.unknown(),
  masked: z.boolean().optional(),
  sync_timestamp: text,
});
export type Setting = z.infer<typeof Setting>;

export const SiteSettings = z.looseObject({
  items: z.array(Setting),
  site_name: text,
  site_logo: text,
  stripe_publishable_key: text,
  saas_site_price_cache: numeric,
});
export type SiteSettings = z.infer<typeof SiteSettings>;

export const StatsPoint = z.looseObject({ timestamp: z.string(), data: z.record(z.string(), z.unknown()) });
export type StatsPoint = z.infer<typeof StatsPoint>;

export const SiteStats = z.looseObject({
  latest: z.record(z.string(), z.unknown()).nullish(),
  history: z.array(StatsPoint).default([]),
});
export type SiteStats = z.infer<typeof SiteStats>;

// ---- access: the caller, named tokens, the audit log -----------------------------------------------------

export const Role = z.enum(["viewer", "operator", "owner"]);
export type Role = z.infer<typeof Role>;

export const Me = z.looseObject({ token_id: z.string(), name: z.string(), role: Role, expires_at: text });
export type Me = z.infer<typeof Me>;

export const TokenInfo = z.looseObject({
  token_id: z.string(),
  name: z.string(),
  role: z.string(),
  status: z.string(),
  created_at: z.string(),
  created_by: z.string(),
  expires_at: text,
  last_used_at: text,
  revoked_at: text,
  revoked_by: text,
});
export type TokenInfo = z.infer<typeof TokenInfo>;
export const TokenList = z.object({ items: z.array(TokenInfo) });
export const TokenCreated = z.object({ token: z.string(), info: TokenInfo });

/** The token form: a name (the person or the script), a role, an optional expiry (a day, inclusive). */
export const TokenCreateInput = z.object({
  name: z.string().trim().min(1, "required").max(100, "too_long"),
  role: Role,
  expires_at: z.string().optional(),
});
export type TokenCreateInput = z.infer<typeof TokenCreateInput>;

export const AuditEntry = z.looseObject({
  audit_id: z.string(),
  at: z.string(),
  actor: z.looseObject({ token_id: z.string(), name: z.string(), role: z.string() }),
  action: z.string(),
  target: z.looseObject({ type: z.string(), id: z.string() }).nullish(),
  site_id: text,
  fields: z.array(z.string()).nullish(),
  outcome: z.string(),
  status: z.number(),
  reason: text,
  ip: text,
  forwarded_for: text,
  user_agent: text,
});
export type AuditEntry = z.infer<typeof AuditEntry>;
export const AuditList = page(AuditEntry);
