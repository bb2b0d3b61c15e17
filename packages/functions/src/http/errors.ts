/**
 * The one place where errors become HTTP responses (STYLE.md #6), shared by the admin API and the webhook:
 *
 *   VisibleError            → its status, `{"error": {"code": kind, "reason": code, "message", "details"?}}`
 *   request validation      → 400 invalid_request, with the failing fields (never their values)
 *   ZodError thrown in core → 400 invalid_request, same details
 *   hono HTTPException      → its 4xx status (malformed JSON 400, body limit 413, media type 415)
 *   anything else           → logged, answered 500 `internal` with nothing from inside
 *
 * `code` is the contract's coarse error code (`not_found`, `unauthorized`, ...: API-CONTRACT.md); `reason` is
 * core's stable, specific code (`site_not_found`, `invalid_cursor`, ...) for callers that need to tell apart.
 */
import { VisibleError } from "@dashboard/core/error";
import type { Context, ErrorHandler, MiddlewareHandler, NotFoundHandler } from "hono";
import { HTTPException } from "hono/http-exception";
import { routePath } from "hono/route";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import type * as z from "zod";
import { ZodError } from "zod";
import { type HttpLogger, requestIdOf } from "./logging";
import type { ErrorBody } from "./openapi";

/** One failing field of a request: where, which, why. Values are never echoed (they may be secrets). */
export interface Issue {
  location?: string;
  path: string;
  message: string;
}

const issuesOf = (error: z.ZodError, location?: string): Issue[] =>
  error.issues.slice(0, 50).map((i) => ({
    ...(location ? { location } : {}),
    path: i.path.map(String).join("."),
    message: i.message,
  }));

const summary = (issues: Issue[]): string => {
  const first = issues[0];
  if (!first) return "The request is not valid";
  const more = issues.length > 1 ? ` (and ${issues.length - 1} more)` : "";
  return `Invalid request: ${first.path ? `${first.path}: ` : ""}${first.message}${more}`;
};

export const errorResponse = (
  c: Context,
  status: ContentfulStatusCode,
  error: { code: string; reason?: string; message: string; details?: unknown },
) => {
  const body: ErrorBody = {
    error: {
      code: error.code,
      ...(error.reason && error.reason !== error.code ? { reason: error.reason } : {}),
      message: error.message,
      ...(error.details !== undefined ? { details: error.details } : {}),
    },
  };
  return c.json(body, status);
};

export const invalidRequest = (c: Context, error: z.ZodError, location?: string) => {
  const issues = issuesOf(error, location);
  return errorResponse(c, 400, {
    code: "invalid_request",
    reason: "validation_failed",
    message: summary(issues),
    details: { issues },
  });
};

/** The `defaultHook` of every OpenAPIHono route: a request that fails its zod schema is a 400. */
export const validationHook = (
  result: { success: true } | { success: false; error: z.ZodError; target?: string },
  c: Context,
) => {
  if (!result.success) return invalidRequest(c, result.error, result.target);
};

const HTTP_EXCEPTION_CODE: Partial<Record<number, { code: string; reason: string; message: string }>> = {
  400: { code: "invalid_request", reason: "malformed_body", message: "The request body is not valid JSON" },
  413: { code: "payload_too_large", reason: "payload_too_large", message: "The request body is too large" },
  415: {
    code: "unsupported_media_type",
    reason: "unsupported_media_type",
    message: "Send the body as application/json",
  },
};

/** The app's `onError`. */
export const errorHandler =
  (logger: HttpLogger): ErrorHandler =>
  (err, c) => {
    if (err instanceof VisibleError && err.kind !== "internal") {
      // Only the admin API's bearer check asks for credentials; the webhook's 401 is about its signature.
      if (err.code === "unauthorized") c.header("WWW-Authenticate", 'Bearer realm="dashboard"');
      return errorResponse(c, err.status as ContentfulStatusCode, {
        code: err.kind,
        reason: err.code,
        message: err.message,
        details: err.details,
      });
    }
    if (err instanceof ZodError) {
      logger.warn("request rejected by a core schema", { request_id: requestIdOf(c), issues: issuesOf(err) });
      return invalidRequest(c, err);
    }
    if (err instanceof HTTPException && err.status < 500) {
      const known = HTTP_EXCEPTION_CODE[err.status];
      return errorResponse(
        c,
        err.status as ContentfulStatusCode,
        known ?? { code: `http_${err.status}`, message: "The request was refused" },
      );
    }
    // Name, message and stack are for the operator; none of them ever reaches the caller.
    logger.error("unhandled error", {
      request_id: requestIdOf(c),
      method: c.req.method,
      route: routePath(c),
      error: {
        name: err.name,
        message: err.message.slice(0, 1_000),
        stack: err.stack?.split("\n").slice(0, 12).join("\n"),
      },
    });
    return errorResponse(c, 500, { code: "internal", message: "Internal error" });
  };

export const notFoundHandler: NotFoundHandler = (c) =>
  errorResponse(c, 404, {
    code: "not_found",
    reason: "route_not_found",
    message: `No route ${c.req.method} ${c.req.path}`,
  });

/** For `hono/body-limit`: the same 413 as everywhere else. */
export const payloadTooLarge = (maxBytes: number) => (c: Context) =>
  errorResponse(c, 413, {
    code: "payload_too_large",
    reason: "payload_too_large",
    message: `The request body is over ${maxBytes} bytes`,
  });

/**
 * Every API answer is `Cache-Control: no-store`: it may carry personal data or a secret shown once, and no
 * browser, proxy or CDN may keep it. Set after the handler, so error answers carry it too.
 */
export const noStore: MiddlewareHandler = async (c, next) => {
  await next();
  c.header("Cache-Control", "no-store");
};
