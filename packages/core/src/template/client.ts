/**
 * The HTTP client of a Template's export API (shared/TEMPLATE-API.md).
 *
 * - Auth by the `X-API-Key` header only (never a query parameter), `Accept: application/json`,
 *   `User-Agent: ArtworksdigitalDashboard/<version>`.
 * - Every attempt is bounded by `timeoutMs` (an AbortController aborts a hung request, body included).
 * - Bounded retries with exponential backoff and full jitter on network errors, timeouts, 408, 429 and
 *   5xx; `Retry-After` (seconds or HTTP date) is honoured up to `maxRetryAfterMs`. No retry on 401, 403,
 *   404 or a malformed body: trying again cannot fix those.
 * - Redirects are followed by hand (at most 5), each hop checked by `assertUrlAllowed`, and only within the
 *   Template's origin (or an http → https upgrade of the same host): the API key never leaves for another host.
 * - Bodies are read with a size guard and checked against the envelope schemas of `./schema`; records stay
 *   `unknown` and are validated one by one by the sync engine.
 * - Failures are `TemplateError`s with stable codes (see `./errors`); messages never contain the API key.
 */
import type { z } from "zod";
import packageJson from "../../package.json" with { type: "json" };
import {
  errorCodes,
  redactSecret,
  sanitizeCause,
  TemplateAuthenticationError,
  TemplateConfigError,
  TemplateConnectionError,
  type TemplateError,
  TemplateHttpError,
  TemplateNotFoundError,
  TemplateValidationError,
} from "./errors";
import { type Page, paginate } from "./paging";
import {
  listEnvelope,
  reasonsOf,
  SettingsEnvelope,
  StatsEnvelope,
  secretKeysOf,
  type TemplateSetting,
  type TemplateStats,
} from "./schema";

export type { Page } from "./paging";

export const USER_AGENT = `ArtworksdigitalDashboard/${packageJson.version}`;

/** The paged entities and their Template defaults (`limit` when none is given). */
export const PAGED_ENTITIES = ["paintings", "users", "orders"] as const;
export type PagedEntity = (typeof PAGED_ENTITIES)[number];
export const DEFAULT_PAGE_SIZE: Readonly<Record<PagedEntity, number>> = {
  paintings: 200,
  users: 500,
  orders: 100,
};

/** Export paths, relative to the Template's base URL. */
export const TEMPLATE_PATHS = {
  paintings: "/api/export/paintings",
  users: "/api/export/users",
  orders: "/api/export/orders",
  exhibitions: "/api/export/exhibitions",
  custom_requests: "/api/export/custom-requests",
  settings: "/api/export/settings",
  stats: "/api/export/stats",
} as const;

export const DEFAULTS = {
  timeoutMs: 10_000,
  retries: 3,
  backoff: { baseMs: 250, maxMs: 8_000 },
  maxRetryAfterMs: 30_000,
  maxBodyBytes: 256 * 1024 * 1024,
  maxRedirects: 5,
  maxPages: 100_000,
} as const;

/** Told before each retry (for the sync log and metrics). Holds no secret. */
export interface RetryEvent {
  url: string;
  /** The attempt that just failed (1-based). */
  attempt: number;
  /** How long the client waits before the next attempt. */
  delayMs: number;
  code: TemplateError["code"];
  status?: number;
}

export interface TemplateClientOptions {
  baseUrl: string;
  apiKey: string;
  /** Per attempt (connection, headers and body), default 10_000. */
  timeoutMs?: number;
  /** Retries after the first attempt, default 3 (so up to 4 attempts). */
  retries?: number;
  /** Exponential backoff with full jitter: attempt n waits random() × min(maxMs, baseMs × 2^(n-1)). */
  backoff?: { baseMs: number; maxMs: number };
  /** Cap on an honoured `Retry-After`, default 30_000. */
  maxRetryAfterMs?: number;
  /** Largest body accepted, default 256 MiB. */
  maxBodyBytes?: number;
  /** Injectable for unit tests (no network in unit tests). */
  fetch?: typeof fetch;
  sleep?: (ms: number) => Promise<void>;
  /** In [0, 1), like Math.random. */
  random?: () => number;
  /** For `Retry-After` HTTP dates. */
  now?: () => number;
  /** Default `ArtworksdigitalDashboard/<version of @dashboard/core>`. */
  userAgent?: string;
  /** Called before every request and every redirect hop; throw to refuse (the SSRF guard lives elsewhere). */
  assertUrlAllowed?: (url: URL) => Promise<void>;
  onRetry?: (event: RetryEvent) => void;
}

export interface PagesOptions {
  /** Default: the Template's own default for the entity (200 / 500 / 100). */
  pageSize?: number;
  /** Resume a scan from a continuation cursor (`Page.nextOffset`), default 0. */
  startOffset?: number;
  /** Fetch the next page while the consumer processes the current one, default true. */
  prefetch?: boolean;
  /** Stop with `pagination_loop` after this many non-empty pages, default 100_000. */
  maxPages?: number;
  signal?: AbortSignal;
}

export interface CallOptions {
  signal?: AbortSignal;
}

/** Why one attempt failed; turned into a TemplateError once retries are over. */
type Failure =
  | { kind: "refused"; cause?: Error }
  | { kind: "timeout"; cause?: Error }
  | { kind: "network"; detail: string; cause?: Error }
  | { kind: "status"; status: number; errorText?: string; retryAfterMs?: number }
  | { kind: "redirect_refused"; status: number; target: string }
  | { kind: "too_many_redirects"; status: number }
  | { kind: "malformed"; status: number; bytes: number }
  | { kind: "html"; status: number }
  | { kind: "too_large"; status: number; bytes?: number };

type Outcome = { ok: true; body: unknown } | { ok: false; failure: Failure };

const TIMEOUT = Symbol("template-client-timeout");
const ERROR_BODY_BYTES = 64 * 1024;
const MAX_ERROR_TEXT = 200;
const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);

const isRetryable = (f: Failure): boolean => {
  switch (f.kind) {
    case "refused":
    case "timeout":
    case "network":
      return true;
    case "status":
      return f.status === 408 || f.status === 429 || f.status >= 500;
    default:
      return false;
  }
};

/** Full jitter: a uniform delay in [0, min(maxMs, baseMs × 2^(attempt-1))). `attempt` is 1-based. */
export const backoffDelay = (
  attempt: number,
  backoff: { baseMs: number; maxMs: number },
  random: () => number,
) => {
  const ceiling = Math.min(backoff.maxMs, backoff.baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.floor(Math.min(Math.max(random(), 0), 1) * ceiling);
};

/** `Retry-After` as milliseconds: delay-seconds or an HTTP date; undefined when absent or unreadable. */
export const parseRetryAfter = (value: string | null, now: number): number | undefined => {
  if (value === null) return undefined;
  const trimmed = value.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000);
  if (!/[a-z]/i.test(trimmed)) return undefined;
  const at = Date.parse(trimmed);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
};

/** `{"error": "..."}` (or a short plain-text body) as one short line; undefined when there is none. */
const errorTextOf = (bytes: Uint8Array, contentType: string): string | undefined => {
  const text = new TextDecoder().decode(bytes).trim();
  if (text === "") return undefined;
  let found: string | undefined;
  try {
    const body: unknown = JSON.parse(text);
    if (typeof body === "string") found = body;
    else if (body !== null && typeof body === "object") {
      const { error, message } = body as { error?: unknown; message?: unknown };
      found = typeof error === "string" ? error : typeof message === "string" ? message : undefined;
    }
  } catch {
    if (/^text\/plain/i.test(contentType)) found = text;
  }
  if (found === undefined) return undefined;
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is stripped here
  const line = found.replace(/[\u0000-\u001f\u007f]+/g, " ").trim();
  if (line === "") return undefined;
  return line.length > MAX_ERROR_TEXT ? `${line.slice(0, MAX_ERROR_TEXT)}…` : line;
};

const looksLikeHtml = (text: string, contentType: string): boolean =>
  /html/i.test(contentType) || /^\s*</.test(text);

class BodyTooLarge extends Error {
  constructor(readonly bytes: number | undefined) {
    super("body too large");
  }
}

/** Rejects with the signal's reason as soon as it aborts, whatever the promise does. */
const raceAbort = <T>(promise: Promise<T>, signal: AbortSignal): Promise<T> => {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener("abort", onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener("abort", onAbort);
        reject(error);
      },
    );
  });
};

/** Reads a body up to `limit` bytes: beyond it, throws BodyTooLarge (`truncate`: stops quietly instead). */
const readBody = async (
  response: Response,
  limit: number,
  signal: AbortSignal,
  truncate = false,
): Promise<Uint8Array> => {
  const declared = Number(response.headers.get("content-length"));
  if (!truncate && Number.isFinite(declared) && declared > limit) {
    await response.body?.cancel().catch(() => undefined);
    throw new BodyTooLarge(declared);
  }
  if (response.body === null) return new Uint8Array();
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    for (;;) {
      const { done, value } = await raceAbort(reader.read(), signal);
      if (done) break;
      if (size + value.byteLength > limit) {
        if (!truncate) throw new BodyTooLarge(undefined);
        chunks.push(value.subarray(0, limit - size));
        size = limit;
        break;
      }
      chunks.push(value);
      size += value.byteLength;
    }
  } finally {
    reader.cancel().catch(() => undefined);
  }
  if (chunks.length === 1) return chunks[0]!;
  const out = new Uint8Array(size);
  let at = 0;
  for (const chunk of chunks) {
    out.set(chunk, at);
    at += chunk.byteLength;
  }
  return out;
};

const nonNegative = (name: string, value: number, integer = false): number => {
  if (!Number.isFinite(value) || value < 0 || (integer && !Number.isInteger(value))) {
    throw new RangeError(
      `TemplateClient: ${name} must be a ${integer ? "non-negative integer" : "non-negative number"}`,
    );
  }
  return value;
};

/** `{"<key>": [...], "count": N}` → its records. */
const recordList = <K extends string>(key: K): z.ZodType<unknown[]> =>
  listEnvelope(key).transform((body): unknown[] => {
    const records: unknown = body[key];
    return Array.isArray(records) ? records : []; // always an array: the envelope checked it
  });

const ENVELOPES: Readonly<Record<PagedEntity | "exhibitions" | "custom_requests", z.ZodType<unknown[]>>> = {
  paintings: recordList("paintings"),
  users: recordList("users"),
  orders: recordList("orders"),
  exhibitions: recordList("exhibitions"),
  custom_requests: recordList("custom_requests"),
};

export class TemplateClient {
  readonly baseUrl: string;
  readonly #base: URL;
  /** The base path without a trailing slash ("" at the root). */
  readonly #basePath: string;
  readonly #apiKey: string;
  readonly #timeoutMs: number;
  readonly #retries: number;
  readonly #backoff: { baseMs: number; maxMs: number };
  readonly #maxRetryAfterMs: number;
  readonly #maxBodyBytes: number;
  readonly #fetch: typeof fetch;
  readonly #sleep: ((ms: number) => Promise<void>) | undefined;
  readonly #random: () => number;
  readonly #now: () => number;
  readonly #userAgent: string;
  readonly #assertUrlAllowed: ((url: URL) => Promise<void>) | undefined;
  readonly #onRetry: ((event: RetryEvent) => void) | undefined;

  constructor(opts: TemplateClientOptions) {
    const config = (message: string) =>
      new TemplateConfigError({ code: "invalid_config", url: "", message: `TemplateClient: ${message}` });
    let base: URL;
    try {
      base = new URL(opts.baseUrl);
    } catch {
      throw config("baseUrl is not a valid URL");
    }
    if (base.protocol !== "http:" && base.protocol !== "https:")
      throw config("baseUrl must be an http(s) URL");
    if (base.username !== "" || base.password !== "") throw config("baseUrl must not contain credentials");
    base.search = "";
    base.hash = "";
    this.#basePath = base.pathname.replace(/\/+$/, "");
    this.#base = base;
    this.baseUrl = `${base.origin}${this.#basePath}`;

    const key = opts.apiKey;
    if (typeof key !== "string" || key.length === 0) throw config("apiKey is empty");
    if (key.length > 4096 || !/^[\x21-\x7e](?:[\x20-\x7e]*[\x21-\x7e])?$/.test(key)) {
      throw config("apiKey must be printable ASCII without surrounding spaces (4096 characters at most)");
    }
    this.#apiKey = key;

    this.#timeoutMs = nonNegative("timeoutMs", opts.timeoutMs ?? DEFAULTS.timeoutMs);
    if (this.#timeoutMs === 0) throw new RangeError("TemplateClient: timeoutMs must be > 0");
    this.#retries = nonNegative("retries", opts.retries ?? DEFAULTS.retries, true);
    const backoff = opts.backoff ?? DEFAULTS.backoff;
    this.#backoff = {
      baseMs: nonNegative("backoff.baseMs", backoff.baseMs),
      maxMs: nonNegative("backoff.maxMs", backoff.maxMs),
    };
    this.#maxRetryAfterMs = nonNegative("maxRetryAfterMs", opts.maxRetryAfterMs ?? DEFAULTS.maxRetryAfterMs);
    this.#maxBodyBytes = nonNegative("maxBodyBytes", opts.maxBodyBytes ?? DEFAULTS.maxBodyBytes, true);
    this.#fetch = opts.fetch ?? ((input, init) => fetch(input, init));
    this.#sleep = opts.sleep;
    this.#random = opts.random ?? Math.random;
    this.#now = opts.now ?? Date.now;
    this.#userAgent = opts.userAgent ?? USER_AGENT;
    this.#assertUrlAllowed = opts.assertUrlAllowed;
    this.#onRetry = opts.onRetry;
  }

  /**
   * Pages of raw records for a paged entity, one page at a time, read to the real end (an empty page).
   * Options are checked now; requests start on the first `next()`.
   */
  pages(entity: PagedEntity, opts: PagesOptions = {}): AsyncGenerator<Page, void, undefined> {
    if (!PAGED_ENTITIES.includes(entity))
      throw new RangeError(`TemplateClient: ${String(entity)} is not paged`);
    const pageSize = opts.pageSize ?? DEFAULT_PAGE_SIZE[entity];
    if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > 1_000_000) {
      throw new RangeError("TemplateClient: pageSize must be an integer in 1..1000000");
    }
    const startOffset = nonNegative("startOffset", opts.startOffset ?? 0, true);
    const maxPages = nonNegative("maxPages", opts.maxPages ?? DEFAULTS.maxPages, true);
    if (maxPages < 1) throw new RangeError("TemplateClient: maxPages must be ≥ 1");
    const path = TEMPLATE_PATHS[entity];
    const envelope = ENVELOPES[entity];
    return paginate(
      async (offset, limit, signal) => {
        const url = this.#url(path, { limit, offset });
        const { body, attempts } = await this.#get(url, signal);
        return this.#check(envelope, body, url, attempts, `{"${entity}": [...]} envelope`);
      },
      {
        pageSize,
        startOffset,
        maxPages,
        prefetch: opts.prefetch ?? true,
        ...(opts.signal ? { signal: opts.signal } : {}),
      },
      (offset, limit) => this.#display(this.#url(path, { limit, offset })),
    );
  }

  /** `/api/export/exhibitions` (optional endpoint: 404 → TemplateNotFoundError). */
  async exhibitions(opts: CallOptions = {}): Promise<unknown[]> {
    return this.#list("exhibitions", opts);
  }

  /** `/api/export/custom-requests` (optional endpoint: 404 → TemplateNotFoundError). */
  async customRequests(opts: CallOptions = {}): Promise<unknown[]> {
    return this.#list("custom_requests", opts);
  }

  /** `/api/export/settings` in either shape (flat object or documented `data` list), as key/value pairs. */
  async settings(opts: CallOptions = {}): Promise<TemplateSetting[]> {
    const url = this.#url(TEMPLATE_PATHS.settings);
    const { body, attempts } = await this.#get(url, opts.signal);
    return this.#check(SettingsEnvelope, body, url, attempts, "settings object");
  }

  /**
   * Whether `/api/export/settings` answers WITHOUT a key, as the current Template's first handler does
   * (leaking the site's `export_api_key` to anyone). One request, no retry, no key sent. Returns only the
   * names of the secrets it served: the values are dropped here and never reach a caller.
   */
  async settingsExposure(opts: CallOptions = {}): Promise<{ exposed: boolean; secretKeys: string[] }> {
    const outcome = await this.#attempt(this.#url(TEMPLATE_PATHS.settings), opts.signal, false);
    if (!outcome.ok) return { exposed: false, secretKeys: [] };
    const parsed = SettingsEnvelope.safeParse(outcome.body);
    if (!parsed.success || parsed.data.length === 0) return { exposed: false, secretKeys: [] };
    return { exposed: true, secretKeys: secretKeysOf(parsed.data) };
  }

  /** `/api/export/stats` (optional endpoint: 404 → TemplateNotFoundError). */
  async stats(opts: CallOptions = {}): Promise<{ timestamp?: string; stats: TemplateStats }> {
    const url = this.#url(TEMPLATE_PATHS.stats);
    const { body, attempts } = await this.#get(url, opts.signal);
    const data = this.#check(StatsEnvelope, body, url, attempts, `{"stats": {...}} envelope`);
    return data.timestamp === undefined
      ? { stats: data.stats }
      : { timestamp: data.timestamp, stats: data.stats };
  }

  async #list(entity: "exhibitions" | "custom_requests", opts: CallOptions): Promise<unknown[]> {
    const url = this.#url(TEMPLATE_PATHS[entity]);
    const { body, attempts } = await this.#get(url, opts.signal);
    return this.#check(ENVELOPES[entity], body, url, attempts, `{"${entity}": [...]} envelope`);
  }

  #url(path: string, query?: Record<string, number>): URL {
    const url = new URL(this.#base.href);
    url.pathname = `${this.#basePath}${path}`;
    for (const [name, value] of Object.entries(query ?? {})) url.searchParams.set(name, String(value));
    return url;
  }

  /** A URL as errors show it: never with the key (it is never in a URL, but a server could redirect one in). */
  #display(url: URL): string {
    return redactSecret(url.href, this.#apiKey);
  }

  #where(): string {
    return `Template at ${redactSecret(this.baseUrl, this.#apiKey)}`;
  }

  #path(url: URL): string {
    return redactSecret(`${url.pathname}${url.search}`, this.#apiKey);
  }

  /** Parses a body against an envelope schema; anything else is `unexpected_response`. */
  #check<T>(schema: z.ZodType<T>, body: unknown, url: URL, attempts: number, what: string): T {
    const fail = (detail: string) =>
      new TemplateValidationError({
        code: "unexpected_response",
        url: this.#display(url),
        status: 200,
        attempts,
        message: redactSecret(
          `${this.#where()} returned JSON that is not the expected ${what} for ${this.#path(url)}: ${detail}`,
          this.#apiKey,
        ),
      });
    if (body !== null && typeof body === "object" && !Array.isArray(body)) {
      const { success } = body as { success?: unknown };
      if (success === false) {
        const text = errorTextOf(new TextEncoder().encode(JSON.stringify(body)), "application/json");
        throw fail(`it reports a failure (success: false${text === undefined ? "" : `, error: ${text}`}).`);
      }
    }
    const parsed = schema.safeParse(body);
    if (parsed.success) return parsed.data;
    const shape = Array.isArray(body)
      ? "a JSON array"
      : body !== null && typeof body === "object"
        ? `keys: ${Object.keys(body).slice(0, 8).join(", ") || "none"}`
        : `a JSON ${body === null ? "null" : typeof body}`;
    throw fail(`${reasonsOf(parsed.error).slice(0, 3).join("; ")} (got ${shape}).`);
  }

  /** GET with bounded retries; resolves with the parsed JSON body. */
  async #get(url: URL, signal?: AbortSignal): Promise<{ body: unknown; attempts: number }> {
    const maxAttempts = this.#retries + 1;
    for (let attempt = 1; ; attempt++) {
      signal?.throwIfAborted();
      const outcome = await this.#attempt(url, signal);
      if (outcome.ok) return { body: outcome.body, attempts: attempt };
      const { failure } = outcome;
      if (!isRetryable(failure) || attempt >= maxAttempts) throw this.#error(failure, url, attempt);
      const retryAfter = failure.kind === "status" ? failure.retryAfterMs : undefined;
      const delayMs =
        retryAfter === undefined
          ? backoffDelay(attempt, this.#backoff, this.#random)
          : Math.min(retryAfter, this.#maxRetryAfterMs);
      this.#onRetry?.({
        url: this.#display(url),
        attempt,
        delayMs,
        code: this.#error(failure, url, attempt).code,
        ...(failure.kind === "status" ? { status: failure.status } : {}),
      });
      await this.#wait(delayMs, signal);
    }
  }

  /** The pause before a retry; a caller's abort ends it at once. */
  async #wait(ms: number, signal: AbortSignal | undefined): Promise<void> {
    if (this.#sleep !== undefined) {
      await (signal ? raceAbort(this.#sleep(ms), signal) : this.#sleep(ms));
      return;
    }
    signal?.throwIfAborted();
    await new Promise<void>((resolve, reject) => {
      const onAbort = () => {
        clearTimeout(timer);
        reject(signal?.reason);
      };
      const timer = setTimeout(() => {
        signal?.removeEventListener("abort", onAbort);
        resolve();
      }, ms);
      signal?.addEventListener("abort", onAbort, { once: true });
    });
  }

  /** One attempt (following redirects), bounded by the timeout. Throws only when the caller aborts. */
  async #attempt(url: URL, callerSignal: AbortSignal | undefined, withKey = true): Promise<Outcome> {
    const timeout = new AbortController();
    const timer = setTimeout(() => timeout.abort(TIMEOUT), this.#timeoutMs);
    const signal = callerSignal ? AbortSignal.any([callerSignal, timeout.signal]) : timeout.signal;
    const headers: Record<string, string> = { Accept: "application/json", "User-Agent": this.#userAgent };
    if (withKey) headers["X-API-Key"] = this.#apiKey;
    const thrown = (error: unknown): Outcome => {
      if (callerSignal?.aborted) throw callerSignal.reason;
      return { ok: false, failure: this.#classify(error, timeout.signal.aborted) };
    };
    try {
      let current = url;
      for (let hop = 0; ; hop++) {
        await this.#assertUrlAllowed?.(current);
        let response: Response;
        try {
          response = await raceAbort(
            this.#fetch(current, { method: "GET", headers, redirect: "manual", signal }),
            signal,
          );
        } catch (error) {
          return thrown(error);
        }
        const { status } = response;
        const contentType = response.headers.get("content-type") ?? "";

        if (REDIRECT_STATUSES.has(status)) {
          await response.body?.cancel().catch(() => undefined);
          const location = response.headers.get("location");
          if (location === null) return { ok: false, failure: { kind: "status", status } };
          const next = new URL(location, current);
          const sameOrigin = next.origin === current.origin;
          const upgrade =
            current.protocol === "http:" && next.protocol === "https:" && next.hostname === current.hostname;
          if (!sameOrigin && !upgrade) {
            return { ok: false, failure: { kind: "redirect_refused", status, target: next.origin } };
          }
          if (hop >= DEFAULTS.maxRedirects)
            return { ok: false, failure: { kind: "too_many_redirects", status } };
          current = next;
          continue;
        }

        if (status < 200 || status >= 300) {
          let errorText: string | undefined;
          let html = false;
          try {
            const bytes = await readBody(response, ERROR_BODY_BYTES, signal, true);
            errorText = errorTextOf(bytes, contentType);
            html = looksLikeHtml(new TextDecoder().decode(bytes.subarray(0, 512)), contentType);
          } catch {
            // The status says enough; the body only adds detail.
            if (callerSignal?.aborted) throw callerSignal.reason;
          }
          const retryAfterMs =
            status === 429 || status === 503
              ? parseRetryAfter(response.headers.get("retry-after"), this.#now())
              : undefined;
          return {
            ok: false,
            failure: {
              kind: "status",
              status,
              ...(errorText !== undefined && !html ? { errorText } : {}),
              ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
            },
          };
        }

        let bytes: Uint8Array;
        try {
          bytes = await readBody(response, this.#maxBodyBytes, signal);
        } catch (error) {
          if (error instanceof BodyTooLarge) {
            return {
              ok: false,
              failure: { kind: "too_large", status, ...(error.bytes ? { bytes: error.bytes } : {}) },
            };
          }
          return thrown(error);
        }
        const text = new TextDecoder().decode(bytes);
        if (looksLikeHtml(text.slice(0, 512), contentType))
          return { ok: false, failure: { kind: "html", status } };
        try {
          return { ok: true, body: JSON.parse(text) };
        } catch {
          return { ok: false, failure: { kind: "malformed", status, bytes: bytes.byteLength } };
        }
      }
    } finally {
      clearTimeout(timer);
    }
  }

  #classify(error: unknown, timedOut: boolean): Failure {
    const cause = sanitizeCause(error, this.#apiKey);
    const withCause = cause === undefined ? {} : { cause };
    if (timedOut || error === TIMEOUT) return { kind: "timeout", ...withCause };
    const codes = errorCodes(error);
    if (codes.includes("ECONNREFUSED")) return { kind: "refused", ...withCause };
    if (
      codes.some((c) =>
        ["ETIMEDOUT", "UND_ERR_CONNECT_TIMEOUT", "UND_ERR_HEADERS_TIMEOUT", "UND_ERR_BODY_TIMEOUT"].includes(
          c,
        ),
      )
    ) {
      return { kind: "timeout", ...withCause };
    }
    const detail = codes.some((c) => c === "ENOTFOUND" || c === "EAI_AGAIN")
      ? "the host name could not be resolved"
      : codes.some((c) => c === "ECONNRESET" || c === "UND_ERR_SOCKET" || c === "EPIPE")
        ? "the connection was closed before the response was complete"
        : codes.some((c) => /CERT|SSL|TLS/i.test(c))
          ? `TLS failed (${codes.find((c) => /CERT|SSL|TLS/i.test(c))})`
          : codes[0] !== undefined
            ? codes[0]
            : "network error";
    return { kind: "network", detail, ...withCause };
  }

  /** The final error for a failure, with a message an admin can act on, and no key anywhere. */
  #error(failure: Failure, url: URL, attempts: number): TemplateError {
    const where = this.#where();
    const path = this.#path(url);
    const after = attempts > 1 ? ` after ${attempts} attempts` : "";
    const common = { url: this.#display(url), attempts };
    const clean = (message: string) => redactSecret(message, this.#apiKey);
    switch (failure.kind) {
      case "refused":
        return new TemplateConnectionError({
          ...common,
          code: "connection_refused",
          cause: failure.cause,
          message: clean(
            `${where} refused the connection for ${path}${after}. Is the site running, and is its URL right?`,
          ),
        });
      case "timeout":
        return new TemplateConnectionError({
          ...common,
          code: "timeout",
          cause: failure.cause,
          message: clean(`${where} did not answer ${path} within ${this.#timeoutMs} ms${after}.`),
        });
      case "network":
        return new TemplateConnectionError({
          ...common,
          code: "network_error",
          cause: failure.cause,
          message: clean(`${where} could not be reached for ${path}: ${failure.detail}${after}.`),
        });
      case "status": {
        const { status, errorText } = failure;
        const said = errorText === undefined ? "" : ` (the Template said: ${errorText})`;
        const withStatus = { ...common, status };
        if (status === 401 || status === 403) {
          return new TemplateAuthenticationError({
            ...withStatus,
            code: "invalid_api_key",
            message: clean(
              `${where} rejected the API key for ${path} with HTTP ${status}${said}. Check the site's API key (its export_api_key setting or the master key).`,
            ),
          });
        }
        if (status === 404) {
          return new TemplateNotFoundError({
            ...withStatus,
            code: "endpoint_not_found",
            message: clean(
              `${where} has no ${url.pathname} endpoint (HTTP 404). Older Templates lack the optional ones (exhibitions, stats, custom-requests); for any other, check the site's URL.`,
            ),
          });
        }
        const retryAfter = failure.retryAfterMs === undefined ? {} : { retryAfterMs: failure.retryAfterMs };
        if (status === 429) {
          return new TemplateHttpError({
            ...withStatus,
            ...retryAfter,
            code: "rate_limited",
            retryable: true,
            message: clean(`${where} kept rate-limiting ${path} (HTTP 429)${after}${said}. Try again later.`),
          });
        }
        if (status >= 500) {
          return new TemplateHttpError({
            ...withStatus,
            ...retryAfter,
            code: "server_error",
            retryable: true,
            message: clean(`${where} returned HTTP ${status} for ${path}${after}${said}.`),
          });
        }
        return new TemplateHttpError({
          ...withStatus,
          code: "http_error",
          retryable: status === 408,
          message: clean(`${where} returned HTTP ${status} for ${path}${after}${said}.`),
        });
      }
      case "redirect_refused":
        return new TemplateHttpError({
          ...common,
          status: failure.status,
          code: "redirect_refused",
          message: clean(
            `${where} redirected ${path} to another origin (${failure.target}); the API key is not sent there. If the site moved, update its URL.`,
          ),
        });
      case "too_many_redirects":
        return new TemplateHttpError({
          ...common,
          status: failure.status,
          code: "http_error",
          message: clean(`${where} redirected ${path} more than ${DEFAULTS.maxRedirects} times.`),
        });
      case "malformed":
        return new TemplateValidationError({
          ...common,
          status: failure.status,
          code: "malformed_json",
          message: clean(
            failure.bytes === 0
              ? `${where} returned an empty body for ${path} instead of JSON.`
              : `${where} returned a body that is not valid JSON for ${path} (${failure.bytes} bytes; it may have been cut off).`,
          ),
        });
      case "html":
        return new TemplateValidationError({
          ...common,
          status: failure.status,
          code: "unexpected_response",
          message: clean(
            `${where} returned an HTML page instead of JSON for ${path}. Is the site's URL the Template's own address?`,
          ),
        });
      case "too_large":
        return new TemplateValidationError({
          ...common,
          status: failure.status,
          code: "response_too_large",
          message: clean(
            `${where} sent more than ${this.#maxBodyBytes} bytes for ${path}${failure.bytes ? ` (${failure.bytes} declared)` : ""}; use a smaller page size.`,
          ),
        });
    }
  }
}
