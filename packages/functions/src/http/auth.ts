/**
 * Bearer authentication for the admin API. Secure by default: it runs on every `/api` path, so a new route
 * is protected without anyone remembering to; only the paths listed in `PUBLIC_PATHS` are open.
 */
import { type AdminTokens, authorize } from "@dashboard/core/auth";
import type { MiddlewareHandler } from "hono";

/** Paths served without a token: the health check and the OpenAPI document. */
export const PUBLIC_PATHS: ReadonlySet<string> = new Set(["/api/health", "/api/openapi.json"]);

export const adminAuth =
  (tokens: AdminTokens): MiddlewareHandler =>
  async (c, next) => {
    if (!PUBLIC_PATHS.has(c.req.path)) authorize(tokens, c.req.header("authorization"));
    await next();
  };
