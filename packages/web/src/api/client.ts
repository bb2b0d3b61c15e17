/**
 * The UI's only way to the Dashboard API (shared/API-CONTRACT.md): same origin under `/api` unless
 * `VITE_API_URL` says otherwise, `Authorization: Bearer <admin token>`, JSON both ways. What each call takes
 * and answers is typed from the server's route definitions (api/types.ts); the server validates both sides,
 * so an answer is not parsed again here. Every failure becomes an `ApiError` with a stable `code`:
 * - the API's own `{"error": {"code", "message", "details"}}` codes (`not_found`, `unauthorized`, ...);
 * - `http_<status>` when an error response is not in that shape (a proxy page, for instance);
 * - `network_error` when the server cannot be reached; `bad_response` when a success is not JSON.
 * A 401 also calls `onUnauthorized`, which ends the session. The token is sent, never logged or kept here.
 */
import { ErrorBody } from "./schemas";
import type {
  AccessRoutes,
  ActivityFilters,
  ActivityRoutes,
  AlertRoutes,
  AlertSubscriptionInput,
  AnswerOf,
  AuditFilters,
  BodyOf,
  CsvSeparator,
  Exhibition,
  ExhibitionFilters,
  ExportList,
  Facets,
  HistoryEntry,
  InvalidQuery,
  Order,
  OrderFilters,
  Page,
  Painting,
  PaintingFilters,
  ParamsOf,
  SiteCreateInput,
  SiteRoutes,
  SiteUpdateInput,
  StatsQuery,
  SyncRoutes,
  TokenCreateInput,
  User,
  UserFilters,
} from "./types";

export class ApiError extends Error {
  override readonly name = "ApiError";
  constructor(
    /** HTTP status; 0 when no response arrived. */
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
    /** The API's specific cause, when it gives one (`site_exists`, `invalid_cursor`...). */
    readonly reason?: string,
  ) {
    super(message);
  }
}

const isAbort = (error: unknown): boolean =>
  error instanceof DOMException
    ? error.name === "AbortError"
    : (error as { name?: unknown })?.name === "AbortError";

type QueryValue = string | number | boolean | null | undefined;
export type Query = Record<string, QueryValue>;

/** `base + path + ?query`, leaving out empty values so that "no filter" means "not sent". */
export function buildUrl(base: string, path: string, query?: Query): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query ?? {})) {
    if (value === undefined || value === null) continue;
    const text = String(value);
    if (text.trim() === "") continue;
    params.append(key, text);
  }
  const qs = params.toString();
  return `${base.replace(/\/+$/, "")}${path}${qs ? `?${qs}` : ""}`;
}

export interface ApiOptions {
  /** "" for same origin; otherwise an absolute origin such as `https://dashboard.example.com`. */
  baseUrl: string;
  getToken: () => string | null;
  onUnauthorized?: (error: ApiError) => void;
  fetch?: typeof fetch;
}

interface RequestOptions {
  query?: Query | undefined;
  body?: unknown;
  signal?: AbortSignal | undefined;
}

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

const seg = (value: string): string => encodeURIComponent(value);

/** How many of the newest runs the live probe watches: a run started anywhere is first among them. */
const PULSE_RUNS = 10;

/** How many GET answers are kept with their ETag for conditional requests. */
const VALIDATORS_KEPT = 64;

/** The answer to a request and whether the server said it had not changed (304). */
export interface Answer<T> {
  data: T;
  notModified: boolean;
}

export function createApi(options: ApiOptions) {
  const doFetch = options.fetch ?? ((input: RequestInfo | URL, init?: RequestInit) => fetch(input, init));
  // The last answer of each GET URL with its ETag: asking again sends `If-None-Match`, and a 304 (no body)
  // reuses the kept text. Oldest first, so the map is trimmed from its start.
  const validators = new Map<string, { etag: string; raw: string }>();

  /** The `ApiError` of a failed answer (its parsed body, if JSON); a 401 also ends the session. */
  function failure(response: Response, json: unknown): ApiError {
    const envelope = json === undefined ? undefined : ErrorBody.safeParse(json);
    const error = envelope?.success
      ? new ApiError(
          response.status,
          envelope.data.error.code,
          envelope.data.error.message,
          envelope.data.error.details,
          envelope.data.error.reason,
        )
      : new ApiError(
          response.status,
          `http_${response.status}`,
          response.statusText || `HTTP ${response.status}`,
        );
    if (response.status === 401) options.onUnauthorized?.(error);
    return error;
  }

  const authHeaders = (accept: string): Record<string, string> => {
    const token = options.getToken();
    return token ? { Accept: accept, Authorization: `Bearer ${token}` } : { Accept: accept };
  };

  const send = async (url: string, init: RequestInit): Promise<Response> => {
    try {
      return await doFetch(url, { ...init, credentials: "same-origin", cache: "no-store" });
    } catch (error) {
      if (isAbort(error)) throw error;
      throw new ApiError(0, "network_error", error instanceof Error ? error.message : "Network error");
    }
  };

  /**
   * A list as a CSV file (`GET /api/export/{list}.csv`, the list's filters and the separator): the whole
   * answer as a Blob (its bytes as sent, BOM included) and the file name the server gave it.
   */
  async function exportCsv(
    list: ExportList,
    filters: Query,
    separator: CsvSeparator,
    signal?: AbortSignal,
  ): Promise<{ blob: Blob; filename: string }> {
    const url = buildUrl(options.baseUrl, `/api/export/${list}.csv`, { ...filters, separator });
    const response = await send(url, {
      method: "GET",
      headers: authHeaders("text/csv"),
      signal: signal ?? null,
    });
    if (!response.ok) {
      const raw = await response.text();
      let json: unknown;
      try {
        json = JSON.parse(raw);
      } catch {
        json = undefined;
      }
      throw failure(response, json);
    }
    const disposition = response.headers.get("Content-Disposition") ?? "";
    const filename = /filename="([^"]+)"/.exec(disposition)?.[1] ?? `${list}.csv`;
    return { blob: await response.blob(), filename };
  }

  async function exchange<T>(
    method: string,
    path: string,
    { query, body, signal }: RequestOptions = {},
  ): Promise<Answer<T>> {
    const headers: Record<string, string> = { Accept: "application/json" };
    const token = options.getToken();
    if (token) headers.Authorization = `Bearer ${token}`;
    if (body !== undefined) headers["Content-Type"] = "application/json";
    const url = buildUrl(options.baseUrl, `/api${path}`, query);
    const kept = method === "GET" ? validators.get(url) : undefined;
    if (kept) headers["If-None-Match"] = kept.etag;

    let response: Response;
    try {
      response = await doFetch(url, {
        method,
        headers,
        body: body === undefined ? null : JSON.stringify(body),
        signal: signal ?? null,
        credentials: "same-origin",
        // The answers are revalidated here, with the kept ETag; the browser's cache would do it a second time.
        cache: "no-store",
      });
    } catch (error) {
      if (isAbort(error)) throw error;
      throw new ApiError(0, "network_error", error instanceof Error ? error.message : "Network error");
    }

    const notModified = response.status === 304 && kept !== undefined;
    const raw = notModified ? kept.raw : await response.text();
    if (method === "GET" && response.ok) {
      const etag = response.headers.get("ETag");
      validators.delete(url);
      if (etag) {
        validators.set(url, { etag, raw });
        if (validators.size > VALIDATORS_KEPT) validators.delete(validators.keys().next().value as string);
      }
    }
    let json: unknown;
    let parsed = true;
    try {
      json = raw === "" ? undefined : JSON.parse(raw);
    } catch {
      parsed = false;
    }

    if (!response.ok && !notModified) throw failure(response, parsed ? json : undefined);

    if (raw === "") return { data: undefined as T, notModified };
    if (!parsed) throw new ApiError(response.status, "bad_response", "The server did not answer with JSON");
    return { data: json as T, notModified };
  }

  const request = async <T>(method: string, path: string, opts?: RequestOptions): Promise<T> =>
    (await exchange<T>(method, path, opts)).data;

  /**
   * A call to a route the server defines (`R`, its definition's type): the method and path must be the
   * definition's own (`"/api/sites/{site_id}"`), the parameters, query and body its inputs, and the answer is
   * its success schema's output. A route renamed, moved or retyped on the server fails the typecheck here.
   */
  const call = <R extends { method: string; path: string }>(
    method: Uppercase<R["method"]>,
    path: R["path"],
    opts: { params?: ParamsOf<R>; query?: Query; body?: BodyOf<R>; signal?: AbortSignal | undefined } = {},
  ) =>
    exchange<AnswerOf<R>>(
      method,
      path
        .replace(/^\/api/, "")
        .replace(/\{(\w+)\}/g, (_, name: string) =>
          seg(String((opts.params as Record<string, unknown> | undefined)?.[name] ?? "")),
        ),
      { query: opts.query, body: opts.body, signal: opts.signal },
    );
  const answer = async <T>(exchanged: Promise<{ data: T }>): Promise<T> => (await exchanged).data;

  const get = <T>(path: string, signal?: AbortSignal, query?: Query) =>
    request<T>("GET", path, { query, signal });

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
