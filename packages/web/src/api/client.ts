/**
 * The UI's only way to the Dashboard API (shared/API-CONTRACT.md): same origin under `/api` unless
 * `VITE_API_URL` says otherwise, `Authorization: Bearer <admin token>`, JSON both ways. Every response is
 * parsed with its zod schema; every failure becomes an `ApiError` with a stable `code`:
 * - the API's own `{"error": {"code", "message", "details"}}` codes (`not_found`, `unauthorized`, ...);
 * - `http_<status>` when an error response is not in that shape (a proxy page, for instance);
 * - `network_error` when the server cannot be reached; `bad_response` when a success does not parse.
 * A 401 also calls `onUnauthorized`, which ends the session. The token is sent, never logged or kept here.
 */
import type { z } from "zod";
import {
  AuditList,
  ErrorBody,
  Exhibition,
  Facets,
  Health,
  InvalidList,
  Me,
  Order,
  Painting,
  page,
  Run,
  RunList,
  Site,
  SiteCreated,
  type SiteCreateInput,
  SiteList,
  SiteSettings,
  SiteStats,
  type SiteUpdateInput,
  SyncStarted,
  TokenCreated,
  type TokenCreateInput,
  TokenInfo,
  TokenList,
  User,
  WebhookSecret,
} from "./schemas";

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

export const isAbort = (error: unknown): boolean =>
  error instanceof DOMException
    ? error.name === "AbortError"
    : (error as { name?: unknown })?.name === "AbortError";

export type QueryValue = string | number | boolean | null | undefined;
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

interface RequestOptions<S extends z.ZodType | undefined> {
  query?: Query;
  body?: unknown;
  schema: S;
  signal?: AbortSignal | undefined;
}

/** Cursor paging: `limit` 1..200 (the API's default is 50), `cursor` opaque. */
export interface PageQuery {
  limit?: number;
  cursor?: string | undefined;
  signal?: AbortSignal | undefined;
}

/** `flagged`: records stored with data-quality codes only; `complete`: the others. */
export type QualityFilter = "flagged" | "complete";
export interface PaintingFilters {
  site_id?: string | undefined;
  status?: string | undefined;
  category?: string | undefined;
  q?: string | undefined;
  include_deleted?: boolean | undefined;
  quality?: QualityFilter | undefined;
  /** `artist`: the site's own order (needs `site_id`); `recent` (default): newest first. */
  sort?: "recent" | "artist" | undefined;
}
export interface UserFilters {
  site_id?: string | undefined;
  role?: string | undefined;
  q?: string | undefined;
  include_deleted?: boolean | undefined;
  quality?: QualityFilter | undefined;
}
export interface OrderFilters {
  site_id?: string | undefined;
  status?: string | undefined;
  /** ISO instants, inclusive. */
  from?: string | undefined;
  to?: string | undefined;
  include_deleted?: boolean | undefined;
  quality?: QualityFilter | undefined;
}
export interface ExhibitionFilters {
  site_id?: string | undefined;
  include_deleted?: boolean | undefined;
}

const clampLimit = (limit: number | undefined): number | undefined =>
  limit === undefined ? undefined : Math.min(200, Math.max(1, Math.trunc(limit)));

const seg = (value: string): string => encodeURIComponent(value);

/** How many of the newest runs the live probe watches: a run started anywhere is first among them. */
export const PULSE_RUNS = 10;

/** How many GET answers are kept with their ETag for conditional requests. */
export const VALIDATORS_KEPT = 64;

/** The answer to a request and whether the server said it had not changed (304). */
export interface Answer<T> {
  data: T;
  notModified: boolean;
}

export interface AuditFilters {
  actor?: string | undefined;
  action?: string | undefined;
  site_id?: string | undefined;
  outcome?: string | undefined;
  /** ISO instants, inclusive. */
  from?: string | undefined;
  to?: string | undefined;
}

export function createApi(options: ApiOptions) {
  const doFetch = options.fetch ?? ((input: RequestInfo | URL, init?: RequestInit) => fetch(input, init));
  // The last answer of each GET URL with its ETag: asking again sends `If-None-Match`, and a 304 (no body)
  // reuses the kept text. Oldest first, so the map is trimmed from its start.
  const validators = new Map<string, { etag: string; raw: string }>();

  async function exchange<S extends z.ZodType | undefined>(
    method: string,
    path: string,
    { query, body, schema, signal }: RequestOptions<S>,
  ): Promise<Answer<S extends z.ZodType ? z.infer<S> : undefined>> {
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

    if (!response.ok && !notModified) {
      const envelope = parsed ? ErrorBody.safeParse(json) : undefined;
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
      throw error;
    }

    if (schema === undefined)
      return { data: undefined as S extends z.ZodType ? z.infer<S> : undefined, notModified };
    if (!parsed) throw new ApiError(response.status, "bad_response", "The server did not answer with JSON");
    const result = schema.safeParse(json);
    if (!result.success) {
      // Paths and messages only: never echo the values (a response may carry a secret).
      const details = result.error.issues.slice(0, 10).map((issue) => ({
        path: issue.path.map(String).join("."),
        message: issue.message,
      }));
      throw new ApiError(
        response.status,
        "bad_response",
        "The server's answer has an unexpected shape",
        details,
      );
    }
    return { data: result.data as S extends z.ZodType ? z.infer<S> : undefined, notModified };
  }

  const request = async <S extends z.ZodType | undefined>(
    method: string,
    path: string,
    opts: RequestOptions<S>,
  ): Promise<S extends z.ZodType ? z.infer<S> : undefined> => (await exchange(method, path, opts)).data;

  const list = <T extends z.ZodType>(path: string, item: T, filters: Query, paging: PageQuery) =>
    request("GET", path, {
      query: { ...filters, limit: clampLimit(paging.limit), cursor: paging.cursor },
      schema: page(item),
      signal: paging.signal,
    });

  return {
    health: (signal?: AbortSignal) => request("GET", "/health", { schema: Health, signal }),

    listSites: (signal?: AbortSignal) => request("GET", "/sites", { schema: SiteList, signal }),
    getSite: (siteId: string, signal?: AbortSignal) =>
      request("GET", `/sites/${seg(siteId)}`, { schema: Site, signal }),
    createSite: (input: SiteCreateInput) => request("POST", "/sites", { body: input, schema: SiteCreated }),
    updateSite: (siteId: string, patch: SiteUpdateInput) =>
      request("PATCH", `/sites/${seg(siteId)}`, { body: patch, schema: Site }),
    deleteSite: (siteId: string) => request("DELETE", `/sites/${seg(siteId)}`, { schema: undefined }),
    rotateWebhookSecret: (siteId: string) =>
      request("POST", `/sites/${seg(siteId)}/webhook-secret`, { schema: WebhookSecret }),

    syncSite: (siteId: string, entities?: string[]) =>
      request("POST", `/sync/template/${seg(siteId)}`, {
        body: entities && entities.length > 0 ? { entities } : undefined,
        schema: SyncStarted,
      }),
    listRuns: (filters: { site_id?: string | undefined }, paging: PageQuery = {}) =>
      request("GET", "/sync/runs", {
        query: { site_id: filters.site_id, limit: clampLimit(paging.limit), cursor: paging.cursor },
        schema: RunList,
        signal: paging.signal,
      }),
    /**
     * The live-refresh probe: the newest runs of every site, asked conditionally. `notModified` means no run
     * started, progressed or ended since the last probe (the server answered 304, with no body).
     */
    pulse: (signal?: AbortSignal) =>
      exchange("GET", "/sync/runs", { query: { limit: PULSE_RUNS }, schema: RunList, signal }),
    getRun: (runId: string, signal?: AbortSignal) =>
      request("GET", `/sync/runs/${seg(runId)}`, { schema: Run, signal }),
    cancelRun: (runId: string) => request("POST", `/sync/runs/${seg(runId)}/cancel`, { schema: Run }),
    listInvalid: (runId: string, filters: { entity?: string | undefined }, paging: PageQuery = {}) =>
      request("GET", `/sync/runs/${seg(runId)}/invalid`, {
        query: { entity: filters.entity, limit: clampLimit(paging.limit), cursor: paging.cursor },
        schema: InvalidList,
        signal: paging.signal,
      }),

    listPaintings: (filters: PaintingFilters, paging: PageQuery = {}) =>
      list("/paintings", Painting, { ...filters }, paging),
    listUsers: (filters: UserFilters, paging: PageQuery = {}) => list("/users", User, { ...filters }, paging),
    listOrders: (filters: OrderFilters, paging: PageQuery = {}) =>
      list("/orders", Order, { ...filters }, paging),
    listExhibitions: (filters: ExhibitionFilters, paging: PageQuery = {}) =>
      list("/exhibitions", Exhibition, { ...filters }, paging),

    facets: (entity: "paintings" | "users" | "orders", siteId: string | undefined, signal?: AbortSignal) =>
      request("GET", `/${entity}/facets`, { query: { site_id: siteId }, schema: Facets, signal }),
    getPainting: (siteId: string, id: string, signal?: AbortSignal) =>
      request("GET", `/sites/${seg(siteId)}/paintings/${seg(id)}`, { schema: Painting, signal }),
    getUser: (siteId: string, id: string, signal?: AbortSignal) =>
      request("GET", `/sites/${seg(siteId)}/users/${seg(id)}`, { schema: User, signal }),
    getOrder: (siteId: string, id: string, signal?: AbortSignal) =>
      request("GET", `/sites/${seg(siteId)}/orders/${seg(id)}`, { schema: Order, signal }),
    me: (signal?: AbortSignal) => request("GET", "/me", { schema: Me, signal }),
    listTokens: (signal?: AbortSignal) => request("GET", "/tokens", { schema: TokenList, signal }),
    createToken: (input: TokenCreateInput) =>
      request("POST", "/tokens", { body: input, schema: TokenCreated }),
    revokeToken: (tokenId: string) => request("DELETE", `/tokens/${seg(tokenId)}`, { schema: TokenInfo }),
    listAudit: (filters: AuditFilters, paging: PageQuery = {}) =>
      list("/audit", AuditList.shape.items.element, { ...filters }, paging),

    getSettings: (siteId: string, signal?: AbortSignal) =>
      request("GET", `/sites/${seg(siteId)}/settings`, { schema: SiteSettings, signal }),
    getStats: (
      siteId: string,
      range: { from?: string | undefined; to?: string | undefined } = {},
      signal?: AbortSignal,
    ) => request("GET", `/sites/${seg(siteId)}/stats`, { query: { ...range }, schema: SiteStats, signal }),
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
