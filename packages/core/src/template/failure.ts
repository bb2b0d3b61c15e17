/**
 * Why one request to a Template failed (a `Failure`, retried or not) and the `TemplateError` it becomes once
 * retrying is over: a stable code and a message an admin can act on, never with the API key.
 */
import {
  errorCodes,
  redactSecret,
  sanitizeCause,
  TemplateAuthenticationError,
  TemplateConnectionError,
  type TemplateError,
  TemplateHttpError,
  TemplateNotFoundError,
  TemplateValidationError,
} from "./errors";

/** Redirects followed, at most. */
export const MAX_REDIRECTS = 5;

/** Why one attempt failed; turned into a TemplateError once retries are over. */
export type Failure =
  | { kind: "refused"; cause?: Error }
  | { kind: "timeout"; cause?: Error }
  | { kind: "network"; detail: string; cause?: Error }
  | { kind: "status"; status: number; errorText?: string; retryAfterMs?: number }
  | { kind: "redirect_refused"; status: number; target: string }
  | { kind: "too_many_redirects"; status: number }
  | { kind: "malformed"; status: number; bytes: number }
  | { kind: "html"; status: number }
  | { kind: "too_large"; status: number; bytes?: number };

export type Outcome = { ok: true; body: unknown } | { ok: false; failure: Failure };

export const TIMEOUT = Symbol("template-client-timeout");
const MAX_ERROR_TEXT = 200;

export const isRetryable = (f: Failure): boolean => {
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
export const errorTextOf = (bytes: Uint8Array, contentType: string): string | undefined => {
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

export const looksLikeHtml = (text: string, contentType: string): boolean =>
  /html/i.test(contentType) || /^\s*</.test(text);

export function classifyFailure(error: unknown, timedOut: boolean, apiKey: string): Failure {
  const cause = sanitizeCause(error, apiKey);
  const withCause = cause === undefined ? {} : { cause };
  if (timedOut || error === TIMEOUT) return { kind: "timeout", ...withCause };
  const codes = errorCodes(error);
  if (codes.includes("ECONNREFUSED")) return { kind: "refused", ...withCause };
  if (
    codes.some((c) =>
      ["ETIMEDOUT", "UND_ERR_CONNECT_TIMEOUT", "UND_ERR_HEADERS_TIMEOUT", "UND_ERR_BODY_TIMEOUT"].includes(c),
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

/** What a failure's message names: the Template (never with its key) and the limits it ran into. */
export interface FailureContext {
  baseUrl: string;
  apiKey: string;
  timeoutMs: number;
  maxBodyBytes: number;
}

/** How a message names the Template, the path and the URL: never with the key (a server could redirect one in). */
export const placesOf = (url: URL, at: Pick<FailureContext, "baseUrl" | "apiKey">) => ({
  where: `Template at ${redactSecret(at.baseUrl, at.apiKey)}`,
  path: redactSecret(`${url.pathname}${url.search}`, at.apiKey),
  display: redactSecret(url.href, at.apiKey),
});

/** The final error for a failure, with a message an admin can act on, and no key anywhere. */
export function templateError(
  failure: Failure,
  url: URL,
  attempts: number,
  at: FailureContext,
): TemplateError {
  const { where, path, display } = placesOf(url, at);
  const after = attempts > 1 ? ` after ${attempts} attempts` : "";
  const common = { url: display, attempts };
  const clean = (message: string) => redactSecret(message, at.apiKey);
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
        message: clean(`${where} did not answer ${path} within ${at.timeoutMs} ms${after}.`),
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
        message: clean(`${where} redirected ${path} more than ${MAX_REDIRECTS} times.`),
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
          `${where} sent more than ${at.maxBodyBytes} bytes for ${path}${failure.bytes ? ` (${failure.bytes} declared)` : ""}; use a smaller page size.`,
        ),
      });
  }
}
