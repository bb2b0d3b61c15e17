/**
 * The HTTP shapes of the admin API, derived from core's zod schemas (STYLE.md #3): request bodies are core's
 * input schemas, responses core's output schemas, named here so the OpenAPI document shows them as
 * components. Only what exists at the HTTP layer alone is defined here: query-string coercion, path
 * parameters, list envelopes and the seed's sync summary.
 */
import {
  AuditAction as CoreAuditAction,
  AuditEntry as CoreAuditEntry,
  AuditOutcome as CoreAuditOutcome,
} from "@dashboard/core/audit";
import { Entity } from "@dashboard/core/entity";
import { Facets as CoreFacets } from "@dashboard/core/facets";
import {
  CustomRequest as CoreCustomRequest,
  Exhibition as CoreExhibition,
  Order as CoreOrder,
  Painting as CorePainting,
  User as CoreUser,
  ListFilter,
} from "@dashboard/core/record";
import { Actor as CoreActor } from "@dashboard/core/role";
import {
  EntityResult as CoreEntityResult,
  InvalidRecord as CoreInvalidRecord,
  LogEntry as CoreLogEntry,
  Run as CoreRun,
} from "@dashboard/core/run";
import { SiteSettings as CoreSiteSettings } from "@dashboard/core/settings";
import {
  CreateSite as CoreCreateSite,
  Site as CoreSite,
  UpdateSite as CoreUpdateSite,
} from "@dashboard/core/site";
import { StatsHistory as CoreStatsHistory } from "@dashboard/core/stats";
import { StartInput } from "@dashboard/core/sync";
import {
  CreateToken as CoreCreateToken,
  TokenCreated as CoreTokenCreated,
  TokenInfo as CoreTokenInfo,
} from "@dashboard/core/token";
import { z } from "@hono/zod-openapi";
import { named } from "./openapi";

// ---- components (core schemas, named) ------------------------------------------------------------------

export const Site = named(CoreSite, "Site");
export const CreateSite = named(CoreCreateSite, "CreateSite");
export const UpdateSite = named(CoreUpdateSite, "UpdateSite");
export const LogEntry = named(CoreLogEntry, "LogEntry");
export const Run = named(CoreRun, "Run");
export const InvalidRecord = named(CoreInvalidRecord, "InvalidRecord");
export const Painting = named(CorePainting, "Painting");
export const User = named(CoreUser, "User");
export const Order = named(CoreOrder, "Order");
export const Exhibition = named(CoreExhibition, "Exhibition");
export const CustomRequest = named(CoreCustomRequest, "CustomRequest");
export const SiteSettings = named(CoreSiteSettings, "SiteSettings");
export const StatsHistory = named(CoreStatsHistory, "StatsHistory");
export const Facets = named(CoreFacets, "Facets");

// ---- query strings ------------------------------------------------------------------------------------

/** `limit`: 1..200, default 50 (core's ListFilter bounds, coerced from the query string). */
export const DEFAULT_LIMIT = 50;
const Limit = z.coerce
  .number()
  .pipe(ListFilter.shape.limit)
  .default(DEFAULT_LIMIT)
  .openapi({ type: "integer", minimum: 1, maximum: 200, default: DEFAULT_LIMIT });

const Cursor = z
  .string()
  .min(1)
  .max(2048)
  .optional()
  .openapi({ description: "Opaque: the `next_cursor` of the previous page, with the same filters." });

/** `true`/`false` (also `1`/`0`, `yes`/`no`, `on`/`off`) in a query string. */
const BooleanQuery = z.stringbool().optional().openapi({ type: "boolean" });

export const Paging = z.object({ limit: Limit, cursor: Cursor });

/** A filter value from the query string, with core's meaning (case-insensitive equality, or search for `q`). */
const text = (description: string) => z.string().max(200).optional().openapi({ description });

const SiteFilter = text("Only this site's records");
const IncludeDeleted = BooleanQuery.openapi({
  type: "boolean",
  description: "Also list records that disappeared from the Template (they carry `deleted_at`)",
});

const QualityFilter = z.enum(ListFilter.shape.quality.unwrap().options).optional().openapi({
  description:
    "`flagged`: only records stored with data-quality codes (a required field not set at the Template); `complete`: only the others",
});

export const PaintingsQuery = Paging.extend({
  site_id: SiteFilter,
  status: text("Painting status, any case (`disponible`, `vendu`...); a status not set matches no value"),
  category: text("Category, any case"),
  q: text("Searches name, category, technique and year"),
  include_deleted: IncludeDeleted,
  quality: QualityFilter,
  sort: z.enum(ListFilter.shape.sort.unwrap().options).optional().openapi({
    description:
      "`recent` (default): newest id first; `artist`: the artist's own order (`display_order` DESC, then id DESC, a display_order not set first), one site at a time (needs `site_id`)",
  }),
});
export const FacetsQuery = z.object({ site_id: SiteFilter });
export const UsersQuery = Paging.extend({
  site_id: SiteFilter,
  role: text("`admin`, `user`..., any case"),
  q: text("Searches name and email"),
  include_deleted: IncludeDeleted,
  quality: QualityFilter,
});
export const OrdersQuery = Paging.extend({
  site_id: SiteFilter,
  status: text("Order status, any case"),
  from: text("Orders on or after this date (`2025-03-01` or ISO)"),
  to: text("Orders on or before this date (a bare date includes the whole day)"),
  include_deleted: IncludeDeleted,
  quality: QualityFilter,
});
export const ExhibitionsQuery = Paging.extend({
  site_id: SiteFilter,
  include_deleted: IncludeDeleted,
  quality: QualityFilter,
});
export const CustomRequestsQuery = Paging.extend({
  site_id: SiteFilter,
  status: text("Request status, any case"),
  q: text("Searches client name and description"),
  include_deleted: IncludeDeleted,
  quality: QualityFilter,
});

export const RunsQuery = Paging.extend({ site_id: text("Only this site's runs") });
export const InvalidQuery = Paging.extend({ entity: Entity.optional() });
export const StatsQuery = z.object({
  from: text("History from this instant (ISO or `2025-03-01`)"),
  to: text("History up to this instant (a bare date includes the whole day)"),
});

/** `wait`: seconds to wait for the run to finish, 0..25 (API Gateway answers within 30 s). */
export const MAX_WAIT_SECONDS = 25;
export const SyncQuery = z.object({
  wait: z.coerce
    .number()
    .min(0)
    .max(MAX_WAIT_SECONDS)
    .default(0)
    .openapi({ type: "number", minimum: 0, maximum: MAX_WAIT_SECONDS, default: 0 }),
});

// ---- path parameters ----------------------------------------------------------------------------------

const pathParam = <T extends z.ZodType>(name: string, schema: T): T =>
  schema.openapi({ param: { name, in: "path" } });

const SiteIdParam = pathParam("site_id", z.string().min(1).max(128));
export const SiteParams = z.object({ site_id: SiteIdParam });
export const RunParams = z.object({ run_id: pathParam("run_id", z.string().min(1).max(128)) });
export const RecordParams = z.object({
  site_id: SiteIdParam,
  id: z.coerce
    .number()
    .int()
    .nonnegative()
    .max(Number.MAX_SAFE_INTEGER)
    .openapi({ param: { name: "id", in: "path", required: true }, type: "integer", minimum: 0 }),
});

// ---- bodies and responses ------------------------------------------------------------------------------

export const SyncBody = z
  .object({ entities: StartInput.shape.entities })
  .strict()
  .openapi("SyncRequest", { description: "Which entities to sync; all when absent." });

export const page = <T extends z.ZodType>(item: T) =>
  z.object({
    items: z.array(item),
    next_cursor: z.string().optional().openapi({ description: "Absent on the last page" }),
  });

export const SiteList = z.object({ items: z.array(Site) }).openapi("SiteList");
export const SiteCreated = z
  .object({
    site: Site,
    webhook_secret: z.string().openapi({ description: "Shown this once; sign webhooks with it" }),
  })
  .openapi("SiteCreated");
export const WebhookSecret = z.object({ webhook_secret: z.string() }).openapi("WebhookSecret");
export const Health = z.object({ status: z.literal("ok") }).openapi("Health");

export const SyncAccepted = z
  .object({
    run_id: CoreRun.shape.run_id,
    status: z.enum(["queued", "running"]),
    entities: z.array(Entity),
  })
  .openapi("SyncAccepted");

const EntitySummary = z.object({
  success: z.boolean(),
  count: z.number().int(),
  status: CoreEntityResult.shape.status,
  error: CoreEntityResult.shape.error,
});
const StatsSummary = z.object({
  success: z.boolean(),
  data: z.record(z.string(), z.unknown()),
  status: CoreEntityResult.shape.status,
  error: CoreEntityResult.shape.error,
});

/** The seed's answer to a manual sync (seed §4.1), for a run that finished within `wait`. */
export const SyncSummary = z
  .object({
    success: z.boolean(),
    timestamp: z.string(),
    run_id: CoreRun.shape.run_id,
    status: CoreRun.shape.status,
    summary: z.object({
      paintings: EntitySummary.optional(),
      users: EntitySummary.optional(),
      orders: EntitySummary.optional(),
      settings: EntitySummary.optional(),
      exhibitions: EntitySummary.optional(),
      custom_requests: EntitySummary.optional(),
      stats: StatsSummary.optional(),
    }),
    log: z.array(LogEntry),
  })
  .openapi("SyncSummary");
export type SyncSummary = z.infer<typeof SyncSummary>;

// ---- access: tokens, the caller, the audit log ------------------------------------------------------

export const TokenInfo = named(CoreTokenInfo, "Token");
export const CreateToken = named(CoreCreateToken, "CreateToken");
export const TokenCreated = named(CoreTokenCreated, "TokenCreated");
export const TokenList = z.object({ items: z.array(TokenInfo) }).openapi("TokenList");
export const TokenParams = z.object({ token_id: pathParam("token_id", z.string().min(1).max(64)) });
export const Me = named(
  CoreActor.extend({ expires_at: z.string().optional().describe("When this token stops working, if ever") }),
  "Me",
);
export const AuditEntry = named(CoreAuditEntry, "AuditEntry");
export const AuditQuery = Paging.extend({
  actor: text("A token id or a token name (exact)"),
  action: CoreAuditAction.optional(),
  site_id: text("Only entries about this site"),
  outcome: CoreAuditOutcome.optional(),
  from: z.iso.datetime({ offset: true }).optional().openapi({ description: "Entries at or after (ISO)" }),
  to: z.iso.datetime({ offset: true }).optional().openapi({ description: "Entries at or before (ISO)" }),
});
