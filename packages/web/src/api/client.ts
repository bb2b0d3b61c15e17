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
  AuditEntry,
  AuditFilters,
  Exhibition,
  ExhibitionFilters,
  Facets,
  InvalidList,
  InvalidQuery,
  Me,
  Order,
  OrderFilters,
  Page,
  Painting,
  PaintingFilters,
  Run,
  RunList,
  Site,
  SiteCreated,
  SiteCreateInput,
  SiteList,
  SiteSettings,
  SiteStats,
  SiteUpdateInput,
  StatsQuery,
  SyncStarted,
  TokenCreated,
  TokenCreateInput,
  TokenInfo,
  TokenList,
  User,
  UserFilters,
  WebhookSecret,
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
export const PULSE_RUNS = 10;

/** How many GET answers are kept with their ETag for conditional requests. */
export const VALIDATORS_KEPT = 64;

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

    if (raw === "") return { data: undefined as T, notModified };
    if (!parsed) throw new ApiError(response.status, "bad_response", "The server did not answer with JSON");
    return { data: json as T, notModified };
  }

  const request = async <T>(method: string, path: string, opts?: RequestOptions): Promise<T> =>
    (await exchange<T>(method, path, opts)).data;

  const get = <T>(path: string, signal?: AbortSignal, query?: Query) =>
    request<T>("GET", path, { query, signal });

  const list = <T>(path: string, filters: object, paging: PageQuery) =>
    get<Page<T>>(path, paging.signal, {
      ...(filters as Query),
      limit: clampLimit(paging.limit),
      cursor: paging.cursor,
    });

  return {
    health: (signal?: AbortSignal) => get<{ status: string }>("/health", signal),

    listSites: (signal?: AbortSignal) => get<SiteList>("/sites", signal),
    getSite: (siteId: string, signal?: AbortSignal) => get<Site>(`/sites/${seg(siteId)}`, signal),
    createSite: (input: SiteCreateInput) => request<SiteCreated>("POST", "/sites", { body: input }),
    updateSite: (siteId: string, patch: SiteUpdateInput) =>
      request<Site>("PATCH", `/sites/${seg(siteId)}`, { body: patch }),
    deleteSite: (siteId: string) => request<undefined>("DELETE", `/sites/${seg(siteId)}`),
    rotateWebhookSecret: (siteId: string) =>
      request<WebhookSecret>("POST", `/sites/${seg(siteId)}/webhook-secret`),

    syncSite: (siteId: string, entities?: string[]) =>
      request<SyncStarted>("POST", `/sync/template/${seg(siteId)}`, {
        body: entities && entities.length > 0 ? { entities } : undefined,
      }),
    listRuns: (filters: { site_id?: string | undefined }, paging: PageQuery = {}) =>
      list<Run>("/sync/runs", filters, paging),
    /**
     * The live-refresh probe: the newest runs of every site, asked conditionally. `notModified` means no run
     * started, progressed or ended since the last probe (the server answered 304, with no body).
     */
    pulse: (signal?: AbortSignal) =>
      exchange<RunList>("GET", "/sync/runs", { query: { limit: PULSE_RUNS }, signal }),
    getRun: (runId: string, signal?: AbortSignal) => get<Run>(`/sync/runs/${seg(runId)}`, signal),
    cancelRun: (runId: string) => request<Run>("POST", `/sync/runs/${seg(runId)}/cancel`),
    listInvalid: (runId: string, filters: Pick<InvalidQuery, "entity">, paging: PageQuery = {}) =>
      list<InvalidList["items"][number]>(`/sync/runs/${seg(runId)}/invalid`, filters, paging),

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
    me: (signal?: AbortSignal) => get<Me>("/me", signal),
    listTokens: (signal?: AbortSignal) => get<TokenList>("/tokens", signal),
    createToken: (input: TokenCreateInput) => request<TokenCreated>("POST", "/tokens", { body: input }),
    revokeToken: (tokenId: string) => request<TokenInfo>("DELETE", `/tokens/${seg(tokenId)}`),
    listAudit: (filters: AuditFilters, paging: PageQuery = {}) => list<AuditEntry>("/audit", filters, paging),

    getSettings: (siteId: string, signal?: AbortSignal) =>
      get<SiteSettings>(`/sites/${seg(siteId)}/settings`, signal),
    getStats: (siteId: string, range: Pick<StatsQuery, "from" | "to"> = {}, signal?: AbortSignal) =>
      get<SiteStats>(`/sites/${seg(siteId)}/stats`, signal, { ...range }),
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
