/**
 * How the UI talks to the Dashboard API (client.ts lists the calls): the bearer token, JSON both ways, ETag
 * revalidation of GETs, route-typed calls and the one mapping of every failure to an `ApiError`.
 */
import { ErrorBody } from "./schemas";
import type { AnswerOf, BodyOf, CsvSeparator, ExportList, ParamsOf } from "./types";

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

/** How many GET answers are kept with their ETag for conditional requests. */
const VALIDATORS_KEPT = 64;

/** The answer to a request and whether the server said it had not changed (304). */
export interface Answer<T> {
  data: T;
  notModified: boolean;
}

/** One path segment, encoded. */
export const seg = (value: string): string => encodeURIComponent(value);

export function createTransport(options: ApiOptions) {
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

  // The answers are revalidated here, with the kept ETag; the browser's cache would do it a second time.
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
    const headers = authHeaders("application/json");
    if (body !== undefined) headers["Content-Type"] = "application/json";
    const url = buildUrl(options.baseUrl, `/api${path}`, query);
    const kept = method === "GET" ? validators.get(url) : undefined;
    if (kept) headers["If-None-Match"] = kept.etag;

    const response = await send(url, {
      method,
      headers,
      body: body === undefined ? null : JSON.stringify(body),
      signal: signal ?? null,
    });

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

  return { exportCsv, call, answer, get };
}
