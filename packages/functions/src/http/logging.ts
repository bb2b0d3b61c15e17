/**
 * Request logging for the HTTP apps: one JSON line per request (Powertools Logger) with a request id, the
 * method, the matched route pattern, the status and the duration. Never headers, query strings or bodies:
 * they carry admin tokens, API keys, webhook signatures and secrets.
 */
import { randomUUID } from "node:crypto";
import { Logger } from "@aws-lambda-powertools/logger";
import type { Context, MiddlewareHandler } from "hono";
import { routePath } from "hono/route";

/** What the HTTP layer needs of a logger; Powertools' `Logger` is one, tests pass a collector. */
export type HttpLogger = Pick<Logger, "info" | "warn" | "error">;

export const createLogger = (serviceName: string): HttpLogger => new Logger({ serviceName });

export type RequestIdVariables = { requestId: string };

/** The id of a request: Lambda's own when running in Lambda (so log lines correlate), a fresh UUID otherwise. */
const lambdaRequestId = (c: Context): string | undefined => {
  const env = c.env as { lambdaContext?: { awsRequestId?: unknown } } | undefined;
  const id = env?.lambdaContext?.awsRequestId;
  return typeof id === "string" && id !== "" ? id : undefined;
};

export const requestIdOf = (c: Context): string | undefined => c.get("requestId") as string | undefined;

/**
 * Assigns the request id (also sent back as `X-Request-Id`) and logs the request once it is answered.
 * Must be the first middleware, so that every response, errors included, carries the id.
 */
export const requestLogging =
  (logger: HttpLogger): MiddlewareHandler =>
  async (c, next) => {
    const started = performance.now();
    const id = lambdaRequestId(c) ?? randomUUID();
    c.set("requestId", id);
    await next();
    c.res.headers.set("X-Request-Id", id);
    const status = c.res.status;
    const line = {
      request_id: id,
      method: c.req.method,
      route: routePath(c),
      status,
      duration_ms: Math.round(performance.now() - started),
    };
    if (status >= 500) logger.error("request", line);
    else logger.info("request", line);
  };
