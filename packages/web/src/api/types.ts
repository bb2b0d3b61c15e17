/**
 * The UI's data types, derived from the server's route definitions (packages/functions/src/http): what a
 * route answers is the output of the zod schema its definition documents, and what it takes is the input
 * of its request schemas. These imports are types only: nothing of the server reaches the bundle, and a
 * field renamed or retyped on the server fails the UI's typecheck.
 */

import type * as AccessRoutes from "@dashboard/functions/http/routes/access";
import type * as ActivityRoutes from "@dashboard/functions/http/routes/activity";
import type * as AlertRoutes from "@dashboard/functions/http/routes/alerts";
import type * as ExportRoutes from "@dashboard/functions/http/routes/export";
import type * as SiteRoutes from "@dashboard/functions/http/routes/sites";
import type * as SyncRoutes from "@dashboard/functions/http/routes/sync";

export type { AccessRoutes, ActivityRoutes, AlertRoutes, SiteRoutes, SyncRoutes };

import type * as Http from "@dashboard/functions/http/schemas";
import type { z } from "zod";

type JsonSchema<C> = C extends { content: { "application/json": { schema: infer S extends z.ZodType } } }
  ? S
  : never;

/** The body of a route's success (200, 201 or 202) answer, as the client reads it; undefined for a 204. */
export type AnswerOf<R> = R extends { responses: infer Rs }
  ? [Extract<keyof Rs, 200 | 201 | 202>] extends [never]
    ? undefined
    : z.output<JsonSchema<Rs[Extract<keyof Rs, 200 | 201 | 202>]>>
  : never;

/** The path parameters a route takes. */
export type ParamsOf<R> = R extends { request: { params: infer P extends z.ZodType } } ? z.input<P> : never;

/** The JSON body a route takes. */
export type BodyOf<R> = R extends { request: { body: infer B } } ? z.input<JsonSchema<B>> : never;

/** The query string a route takes (its own names; the client leaves out empty values). */
type QueryOf<R> = R extends { request: { query: infer Q extends z.ZodType } } ? z.input<Q> : never;

export type Site = AnswerOf<typeof SiteRoutes.getSiteRoute>;
export type HealthWarning = NonNullable<Site["health"]>["warnings"][number];
export type SiteCreateInput = BodyOf<typeof SiteRoutes.createSiteRoute>;
export type SiteUpdateInput = BodyOf<typeof SiteRoutes.updateSiteRoute>;
type SiteSettings = AnswerOf<typeof SiteRoutes.siteSettingsRoute>;
export type Setting = SiteSettings["items"][number];
export type StatsPoint = SiteStats["history"][number];
export type SiteStats = AnswerOf<typeof SiteRoutes.siteStatsRoute>;
export type StatsQuery = QueryOf<typeof SiteRoutes.siteStatsRoute>;

export type Run = AnswerOf<typeof SyncRoutes.getRunRoute>;
export type EntityResult = NonNullable<Run["entities"][keyof Run["entities"]]>;
export type LogEntry = NonNullable<Run["log"]>[number];
type InvalidList = AnswerOf<typeof SyncRoutes.runInvalidRoute>;
export type InvalidRecord = InvalidList["items"][number];
export type InvalidQuery = QueryOf<typeof SyncRoutes.runInvalidRoute>;

export type Me = AnswerOf<typeof AccessRoutes.meRoute>;
type TokenList = AnswerOf<typeof AccessRoutes.listTokensRoute>;
export type TokenInfo = TokenList["items"][number];
export type TokenCreateInput = BodyOf<typeof AccessRoutes.createTokenRoute>;
type AuditList = AnswerOf<typeof AccessRoutes.auditRoute>;
export type AuditEntry = AuditList["items"][number];
export type AuditFilters = Omit<QueryOf<typeof AccessRoutes.auditRoute>, "limit" | "cursor">;
export type Role = Me["role"];

export type AlertSubscription = AnswerOf<typeof AlertRoutes.getSubscriptionRoute>;
export type AlertSubscriptionInput = BodyOf<typeof AlertRoutes.createSubscriptionRoute>;
export type AlertDelivery = AnswerOf<typeof AlertRoutes.testSubscriptionRoute>;

// The record routes are built per entity from these schemas (routes/records.ts): lists of `page(schema)`
// filtered by the entity's query, one record by `schema`.
export type Painting = z.output<typeof Http.Painting>;
export type User = z.output<typeof Http.User>;
export type Order = z.output<typeof Http.Order>;
export type OrderItem = NonNullable<Order["items"]>[number];
export type Exhibition = z.output<typeof Http.Exhibition>;
export type Facets = z.output<typeof Http.Facets>;
type Filters<Q extends z.ZodType> = Omit<z.input<Q>, "limit" | "cursor">;
export type PaintingFilters = Filters<typeof Http.PaintingsQuery>;
export type UserFilters = Filters<typeof Http.UsersQuery>;
export type OrderFilters = Filters<typeof Http.OrdersQuery>;
export type ExhibitionFilters = Filters<typeof Http.ExhibitionsQuery>;

type ActivityList = AnswerOf<typeof ActivityRoutes.listActivityRoute>;
export type ActivityEvent = ActivityList["items"][number];
export type ActivityFilters = Omit<QueryOf<typeof ActivityRoutes.listActivityRoute>, "limit" | "cursor">;
export type HistoryEntry = z.output<typeof ActivityRoutes.HistoryEntry>;

/** `{"items": [...], "next_cursor"?}`: the envelope of every list. */
export type Page<T> = { items: T[]; next_cursor?: string | null | undefined };

// ---- CSV exports (routes/export.ts): `GET /api/export/{list}.csv` --------------------------------------

type ExportRoute = (typeof ExportRoutes)[keyof typeof ExportRoutes];
/** The lists the API exports, read from the export routes' paths. */
export type ExportList = ExportRoute extends infer R
  ? R extends { path: `/api/export/${infer L}.csv` }
    ? L
    : never
  : never;
export type CsvSeparator = NonNullable<QueryOf<typeof ExportRoutes.exportOrdersRoute>["separator"]>;
