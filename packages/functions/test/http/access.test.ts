/**
 * Named tokens, roles and the audit log through the admin API on DynamoDB Local:
 *
 * - every route the app serves × every role (and revoked, expired and unknown tokens) against the status the
 *   route's declared role implies, and the declared roles against the table;
 * - a route registered without a role cannot be called by anyone;
 * - tokens: created (shown once, stored as a hash), listed, revoked (refused from the next request on);
 * - the audit log: one entry per action with the right actor, outcome and origin, never a secret; filters
 *   and cursors; no way to change it through the API;
 * - viewers get e-mail addresses masked; reads in clear are audited.
 */
import { GetCommand, QueryCommand } from "@aws-sdk/lib-dynamodb";
import { parseAdminTokens } from "@dashboard/core/auth";
import { sha256Hex } from "@dashboard/core/crypto";
import { allows, ROLES, type Role } from "@dashboard/core/role";
import { Keys } from "@dashboard/core/store/keys";
import { createApiApp } from "@dashboard/functions/http/app";
import { PUBLIC_PATHS } from "@dashboard/functions/http/auth";
import { accessOf } from "@dashboard/functions/http/openapi";
import {
  AuditEntry,
  Me,
  Order,
  SiteCreated,
  TokenCreated,
  TokenInfo,
  TokenList,
  User,
} from "@dashboard/functions/http/schemas";
import { type Sim, startSim } from "@dashboard/template-sim";
import { createRoute, z } from "@hono/zod-openapi";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ADMIN_TOKEN, call, collectingLogger, errorOf, type HttpResult, parse, walk } from "./client";
import { createEnv, type TestEnv } from "./env";

const SIM_KEY = "tpl-access-key-0a1b2c3d4e5f";
const SITE = "atelier-acces";

let env: TestEnv;
let sim: Sim;
/** Every body the API answered, for the leak checks. */
const bodies: string[] = [];
const as = (token: string | null, method: string, path: string, opts: Parameters<typeof call>[3] = {}) =>
  call(env.api, method, path, { ...opts, token }, bodies);

const tokens: Record<Role, string> = { viewer: "", operator: "", owner: "" };
const ids: Record<Role, string> = { viewer: "", operator: "", owner: "" };
let revoked = "";
let expiring = "";

async function createToken(
  name: string,
  role: Role,
  expires_at?: string,
): Promise<z.infer<typeof TokenCreated>> {
  const res = await as(ADMIN_TOKEN, "POST", "/api/tokens", { json: { name, role, expires_at } });
  expect(res.status).toBe(201);
  return parse(TokenCreated, res);
}

beforeAll(async () => {
  env = await createEnv("api-access");
  sim = await startSim({ apiKey: SIM_KEY, siteName: "Atelier Accès", seed: 7 });
  const site = await as(ADMIN_TOKEN, "POST", "/api/sites", {
    json: { id: SITE, name: "Atelier Accès", template_url: sim.url, api_key: SIM_KEY },
  });
  expect(site.status).toBe(201);
  expect((await as(ADMIN_TOKEN, "POST", `/api/sync/template/${SITE}`)).status).toBe(202);
  await env.drain();
  for (const role of ROLES) {
    const created = await createToken(`Marie (${role})`, role);
    tokens[role] = created.token;
    ids[role] = created.info.token_id;
  }
  const gone = await createToken("Ancien script", "owner");
  revoked = gone.token;
  expect((await as(ADMIN_TOKEN, "DELETE", `/api/tokens/${gone.info.token_id}`)).status).toBe(200);
  const tomorrow = new Date(Date.now() + 86_400_000).toISOString();
  expiring = (await createToken("Comptable (un jour)", "viewer", tomorrow)).token;
});

afterAll(async () => {
  await env?.close();
  await sim?.close();
});

// ---- the route × role matrix ---------------------------------------------------------------------------

/** `METHOD /path/:param` of every route handler the app registered. */
const registered = () => [
  ...new Set(env.api.routes.filter((r) => r.method !== "ALL").map((r) => `${r.method} ${r.path}`)),
];
const adminRoutes = () => registered().filter((r) => !PUBLIC_PATHS.has(r.split(" ")[1] ?? ""));
const concrete = (pattern: string) => pattern.replace(/:id\b/g, "1").replace(/:[a-z_]+/g, "no-such-id");

/** The table: what each route needs. A new route must be added here, with its role. */
const EXPECTED_ROLES: Record<string, Role> = {
  "GET /api/me": "viewer",
  "GET /api/sites": "viewer",
  "GET /api/sites/:site_id": "viewer",
  "GET /api/sites/:site_id/settings": "viewer",
  "GET /api/sites/:site_id/stats": "viewer",
  "GET /api/sync/runs": "viewer",
  "GET /api/sync/runs/:run_id": "viewer",
  "GET /api/sync/runs/:run_id/invalid": "viewer",
  "GET /api/paintings": "viewer",
  "GET /api/users": "viewer",
  "GET /api/orders": "viewer",
  "GET /api/exhibitions": "viewer",
  "GET /api/paintings/facets": "viewer",
  "GET /api/users/facets": "viewer",
  "GET /api/orders/facets": "viewer",
  "GET /api/custom_requests": "viewer",
  "GET /api/sites/:site_id/paintings/:id": "viewer",
  "GET /api/sites/:site_id/users/:id": "viewer",
  "GET /api/sites/:site_id/orders/:id": "viewer",
  "GET /api/sites/:site_id/exhibitions/:id": "viewer",
  "GET /api/sites/:site_id/custom_requests/:id": "viewer",
  "GET /api/activity": "viewer",
  "GET /api/sites/:site_id/paintings/:id/history": "viewer",
  "GET /api/sites/:site_id/users/:id/history": "viewer",
  "GET /api/sites/:site_id/orders/:id/history": "viewer",
  "GET /api/sites/:site_id/exhibitions/:id/history": "viewer",
  "GET /api/sites/:site_id/custom_requests/:id/history": "viewer",
  "POST /api/sites": "operator",
  "PATCH /api/sites/:site_id": "operator",
  "POST /api/sync/template/:site_id": "operator",
  "POST /api/sync/runs/:run_id/cancel": "operator",
  "DELETE /api/sites/:site_id": "owner",
  "POST /api/sites/:site_id/webhook-secret": "owner",
  "GET /api/tokens": "owner",
  "POST /api/tokens": "owner",
  "DELETE /api/tokens/:token_id": "owner",
  "GET /api/audit": "owner",
  "GET /api/export/paintings.csv": "viewer",
  "GET /api/export/users.csv": "viewer",
  "GET /api/export/orders.csv": "viewer",
  "GET /api/export/exhibitions.csv": "viewer",
  "GET /api/export/custom_requests.csv": "viewer",
  "GET /api/export/runs.csv": "viewer",
  "GET /api/export/activity.csv": "viewer",
  "GET /api/export/:list": "viewer",
  "GET /api/alerts/subscriptions": "owner",
  "POST /api/alerts/subscriptions": "owner",
  "GET /api/alerts/subscriptions/:subscription_id": "owner",
  "PATCH /api/alerts/subscriptions/:subscription_id": "owner",
  "DELETE /api/alerts/subscriptions/:subscription_id": "owner",
  "POST /api/alerts/subscriptions/:subscription_id/test": "owner",
  "GET /api/alerts/subscriptions/:subscription_id/deliveries": "owner",
  "GET /api/alerts/outbox": "owner",
};

const request = (token: string, route: string) => {
  const [method = "", pattern = ""] = route.split(" ");
  const body = method === "POST" || method === "PATCH" ? { json: {} } : {};
  return as(token, method, concrete(pattern), body);
};

describe("roles on every route", () => {
  it("declares a role on every route the app serves, as the issue's table says", () => {
    const routes = adminRoutes();
    expect(routes.length).toBeGreaterThanOrEqual(27);
    const declared = Object.fromEntries(
      routes.map((route) => {
        const [method = "", path = ""] = route.split(" ");
        return [route, accessOf(method, path)?.role ?? "NONE"];
      }),
    );
    expect(declared).toEqual(EXPECTED_ROLES);
  });

  for (const role of ["viewer", "operator", "owner"] as const) {
    it(`answers every route as its role says for a ${role} token`, async () => {
      for (const route of adminRoutes()) {
        const required = EXPECTED_ROLES[route] ?? "owner";
        const res = await request(tokens[role], route);
        if (allows(role, required)) {
          expect({ route, status: res.status }).not.toMatchObject({ status: 401 });
          expect({ route, status: res.status }).not.toMatchObject({ status: 403 });
          expect(res.status).toBeLessThan(500);
        } else {
          expect({ route, status: res.status }).toEqual({ route, status: 403 });
          expect(errorOf(res)).toMatchObject({ code: "forbidden", reason: "role_forbidden" });
          expect(errorOf(res).message).toContain(required);
        }
      }
    });
  }

  const refusedTokens: [string, () => string, string | undefined][] = [
    ["revoked", () => revoked, "token_revoked"],
    ["unknown", () => "adt_0000000000000000000000000000000000000000000", undefined],
  ];
  for (const [label, token, reason] of refusedTokens) {
    it(`answers 401 (${reason ?? "unauthorized"}) on every route for a ${label} token`, async () => {
      for (const route of adminRoutes()) {
        const res = await request(token(), route);
        expect({ route, status: res.status }).toEqual({ route, status: 401 });
        expect(errorOf(res).code).toBe("unauthorized");
        expect(errorOf(res).reason).toBe(reason);
      }
    });
  }

  it("answers 401 (token_expired) on every route once a token's expiry has passed", async () => {
    const later = createApiApp({
      ctx: { ...env.ctx, now: () => new Date(Date.now() + 2 * 86_400_000) },
      tokens: parseAdminTokens(ADMIN_TOKEN),
      logger: collectingLogger([]),
    });
    expect((await call(env.api, "GET", "/api/me", { token: expiring })).status).toBe(200);
    for (const route of adminRoutes()) {
      const [method = "", pattern = ""] = route.split(" ");
      const res = await call(later, method, concrete(pattern), { token: expiring });
      expect({ route, status: res.status }).toEqual({ route, status: 401 });
      expect(errorOf(res).reason).toBe("token_expired");
    }
  });

  it("refuses a route registered without a role to every token, even the owner's", async () => {
    const app = createApiApp({
      ctx: env.ctx,
      tokens: parseAdminTokens(ADMIN_TOKEN),
      logger: collectingLogger([]),
    });
    const rogue = createRoute({
      method: "get",
      path: "/api/rogue",
      responses: { 200: { description: "ok", content: { "application/json": { schema: z.object({}) } } } },
    });
    app.openapi(rogue, (c) => c.json({}, 200));
    for (const token of [ADMIN_TOKEN, tokens.owner]) {
      const res = await call(app, "GET", "/api/rogue", { token });
      expect(res.status).toBe(403);
      expect(errorOf(res).reason).toBe("route_without_role");
    }
  });

  it("states each route's role in the OpenAPI document", async () => {
    const doc = (await as(null, "GET", "/api/openapi.json")).json as {
      paths: Record<string, Record<string, { "x-required-role"?: string; description?: string }>>;
    };
    for (const [route, role] of Object.entries(EXPECTED_ROLES)) {
      const [method = "", path = ""] = route.split(" ");
      const op = doc.paths[path.replace(/:([a-z_]+)/g, "{$1}")]?.[method.toLowerCase()];
      expect({ route, role: op?.["x-required-role"] }).toEqual({ route, role });
      expect(op?.description).toContain("**Role:**");
    }
  });
});

// ---- tokens --------------------------------------------------------------------------------------------

describe("named tokens", () => {
  it("tells each token who it is", async () => {
    for (const role of ROLES) {
      const me = parse(Me, await as(tokens[role], "GET", "/api/me"));
      expect(me).toMatchObject({ role, name: `Marie (${role})`, token_id: ids[role] });
    }
    expect(parse(Me, await as(ADMIN_TOKEN, "GET", "/api/me"))).toMatchObject({
      role: "owner",
      name: "bootstrap",
    });
  });

  it("stores a token as its hash only, and lists tokens without their values", async () => {
    const created = await createToken("Script de sauvegarde", "viewer");
    expect(created.token).toMatch(/^adt_/);
    const item = await env.ctx.db.send(
      new GetCommand({ TableName: env.tableName, Key: Keys.adminToken(sha256Hex(created.token)) }),
    );
    expect(item.Item?.name).toBe("Script de sauvegarde");
    const all = await env.ctx.db.send(
      new QueryCommand({
        TableName: env.tableName,
        KeyConditionExpression: "pk = :pk",
        ExpressionAttributeValues: { ":pk": Keys.adminTokenPartition },
      }),
    );
    expect(JSON.stringify(all.Items)).not.toContain(created.token);
    const list = parse(TokenList, await as(tokens.owner, "GET", "/api/tokens"));
    const mine = list.items.find((t) => t.token_id === created.info.token_id);
    expect(mine).toMatchObject({ name: "Script de sauvegarde", role: "viewer", status: "active" });
    expect(mine?.created_by).toBe("bootstrap");
    expect(list.items.find((t) => t.name === "Ancien script")?.status).toBe("revoked");
    expect(JSON.stringify(list)).not.toContain("adt_");
  });

  it("records when a token was last used, and who created it", async () => {
    const created = await createToken("Support", "operator");
    expect(created.info.last_used_at).toBeUndefined();
    await as(created.token, "GET", "/api/sites");
    const list = parse(TokenList, await as(tokens.owner, "GET", "/api/tokens"));
    const info = list.items.find((t) => t.token_id === created.info.token_id);
    expect(info?.last_used_at).toBeDefined();
    expect(info?.created_by).toBe("bootstrap");
  });

  it("refuses a revoked token from its next request on", async () => {
    const created = await (async () => {
      const res = await as(tokens.owner, "POST", "/api/tokens", {
        json: { name: "Stagiaire", role: "viewer" },
      });
      return parse(TokenCreated, res);
    })();
    expect((await as(created.token, "GET", "/api/sites")).status).toBe(200);
    const res = await as(tokens.owner, "DELETE", `/api/tokens/${created.info.token_id}`);
    expect(parse(TokenInfo, res)).toMatchObject({ status: "revoked", revoked_by: "Marie (owner)" });
    const next = await as(created.token, "GET", "/api/sites");
    expect(next.status).toBe(401);
    expect(errorOf(next).reason).toBe("token_revoked");
  });

  it("refuses a bad token request with 400: no name, unknown role, expiry in the past", async () => {
    for (const json of [
      { role: "viewer" },
      { name: "X", role: "admin" },
      { name: "X", role: "viewer", expires_at: "2001-01-01T00:00:00Z" },
      { name: "a\u0000b", role: "viewer" },
      { name: "Bootstrap", role: "owner" },
    ]) {
      const res = await as(tokens.owner, "POST", "/api/tokens", { json });
      expect({ json, status: res.status }).toEqual({ json, status: 400 });
    }
    expect((await as(tokens.owner, "DELETE", "/api/tokens/tok_0000000000000000")).status).toBe(404);
  });
});

// ---- the audit log -------------------------------------------------------------------------------------

async function auditOf(query: string): Promise<z.infer<typeof AuditEntry>[]> {
  return (await walk(env.api, `/api/audit?${query}`, AuditEntry, bodies)).items;
}

describe("audit log", () => {
  let webhookSecret = "";
  const siteKey = "tpl-audited-key-9z8y7x6w";

  it("records every change with its actor, target, fields, origin and outcome, never a secret", async () => {
    const origin = { "user-agent": "vitest-audit/1.0", "x-forwarded-for": "203.0.113.7" };
    const created = await as(tokens.operator, "POST", "/api/sites", {
      json: { id: "atelier-audit", name: "Atelier Audit", template_url: sim.url, api_key: siteKey },
      headers: origin,
    });
    expect(created.status).toBe(201);
    webhookSecret = parse(SiteCreated, created).webhook_secret;
    const steps: [Role, string, string, unknown][] = [
      ["operator", "PATCH", "/api/sites/atelier-audit", { name: "Atelier Audité", api_key: `${siteKey}-2` }],
      ["operator", "POST", "/api/sync/template/atelier-audit", undefined],
      ["owner", "POST", "/api/sites/atelier-audit/webhook-secret", undefined],
      ["owner", "DELETE", "/api/sites/atelier-audit", undefined],
    ];
    for (const [role, method, path, json] of steps) {
      const res = await as(tokens[role], method, path, { ...(json ? { json } : {}), headers: origin });
      expect({ path, status: res.status < 300 }).toEqual({ path, status: true });
    }
    await env.takeMessages();

    const entries = await auditOf("site_id=atelier-audit");
    expect(entries.map((e) => [e.action, e.actor.name, e.outcome])).toEqual([
      ["site.deleted", "Marie (owner)", "success"],
      ["site.webhook_secret_rotated", "Marie (owner)", "success"],
      ["sync.started", "Marie (operator)", "success"],
      ["site.updated", "Marie (operator)", "success"],
      ["site.created", "Marie (operator)", "success"],
    ]);
    for (const e of entries) {
      expect(e).toMatchObject({ forwarded_for: "203.0.113.7", user_agent: "vitest-audit/1.0" });
      expect(e.target).toEqual({ type: "site", id: "atelier-audit" });
    }
    expect(entries.find((e) => e.action === "site.updated")?.fields?.sort()).toEqual(["api_key", "name"]);
    const text = JSON.stringify(entries);
    for (const secret of [siteKey, webhookSecret, ADMIN_TOKEN, tokens.operator, tokens.owner]) {
      expect(text).not.toContain(secret);
    }
  });

  it("records token changes, and refusals for the role with outcome denied", async () => {
    const created = await createToken("Audité", "viewer");
    await as(ADMIN_TOKEN, "DELETE", `/api/tokens/${created.info.token_id}`);
    const denied = await as(tokens.viewer, "DELETE", `/api/sites/${SITE}`);
    expect(denied.status).toBe(403);
    expect((await as(tokens.viewer, "GET", `/api/sites/${SITE}`)).status).toBe(200);

    const tokenEntries = await auditOf(`action=token.revoked&actor=bootstrap`);
    expect(tokenEntries[0]).toMatchObject({
      target: { type: "token", id: created.info.token_id },
      outcome: "success",
    });
    const createdEntry = (await auditOf("action=token.created")).find(
      (e) => e.target?.id === created.info.token_id,
    );
    expect(createdEntry?.fields?.sort()).toEqual(["name", "role"]);
    expect(JSON.stringify(await auditOf("action=token.created"))).not.toContain(created.token);

    const refused = await auditOf(`outcome=denied&actor=${ids.viewer}`);
    expect(refused[0]).toMatchObject({
      action: "site.deleted",
      status: 403,
      reason: "role_forbidden",
      site_id: SITE,
      actor: { name: "Marie (viewer)", role: "viewer" },
    });
  });

  it("walks the log with a cursor, newest first, without gaps or repeats", async () => {
    const all = await auditOf("");
    const paged = (await walk(env.api, "/api/audit?limit=2", AuditEntry, bodies)).items;
    expect(paged.map((e) => e.audit_id)).toEqual(all.map((e) => e.audit_id));
    expect(new Set(paged.map((e) => e.audit_id)).size).toBe(paged.length);
    const times = all.map((e) => e.at);
    expect(times).toEqual([...times].sort().reverse());
    const since = all[1]?.at ?? "";
    expect((await auditOf(`from=${encodeURIComponent(since)}`)).length).toBeGreaterThanOrEqual(2);
  });

  it("cannot be changed through the API", async () => {
    const one = (await auditOf(""))[0];
    for (const method of ["POST", "PUT", "PATCH", "DELETE"]) {
      const res = await as(tokens.owner, method, "/api/audit", { json: {} });
      expect(res.status).toBe(404);
      const item = await as(tokens.owner, method, `/api/audit/${one?.audit_id}`, { json: {} });
      expect(item.status).toBe(404);
    }
  });

  it("expires entries after the configured retention (TTL)", async () => {
    const out = await env.ctx.db.send(
      new QueryCommand({
        TableName: env.tableName,
        KeyConditionExpression: "pk = :pk",
        ExpressionAttributeValues: { ":pk": Keys.auditPartition },
        Limit: 5,
      }),
    );
    for (const item of out.Items ?? []) {
      const at = Date.parse(String(item.at)) / 1000;
      expect(Number(item.expires_at) - at).toBeGreaterThan(env.ctx.retention.auditDays * 86_400 - 5);
      expect(Number(item.expires_at) - at).toBeLessThan(env.ctx.retention.auditDays * 86_400 + 5);
    }
  });
});

// ---- personal data --------------------------------------------------------------------------------------

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

describe("personal data", () => {
  const emails = (res: HttpResult) => (res.json as { items: { email: string }[] }).items.map((i) => i.email);

  it("masks customers' and users' e-mail addresses for a viewer, everywhere", async () => {
    const users = await as(tokens.viewer, "GET", `/api/users?site_id=${SITE}`);
    const orders = await as(tokens.viewer, "GET", `/api/orders?site_id=${SITE}`);
    expect(emails(users).length).toBeGreaterThan(0);
    for (const email of [...emails(users), ...emails(orders)]) expect(email).toMatch(/^.\*\*\*@.\*\*\*/);
    const user = (users.json as { items: { id: number }[] }).items[0];
    const one = parse(User, await as(tokens.viewer, "GET", `/api/sites/${SITE}/users/${user?.id}`));
    expect(one.email).toMatch(/\*\*\*/);
    const order = (orders.json as { items: { id: number }[] }).items[0];
    const oneOrder = parse(Order, await as(tokens.viewer, "GET", `/api/sites/${SITE}/orders/${order?.id}`));
    expect(oneOrder.email).toMatch(/\*\*\*/);
    // Nothing a viewer was sent holds one of the site's addresses in clear.
    const served = (sim.served("users") as { email?: unknown }[]).map((u) => u.email);
    for (const email of served.filter((e): e is string => typeof e === "string" && EMAIL.test(e))) {
      expect(users.text).not.toContain(email);
    }
  });

  it("shows them in clear to an operator, and records that read in the audit log", async () => {
    const users = await as(tokens.operator, "GET", `/api/users?site_id=${SITE}&role=user`);
    expect(emails(users).some((e) => EMAIL.test(e) && !e.includes("***"))).toBe(true);
    const entry = (await auditOf(`action=personal_data.read&actor=${ids.operator}`))[0];
    expect(entry).toMatchObject({ outcome: "success", site_id: SITE });
    expect(entry?.target).toBeUndefined();
    expect(entry?.fields?.sort()).toEqual(["role", "site_id"]);
    // A viewer's masked read is not an access to personal data: nothing recorded.
    expect(await auditOf(`action=personal_data.read&actor=${ids.viewer}`)).toEqual([]);
  });
});
