/**
 * Every route the admin app registers: admin routes refuse a missing or wrong token (enumerated from the
 * app itself, so a new route cannot slip through unprotected), public routes answer without one, and the
 * OpenAPI document lists every route of the contract and of the app.
 */
import { parseAdminTokens } from "@dashboard/core/auth";
import { createCtx } from "@dashboard/core/context";
import { generateKeyRingEntry } from "@dashboard/core/crypto";
import { createApiApp, OPENAPI_PATH } from "@dashboard/functions/http/app";
import { PUBLIC_PATHS } from "@dashboard/functions/http/auth";
import { WEBHOOK_PATH } from "@dashboard/functions/http/webhook-app";
import { beforeAll, describe, expect, it } from "vitest";
import { ADMIN_TOKEN, call, collectingLogger, errorOf, type LogLine, logText } from "./client";

// No request below reaches storage (they are all refused first), so no table is needed.
const logs: LogLine[] = [];
const app = createApiApp({
  ctx: createCtx({
    table: "never-used",
    encryptionKeys: generateKeyRingEntry(),
    queueUrl: "http://127.0.0.1:9/q",
  }),
  tokens: parseAdminTokens(ADMIN_TOKEN),
  logger: collectingLogger(logs),
});

/** `METHOD /path/:param` of every route handler the app registered (middleware excluded). */
const registered = [
  ...new Set(app.routes.filter((r) => r.method !== "ALL").map((r) => `${r.method} ${r.path}`)),
];
const adminRoutes = registered.filter((r) => !PUBLIC_PATHS.has(r.split(" ")[1] ?? ""));

/** A concrete path for a route pattern. */
const concrete = (pattern: string) => pattern.replace(/:id\b/g, "1").replace(/:[a-z_]+/g, "some-id");

/** The routes of API-CONTRACT.md, as the OpenAPI document writes them. */
const CONTRACT = [
  "get /api/health",
  "post /api/sites",
  "get /api/sites",
  "get /api/sites/{site_id}",
  "patch /api/sites/{site_id}",
  "delete /api/sites/{site_id}",
  "post /api/sites/{site_id}/webhook-secret",
  "post /api/sync/template/{site_id}",
  "post /api/sync/webhook/template",
  "get /api/sync/runs",
  "get /api/sync/runs/{run_id}",
  "get /api/sync/runs/{run_id}/invalid",
  "get /api/paintings",
  "get /api/users",
  "get /api/orders",
  "get /api/exhibitions",
  "get /api/sites/{site_id}/paintings/{id}",
  "get /api/sites/{site_id}/users/{id}",
  "get /api/sites/{site_id}/orders/{id}",
  "get /api/sites/{site_id}/settings",
  "get /api/sites/{site_id}/stats",
];

describe("admin authentication", () => {
  it("finds every admin route of the contract among the registered routes", () => {
    // Guards the enumeration itself: if it found nothing, the tests below would prove nothing.
    expect(adminRoutes.length).toBeGreaterThanOrEqual(20);
    expect(adminRoutes).toContain("POST /api/sync/template/:site_id");
    expect(adminRoutes).toContain("DELETE /api/sites/:site_id");
  });

  const cases: [string, Record<string, string>][] = [
    ["no Authorization header", {}],
    ["a wrong token", { authorization: "Bearer adm_wrong_token_00000000000000" }],
    ["the right token with another scheme", { authorization: `Basic ${ADMIN_TOKEN}` }],
    ["an empty bearer", { authorization: "Bearer " }],
  ];
  for (const [label, headers] of cases) {
    it(`answers 401 on every admin route with ${label}`, async () => {
      for (const route of adminRoutes) {
        const [method = "", pattern = ""] = route.split(" ");
        const res = await call(app, method, concrete(pattern), {
          token: null,
          headers,
          ...(method === "POST" || method === "PATCH" ? { json: {} } : {}),
        });
        expect({ route, status: res.status }).toEqual({ route, status: 401 });
        expect(errorOf(res).code).toBe("unauthorized");
        expect(res.headers.get("www-authenticate")).toMatch(/^Bearer/);
      }
    });
  }

  it("refuses unknown paths under /api without a token, without telling whether they exist", async () => {
    const res = await call(app, "GET", "/api/no-such-thing", { token: null });
    expect(res.status).toBe(401);
  });

  it("serves the health check and the OpenAPI document without a token", async () => {
    const health = await call(app, "GET", "/api/health", { token: null });
    expect(health.status).toBe(200);
    expect(health.json).toEqual({ status: "ok" });
    const doc = await call(app, "GET", OPENAPI_PATH, { token: null });
    expect(doc.status).toBe(200);
  });

  it("answers 404 with the error shape for an unknown route when authenticated", async () => {
    const res = await call(app, "GET", "/api/no-such-thing");
    expect(res.status).toBe(404);
    expect(errorOf(res)).toMatchObject({ code: "not_found", reason: "route_not_found" });
  });

  it("answers every API request with Cache-Control: no-store, errors included", async () => {
    const answers = [
      await call(app, "GET", "/api/health", { token: null }),
      await call(app, "GET", OPENAPI_PATH, { token: null }),
      await call(app, "GET", "/api/sites", { token: null }),
      await call(app, "GET", "/api/no-such-thing"),
    ];
    expect(answers.map((r) => r.status)).toEqual([200, 200, 401, 404]);
    for (const res of answers) expect(res.headers.get("cache-control")).toBe("no-store");
  });

  it("never logs a token", () => {
    expect(logs.length).toBeGreaterThan(0);
    expect(logText(logs)).not.toContain(ADMIN_TOKEN);
    expect(logText(logs)).not.toContain("adm_wrong_token");
  });
});

describe("OpenAPI document", () => {
  type Operation = { security?: Record<string, string[]>[]; responses: Record<string, unknown> };
  let doc: {
    openapi: string;
    paths: Record<string, Record<string, Operation>>;
    components: { securitySchemes: Record<string, unknown>; schemas: Record<string, unknown> };
  };
  let operations: string[];

  beforeAll(async () => {
    doc = (await call(app, "GET", OPENAPI_PATH, { token: null })).json as typeof doc;
    operations = Object.entries(doc.paths).flatMap(([path, ops]) =>
      Object.keys(ops).map((method) => `${method} ${path}`),
    );
  });

  it("is OpenAPI 3.1 with the bearer scheme declared", () => {
    expect(doc.openapi).toBe("3.1.0");
    expect(doc.components.securitySchemes.bearerAuth).toMatchObject({ type: "http", scheme: "bearer" });
  });

  it("lists every route of the contract", () => {
    for (const route of CONTRACT) expect(operations).toContain(route);
  });

  it("lists every route the app serves, and only those (plus the webhook, served by its own app)", () => {
    const served = registered
      .filter((r) => r !== `GET ${OPENAPI_PATH}`)
      .map((r) => {
        const [method = "", path = ""] = r.split(" ");
        return `${method.toLowerCase()} ${path.replace(/:([a-z_]+)/g, "{$1}")}`;
      });
    expect([...operations].sort()).toEqual([...served, `post ${WEBHOOK_PATH}`].sort());
  });

  it("declares bearer security on admin routes and none on public ones", () => {
    for (const [path, ops] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(ops)) {
        const isPublic = PUBLIC_PATHS.has(path) || path === WEBHOOK_PATH;
        expect({ route: `${method} ${path}`, security: op.security }).toEqual({
          route: `${method} ${path}`,
          security: isPublic ? undefined : [{ bearerAuth: [] }],
        });
        if (!isPublic) expect(Object.keys(op.responses)).toContain("401");
      }
    }
  });

  it("names the core schemas as components", () => {
    for (const name of ["Site", "Run", "LogEntry", "Painting", "Order", "SyncSummary", "Error"]) {
      expect(Object.keys(doc.components.schemas)).toContain(name);
    }
  });

  it("describes data quality: the quality filter and field, flagged and rejected counts, site health", () => {
    type Param = { name: string; in: string; schema?: { enum?: string[] } };
    const params = (path: string) =>
      ((doc.paths[path]?.get as unknown as { parameters?: Param[] })?.parameters ?? []).filter(
        (p) => p.in === "query",
      );
    for (const path of ["/api/paintings", "/api/users", "/api/orders"]) {
      expect(params(path).find((p) => p.name === "quality")?.schema?.enum).toEqual(["flagged", "complete"]);
    }
    expect(params("/api/paintings").find((p) => p.name === "sort")?.schema?.enum).toEqual([
      "recent",
      "artist",
    ]);
    const props = (name: string) =>
      Object.keys(
        (doc.components.schemas[name] as { properties?: Record<string, unknown> }).properties ?? {},
      );
    expect(props("Painting")).toEqual(expect.arrayContaining(["quality", "image_url"]));
    expect(props("Site")).toContain("health");
    const entityResult = JSON.stringify(doc.components.schemas.Run);
    for (const field of ["flagged", "rejected", "invalid"]) expect(entityResult).toContain(`"${field}"`);
  });
});
