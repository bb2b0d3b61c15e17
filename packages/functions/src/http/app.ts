/**
 * The admin API (API-CONTRACT.md): one OpenAPIHono app serving every `/api` route, its OpenAPI document at
 * `/api/openapi.json`, bearer authentication, roles and the audit trail on everything but the health check
 * and the document (auth.ts), `Cache-Control: no-store` on every answer, one body limit, one error mapping.
 * The Lambda entry point (`api.ts`) and the local runtime serve this same app.
 */
import type { AdminTokens } from "@dashboard/core/auth";
import type { Ctx } from "@dashboard/core/context";
import { createRoute, OpenAPIHono } from "@hono/zod-openapi";
import { bodyLimit } from "hono/body-limit";
import { except } from "hono/combine";
import { etag } from "hono/etag";
import { adminAuth } from "./auth";
import { errorHandler, noStore, notFoundHandler, payloadTooLarge, validationHook } from "./errors";
import { type HttpLogger, requestLogging } from "./logging";
import { type ApiApp, type ApiEnv, json, publicErrors, SECURITY_SCHEME } from "./openapi";
import { registerAccessRoutes } from "./routes/access";
import { registerActivityRoutes } from "./routes/activity";
import { registerAlertRoutes } from "./routes/alerts";
import { EXPORT_PREFIX, registerExportRoutes } from "./routes/export";
import { registerRecordRoutes } from "./routes/records";
import { registerSiteRoutes } from "./routes/sites";
import { registerSyncRoutes } from "./routes/sync";
import { Health } from "./schemas";
import type { WaitOptions } from "./sync-summary";
import { webhookRoute } from "./webhook-route";

/** Admin request bodies are small JSON documents; anything bigger is refused before it is read. */
export const ADMIN_BODY_LIMIT_BYTES = 1024 * 1024;

export const OPENAPI_PATH = "/api/openapi.json";

export interface ApiDeps {
  ctx: Ctx;
  tokens: AdminTokens;
  logger: HttpLogger;
  /** Overrides the body limit (tests). */
  bodyLimitBytes?: number;
  /** How the manual sync's `wait` polls the run (tests make it quicker). */
  wait?: WaitOptions;
}

export const healthRoute = createRoute({
  method: "get",
  path: "/api/health",
  tags: ["Health"],
  summary: "Liveness: 200 once the service can serve requests",
  responses: { 200: json(Health, "Serving"), ...publicErrors() },
});

export function createApiApp(deps: ApiDeps): ApiApp {
  const app: ApiApp = new OpenAPIHono<ApiEnv>({ defaultHook: validationHook });
  const limit = deps.bodyLimitBytes ?? ADMIN_BODY_LIMIT_BYTES;

  app.use("*", requestLogging(deps.logger));
  app.use("*", noStore);
  app.use("/api/*", adminAuth(deps));
  app.use("/api/*", bodyLimit({ maxSize: limit, onError: payloadTooLarge(limit) }));
  // Conditional GETs: every answer carries an ETag, and a request whose `If-None-Match` still matches gets
  // a bodyless 304. The UI's live refresh asks again every few seconds; while nothing changed it costs one
  // small request, no body and no re-render (docs/api.md "Conditional requests"). The answers stay
  // `no-store` (no cache keeps them): the UI keeps the last answer and its tag in memory itself.
  // Exports stream: an ETag would mean reading the whole file first (routes/export.ts).
  app.use("/api/*", except(`${EXPORT_PREFIX}/*`, etag()));

  app.openapi(healthRoute, (c) => c.json({ status: "ok" as const }, 200));
  registerSiteRoutes(app, deps.ctx);
  registerSyncRoutes(app, deps.ctx, deps.wait);
  registerRecordRoutes(app, deps.ctx);
  registerAccessRoutes(app, deps.ctx);
  registerActivityRoutes(app, deps.ctx);
  registerExportRoutes(app, deps.ctx, deps.logger);
  registerAlertRoutes(app, deps.ctx);

  // The webhook is served by its own app (and Lambda); it is listed here so the document covers all of /api.
  app.openAPIRegistry.registerPath(webhookRoute);
  app.openAPIRegistry.registerComponent("securitySchemes", SECURITY_SCHEME, {
    type: "http",
    scheme: "bearer",
    description:
      "An admin token: `Authorization: Bearer <token>`. Each route states the role it needs (`x-required-role`: viewer < operator < owner).",
  });
  // Built on the first request for it, then kept: every cold start of the API would otherwise pay for a
  // document that is rarely asked for (about a third of the function's init; docs/performance.md). The tests
  // fetch it, so a route whose schema cannot be documented still fails there.
  let document: ReturnType<ApiApp["getOpenAPI31Document"]> | undefined;
  app.get(OPENAPI_PATH, (c) => {
    document ??= app.getOpenAPI31Document({
      openapi: "3.1.0",
      info: {
        title: "artworksdigital Dashboard API",
        version: "1.0.0",
        description:
          'Sites, syncs and the data synced from each artist site\'s Template. Errors are `{"error": {"code", "reason"?, "message", "details"?}}`; lists are `{"items", "next_cursor"?}`.',
      },
    });
    return c.json(document);
  });

  app.onError(errorHandler(deps.logger));
  app.notFound(notFoundHandler);
  return app;
}
