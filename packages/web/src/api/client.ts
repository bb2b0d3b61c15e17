/**
 * The UI's only way to the Dashboard API (shared/API-CONTRACT.md): same origin under `/api` unless
 * `VITE_API_URL` says otherwise, `Authorization: Bearer <admin token>`, JSON both ways (transport.ts). What
 * each call takes and answers is typed from the server's route definitions (api/types.ts); the server
 * validates both sides, so an answer is not parsed again here. Every failure becomes an `ApiError` with a stable `code`:
 * - the API's own `{"error": {"code", "message", "details"}}` codes (`not_found`, `unauthorized`, ...);
 * - `http_<status>` when an error response is not in that shape (a proxy page, for instance);
 * - `network_error` when the server cannot be reached; `bad_response` when a success is not JSON.
 * A 401 also calls `onUnauthorized`, which ends the session. The token is sent, never logged or kept here.
 */

import { type ApiOptions, createTransport, type Query, seg } from "./transport";
import type {
  AccessRoutes,
  ActivityFilters,
  ActivityRoutes,
  AlertRoutes,
  AlertSubscriptionInput,
  AuditFilters,
  BodyOf,
  Exhibition,
  ExhibitionFilters,
  Facets,
  HistoryEntry,
  InvalidQuery,
  Order,
  OrderFilters,
  Page,
  Painting,
  PaintingFilters,
  SiteCreateInput,
  SiteRoutes,
  SiteUpdateInput,
  StatsQuery,
  SyncRoutes,
  TokenCreateInput,
  User,
  UserFilters,
} from "./types";

export { ApiError, type ApiOptions, buildUrl, type Query } from "./transport";

/** Cursor paging: `limit` 1..200 (the API's default is 50), `cursor` opaque. */
export interface PageQuery {
  limit?: number;
  cursor?: string | undefined;
  signal?: AbortSignal | undefined;
}

/** `flagged`: records stored with data-quality codes only; `complete`: the others. */
export type QualityFilter = NonNullable<PaintingFilters["quality"]>;
export type { AuditFilters, ExhibitionFilters, OrderFilters, PaintingFilters, UserFilters };

const clampLimit = (limit: number | undefined): number | undefined =>
  limit === undefined ? undefined : Math.min(200, Math.max(1, Math.trunc(limit)));

/** How many of the newest runs the live probe watches: a run started anywhere is first among them. */
const PULSE_RUNS = 10;

export function createApi(options: ApiOptions) {
  const { exportCsv, call, answer, get } = createTransport(options);

  const pageOf = (paging: PageQuery) => ({ limit: clampLimit(paging.limit), cursor: paging.cursor });

  // The record routes are built per entity on the server (routes/records.ts): their answers are typed from
  // the schemas those routes use (api/types.ts).
  const list = <T>(path: string, filters: object, paging: PageQuery) =>
    get<Page<T>>(path, paging.signal, { ...(filters as Query), ...pageOf(paging) });
  return {
    exportCsv,
    health: (signal?: AbortSignal) => get<{ status: string }>("/health", signal),

    listSites: (signal?: AbortSignal) =>
      answer(call<typeof SiteRoutes.listSitesRoute>("GET", "/api/sites", { signal })),
    getSite: (siteId: string, signal?: AbortSignal) =>
      answer(
        call<typeof SiteRoutes.getSiteRoute>("GET", "/api/sites/{site_id}", {
          params: { site_id: siteId },
          signal,
        }),
      ),
    createSite: (input: SiteCreateInput) =>
      answer(call<typeof SiteRoutes.createSiteRoute>("POST", "/api/sites", { body: input })),
    updateSite: (siteId: string, patch: SiteUpdateInput) =>
      answer(
        call<typeof SiteRoutes.updateSiteRoute>("PATCH", "/api/sites/{site_id}", {
          params: { site_id: siteId },
          body: patch,
        }),
      ),
    deleteSite: (siteId: string) =>
      answer(
        call<typeof SiteRoutes.deleteSiteRoute>("DELETE", "/api/sites/{site_id}", {
          params: { site_id: siteId },
        }),
      ),
    rotateWebhookSecret: (siteId: string) =>
      answer(
        call<typeof SiteRoutes.rotateWebhookSecretRoute>("POST", "/api/sites/{site_id}/webhook-secret", {
          params: { site_id: siteId },
        }),
      ),

    syncSite: (siteId: string, entities?: string[]) =>
      answer(
        call<typeof SyncRoutes.manualSyncRoute>("POST", "/api/sync/template/{site_id}", {
          params: { site_id: siteId },
          body:
            entities && entities.length > 0
              ? ({ entities } as BodyOf<typeof SyncRoutes.manualSyncRoute>)
              : undefined,
        }),
      ),
    listRuns: (filters: { site_id?: string | undefined }, paging: PageQuery = {}) =>
      answer(
        call<typeof SyncRoutes.listRunsRoute>("GET", "/api/sync/runs", {
          query: { ...filters, ...pageOf(paging) },
          signal: paging.signal,
        }),
      ),
    /**
     * The live-refresh probe: the newest runs of every site, asked conditionally. `notModified` means no run
     * started, progressed or ended since the last probe (the server answered 304, with no body).
     */
    pulse: (signal?: AbortSignal) =>
      call<typeof SyncRoutes.listRunsRoute>("GET", "/api/sync/runs", {
        query: { limit: PULSE_RUNS },
        signal,
      }),
    getRun: (runId: string, signal?: AbortSignal) =>
      answer(
        call<typeof SyncRoutes.getRunRoute>("GET", "/api/sync/runs/{run_id}", {
          params: { run_id: runId },
          signal,
        }),
      ),
    cancelRun: (runId: string) =>
      answer(
        call<typeof SyncRoutes.cancelRunRoute>("POST", "/api/sync/runs/{run_id}/cancel", {
          params: { run_id: runId },
        }),
      ),
    listInvalid: (runId: string, filters: Pick<InvalidQuery, "entity">, paging: PageQuery = {}) =>
      answer(
        call<typeof SyncRoutes.runInvalidRoute>("GET", "/api/sync/runs/{run_id}/invalid", {
          params: { run_id: runId },
          query: { ...filters, ...pageOf(paging) },
          signal: paging.signal,
        }),
      ),

    listPaintings: (filters: PaintingFilters, paging: PageQuery = {}) =>
      list<Painting>("/paintings", filters, paging),
    listUsers: (filters: UserFilters, paging: PageQuery = {}) => list<User>("/users", filters, paging),
    listOrders: (filters: OrderFilters, paging: PageQuery = {}) => list<Order>("/orders", filters, paging),
    listExhibitions: (filters: ExhibitionFilters, paging: PageQuery = {}) =>
      list<Exhibition>("/exhibitions", filters, paging),

    facets: (entity: "paintings" | "users" | "orders", siteId: string | undefined, signal?: AbortSignal) =>
      get<Facets>(`/${entity}/facets`, signal, { site_id: siteId }),
    getPainting: (siteId: string, id: string, signal?: AbortSignal) =>
      get<Painting>(`/sites/${seg(siteId)}/paintings/${seg(id)}`, signal),
    getUser: (siteId: string, id: string, signal?: AbortSignal) =>
      get<User>(`/sites/${seg(siteId)}/users/${seg(id)}`, signal),
    getOrder: (siteId: string, id: string, signal?: AbortSignal) =>
      get<Order>(`/sites/${seg(siteId)}/orders/${seg(id)}`, signal),
    me: (signal?: AbortSignal) => answer(call<typeof AccessRoutes.meRoute>("GET", "/api/me", { signal })),
    listTokens: (signal?: AbortSignal) =>
      answer(call<typeof AccessRoutes.listTokensRoute>("GET", "/api/tokens", { signal })),
    createToken: (input: TokenCreateInput) =>
      answer(call<typeof AccessRoutes.createTokenRoute>("POST", "/api/tokens", { body: input })),
    revokeToken: (tokenId: string) =>
      answer(
        call<typeof AccessRoutes.revokeTokenRoute>("DELETE", "/api/tokens/{token_id}", {
          params: { token_id: tokenId },
        }),
      ),
    listAudit: (filters: AuditFilters, paging: PageQuery = {}) =>
      answer(
        call<typeof AccessRoutes.auditRoute>("GET", "/api/audit", {
          query: { ...filters, ...pageOf(paging) },
          signal: paging.signal,
        }),
      ),

    /** Events across sites, newest first; several kinds go as one comma-separated `kind`. */
    listActivity: (filters: ActivityFilters, paging: PageQuery = {}) =>
      answer(
        call<typeof ActivityRoutes.listActivityRoute>("GET", "/api/activity", {
          query: {
            ...filters,
            kind: Array.isArray(filters.kind) ? filters.kind.join(",") : filters.kind,
            ...pageOf(paging),
          },
          signal: paging.signal,
        }),
      ),
    /** One record's history, newest first (`/api/sites/{site_id}/<entity>/{id}/history`). */
    listHistory: (
      entity: "paintings" | "users" | "orders",
      siteId: string,
      id: string,
      paging: PageQuery = {},
    ) => list<HistoryEntry>(`/sites/${seg(siteId)}/${entity}/${seg(id)}/history`, {}, paging),
    listAlerts: (signal?: AbortSignal) =>
      answer(call<typeof AlertRoutes.listSubscriptionsRoute>("GET", "/api/alerts/subscriptions", { signal })),
    createAlert: (input: AlertSubscriptionInput) =>
      answer(
        call<typeof AlertRoutes.createSubscriptionRoute>("POST", "/api/alerts/subscriptions", {
          body: input,
        }),
      ),
    deleteAlert: (id: string) =>
      answer(
        call<typeof AlertRoutes.deleteSubscriptionRoute>(
          "DELETE",
          "/api/alerts/subscriptions/{subscription_id}",
          {
            params: { subscription_id: id },
          },
        ),
      ),
    testAlert: (id: string) =>
      answer(
        call<typeof AlertRoutes.testSubscriptionRoute>(
          "POST",
          "/api/alerts/subscriptions/{subscription_id}/test",
          {
            params: { subscription_id: id },
          },
        ),
      ),
    listAlertDeliveries: (id: string, signal?: AbortSignal) =>
      answer(
        call<typeof AlertRoutes.listDeliveriesRoute>(
          "GET",
          "/api/alerts/subscriptions/{subscription_id}/deliveries",
          { params: { subscription_id: id }, query: { limit: 20 }, signal },
        ),
      ),
    listOutbox: (signal?: AbortSignal) =>
      answer(
        call<typeof AlertRoutes.outboxRoute>("GET", "/api/alerts/outbox", { query: { limit: 20 }, signal }),
      ),

    getSettings: (siteId: string, signal?: AbortSignal) =>
      answer(
        call<typeof SiteRoutes.siteSettingsRoute>("GET", "/api/sites/{site_id}/settings", {
          params: { site_id: siteId },
          signal,
        }),
      ),
    getStats: (siteId: string, range: Pick<StatsQuery, "from" | "to"> = {}, signal?: AbortSignal) =>
      answer(
        call<typeof SiteRoutes.siteStatsRoute>("GET", "/api/sites/{site_id}/stats", {
          params: { site_id: siteId },
          query: { ...range },
          signal,
        }),
      ),
  };
}

export type Api = ReturnType<typeof createApi>;

/**
 * The API base baked in at build time (`VITE_API_URL`), "" meaning same origin. Routes are under `/api`, so
 * a value given with a trailing `/api` is accepted too.
 */
export const configuredBaseUrl = (env: { VITE_API_URL?: string | undefined }): string =>
  (env.VITE_API_URL ?? "")
    .trim()
    .replace(/\/+$/, "")
    .replace(/\/api$/, "");
