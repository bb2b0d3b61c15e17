/**
 * What can go wrong when talking to a Template, as errors with stable codes (the seed's class names).
 *
 * Every error carries `code` (stable, machine-readable), `status` (the HTTP status, when there was one),
 * `url` (the request URL — it never holds the API key, which travels in a header only), `retryable`
 * (whether trying again later may succeed: the sync engine uses it to choose between a queue retry and a
 * failed entity), `attempts` and, after a 429/503, `retryAfterMs` (what the Template asked us to wait).
 *
 * Messages are written for an admin and never contain the API key: the client redacts it, even when a
 * Template echoes it back in its error text.
 */
import * as z from "zod";

export const TemplateErrorCode = z.enum([
  // TemplateConnectionError
  "connection_refused",
  "timeout",
  "network_error",
  // TemplateAuthenticationError
  "invalid_api_key",
  // TemplateNotFoundError
  "endpoint_not_found",
  // TemplateHttpError
  "http_error",
  "server_error",
  "rate_limited",
  "redirect_refused",
  // TemplateValidationError
  "malformed_json",
  "unexpected_response",
  "response_too_large",
  "pagination_loop",
  "too_many_records",
  // TemplateConfigError
  "invalid_config",
]);
export type TemplateErrorCode = z.infer<typeof TemplateErrorCode>;

/** The JSON form of a Template error, e.g. for an entity result or a log line. */
export const TemplateErrorJson = z.object({
  name: z.string(),
  code: TemplateErrorCode,
  message: z.string(),
  status: z.number().int().optional(),
  url: z.string(),
  retryable: z.boolean(),
  attempts: z.number().int().nonnegative(),
  retry_after_ms: z.number().nonnegative().optional(),
});
export type TemplateErrorJson = z.infer<typeof TemplateErrorJson>;

export interface TemplateErrorInit<C extends TemplateErrorCode = TemplateErrorCode> {
  code: C;
  message: string;
  url: string;
  status?: number;
  retryable?: boolean;
  attempts?: number;
  retryAfterMs?: number;
  /** Already sanitised (see `sanitizeCause`): never the raw error of a lower layer. */
  cause?: unknown;
}

export abstract class TemplateError<C extends TemplateErrorCode = TemplateErrorCode> extends Error {
  readonly code: C;
  readonly status: number | undefined;
  readonly url: string;
  readonly retryable: boolean;
  readonly attempts: number;
  readonly retryAfterMs: number | undefined;

  constructor(init: TemplateErrorInit<C>) {
    super(init.message, init.cause === undefined ? undefined : { cause: init.cause });
    this.code = init.code;
    this.status = init.status;
    this.url = init.url;
    this.retryable = init.retryable ?? false;
    this.attempts = init.attempts ?? 1;
    this.retryAfterMs = init.retryAfterMs;
  }

  toJSON(): TemplateErrorJson {
    return {
      name: this.name,
      code: this.code,
      message: this.message,
      ...(this.status === undefined ? {} : { status: this.status }),
      url: this.url,
      retryable: this.retryable,
      attempts: this.attempts,
      ...(this.retryAfterMs === undefined ? {} : { retry_after_ms: this.retryAfterMs }),
    };
  }
}

/** The Template could not be reached, or did not answer in time. Retryable. */
export class TemplateConnectionError extends TemplateError<
  "connection_refused" | "timeout" | "network_error"
> {
  override readonly name = "TemplateConnectionError";
  constructor(init: TemplateErrorInit<"connection_refused" | "timeout" | "network_error">) {
    super({ retryable: true, ...init });
  }
}

/** 401 or 403: the API key is missing, wrong or revoked. Never retried. */
export class TemplateAuthenticationError extends TemplateError<"invalid_api_key"> {
  override readonly name = "TemplateAuthenticationError";
}

/** 404: the endpoint does not exist (older Templates lack the optional ones). Never retried. */
export class TemplateNotFoundError extends TemplateError<"endpoint_not_found"> {
  override readonly name = "TemplateNotFoundError";
}

/** Any other HTTP failure: a 4xx (`http_error`), a 5xx or a 429 that outlived the retries, a refused redirect. */
export class TemplateHttpError extends TemplateError<
  "http_error" | "server_error" | "rate_limited" | "redirect_refused"
> {
  override readonly name = "TemplateHttpError";
}

/** The Template answered, but not with what its export API serves, or paging would never end. */
export class TemplateValidationError extends TemplateError<
  "malformed_json" | "unexpected_response" | "response_too_large" | "pagination_loop" | "too_many_records"
> {
  override readonly name = "TemplateValidationError";
}

/** The client was given options it cannot work with (a bad base URL or an API key that is no header value). */
export class TemplateConfigError extends TemplateError<"invalid_config"> {
  override readonly name = "TemplateConfigError";
}

export const isTemplateError = (error: unknown): error is TemplateError => error instanceof TemplateError;

export const REDACTED = "[REDACTED]";

/**
 * Removes every occurrence of the secret from a text, in the forms a server or a URL could echo it
 * (as is, percent-encoded, form-encoded). An empty secret redacts nothing.
 */
export const redactSecret = (text: string, secret: string): string => {
  if (secret.length === 0) return text;
  const forms = new Set([
    secret,
    encodeURIComponent(secret),
    encodeURIComponent(secret).replaceAll("%20", "+"),
  ]);
  let out = text;
  // Longest first, so that a form containing another is removed whole.
  for (const form of [...forms].sort((a, b) => b.length - a.length)) out = out.split(form).join(REDACTED);
  return out;
};

/**
 * A lower-layer error (undici, DNS, TLS) reduced to what helps debugging — name, code and a redacted
 * message — so that logging a Template error with its cause chain can never print a secret.
 */
export const sanitizeCause = (error: unknown, secret: string): Error | undefined => {
  if (error === undefined || error === null) return undefined;
  const source = error instanceof Error ? error : new Error(String(error));
  const code = errorCodes(source)[0];
  const sanitized = new Error(redactSecret(source.message, secret).slice(0, 300));
  sanitized.name = source.name;
  if (code !== undefined) Object.assign(sanitized, { code });
  return sanitized;
};

/** Every `code` found on an error, its cause chain and aggregated errors (undici nests them). */
export const errorCodes = (error: unknown): string[] => {
  const codes: string[] = [];
  const seen = new Set<unknown>();
  const visit = (e: unknown, depth: number): void => {
    if (depth > 8 || e === null || typeof e !== "object" || seen.has(e)) return;
    seen.add(e);
    const { code, cause, errors } = e as { code?: unknown; cause?: unknown; errors?: unknown };
    if (typeof code === "string") codes.push(code);
    visit(cause, depth + 1);
    if (Array.isArray(errors)) for (const inner of errors) visit(inner, depth + 1);
  };
  visit(error, 0);
  return codes;
};
