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
import { retry } from "../util/retry";
import { sleep } from "../util/sleep";
import { redactSecret, TemplateConfigError, type TemplateError, TemplateValidationError } from "./errors";
import {
  errorTextOf,
  type Failure,
  isRetryable,
  MAX_REDIRECTS,
  type Outcome,
  placesOf,
  templateError,
} from "./failure";
import { type AttemptConfig, attempt, raceAbort } from "./http";
import {
  DEFAULT_PAGE_SIZE,
  PAGED_ENTITIES,
  PAGES_AHEAD,
  type Page,
  type PagedEntity,
  paginate,
} from "./paging";
import {
  RECORD_ENVELOPES as ENVELOPES,
  reasonsOf,
  SettingsEnvelope,
  StatsEnvelope,
  secretKeysOf,
  type TemplateSetting,
  type TemplateStats,
} from "./schema";

export { PAGED_ENTITIES, PAGES_AHEAD, type Page, type PagedEntity } from "./paging";

export const USER_AGENT = `ArtworksdigitalDashboard/${packageJson.version}`;

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
  maxRedirects: MAX_REDIRECTS,
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
  /**
   * Pages fetched ahead while the consumer processes the current one: a number, `true` (one) or `false`
   * (none). Default `PAGES_AHEAD`.
   */
  prefetch?: boolean | number;
  /** Stop with `pagination_loop` after this many non-empty pages, default 100_000. */
  maxPages?: number;
  signal?: AbortSignal;
}

export interface CallOptions {
  signal?: AbortSignal;
}

const nonNegative = (name: string, value: number, integer = false): number => {
  if (!Number.isFinite(value) || value < 0 || (integer && !Number.isInteger(value))) {
    throw new RangeError(
      `TemplateClient: ${name} must be a ${integer ? "non-negative integer" : "non-negative number"}`,
    );
  }
  return value;
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
  readonly #sleep: ((ms: number) => Promise<void>) | undefined;
  readonly #random: () => number;
  readonly #http: AttemptConfig;
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
    this.#sleep = opts.sleep;
    this.#random = opts.random ?? Math.random;
    this.#http = {
      apiKey: this.#apiKey,
      userAgent: opts.userAgent ?? USER_AGENT,
      timeoutMs: this.#timeoutMs,
      maxBodyBytes: this.#maxBodyBytes,
      fetch: opts.fetch ?? ((input, init) => fetch(input, init)),
      now: opts.now ?? Date.now,
      assertUrlAllowed: opts.assertUrlAllowed,
    };
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
        prefetch: opts.prefetch ?? PAGES_AHEAD,
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

  /** A URL as errors show it: never with the key. */
  #display(url: URL): string {
    return placesOf(url, { baseUrl: this.baseUrl, apiKey: this.#apiKey }).display;
  }

  /** Parses a body against an envelope schema; anything else is `unexpected_response`. */
  #check<T>(schema: z.ZodType<T>, body: unknown, url: URL, attempts: number, what: string): T {
    const { where, path, display } = placesOf(url, { baseUrl: this.baseUrl, apiKey: this.#apiKey });
    const fail = (detail: string) =>
      new TemplateValidationError({
        code: "unexpected_response",
        url: display,
        status: 200,
        attempts,
        message: redactSecret(
          `${where} returned JSON that is not the expected ${what} for ${path}: ${detail}`,
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

  /** GET with bounded retries (util/retry.ts), `Retry-After` honoured on top; resolves with the parsed JSON body. */
  async #get(url: URL, signal?: AbortSignal): Promise<{ body: unknown; attempts: number }> {
    try {
      return await retry(
        async (attempt) => {
          signal?.throwIfAborted();
          const outcome = await this.#attempt(url, signal);
          if (outcome.ok) return { body: outcome.body, attempts: attempt };
          throw new Attempt(outcome.failure, attempt);
        },
        {
          attempts: this.#retries + 1,
          backoff: this.#backoff,
          random: this.#random,
          retryable: (e) => e instanceof Attempt && isRetryable(e.failure),
          delayMs: (e, backoffMs) => {
            const retryAfter =
              e instanceof Attempt && e.failure.kind === "status" ? e.failure.retryAfterMs : undefined;
            return retryAfter === undefined ? backoffMs : Math.min(retryAfter, this.#maxRetryAfterMs);
          },
          onRetry: (e, attempt, delayMs) => {
            if (!(e instanceof Attempt)) return;
            this.#onRetry?.({
              url: this.#display(url),
              attempt,
              delayMs,
              code: this.#error(e.failure, url, attempt).code,
              ...(e.failure.kind === "status" ? { status: e.failure.status } : {}),
            });
          },
          sleep: (ms) => this.#wait(ms, signal),
        },
      );
    } catch (e) {
      if (e instanceof Attempt) throw this.#error(e.failure, url, e.attempt);
      throw e;
    }
  }

  /** The pause before a retry; a caller's abort ends it at once. */
  async #wait(ms: number, signal: AbortSignal | undefined): Promise<void> {
    if (this.#sleep === undefined) return sleep(ms, signal);
    await (signal ? raceAbort(this.#sleep(ms), signal) : this.#sleep(ms));
  }

  /** One attempt (following redirects), bounded by the timeout. Throws only when the caller aborts. */
  #attempt(url: URL, signal: AbortSignal | undefined, withKey = true): Promise<Outcome> {
    return attempt(url, signal, this.#http, withKey);
  }

  /** The final error for a failure, with a message an admin can act on, and no key anywhere. */
  #error(failure: Failure, url: URL, attempts: number): TemplateError {
    return templateError(failure, url, attempts, {
      baseUrl: this.baseUrl,
      apiKey: this.#apiKey,
      timeoutMs: this.#timeoutMs,
      maxBodyBytes: this.#maxBodyBytes,
    });
  }
}

/** A failed attempt, carried through the retry loop until it becomes a TemplateError. */
class Attempt extends Error {
  constructor(
    readonly failure: Failure,
    readonly attempt: number,
  ) {
    super(failure.kind);
  }
}
