/**
 * Sites through the admin API on DynamoDB Local: create, read, update, rotate the webhook secret, delete;
 * their errors; and the API key never leaving the server (not in any body, not in any log line).
 */
import { parseAdminTokens } from "@dashboard/core/auth";
import { createCtx } from "@dashboard/core/context";
import { generateKeyRingEntry } from "@dashboard/core/crypto";
import * as Sites from "@dashboard/core/site";
import { createApiApp } from "@dashboard/functions/http/app";
import { SiteCreated, SiteList, Site as SiteSchema, WebhookSecret } from "@dashboard/functions/http/schemas";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ADMIN_TOKEN, call, collectingLogger, errorOf, type LogLine, logText, parse } from "./client";
import { createEnv, type TestEnv } from "./env";

const API_KEY = "tpl-live-key-9d8c7b6a5f4e3d2c";
const OTHER_KEY = "tpl-rotated-key-1a2b3c4d5e6f7g8h";

let env: TestEnv;
/** Every response body of this file, to check no secret ever appears in one. */
const bodies: string[] = [];
const api = (method: string, path: string, opts: Parameters<typeof call>[3] = {}) =>
  call(env.api, method, path, opts, bodies);

beforeAll(async () => {
  env = await createEnv("api-sites");
});

afterAll(async () => {
  await env?.close();
});

const create = (body: Record<string, unknown>) =>
  api("POST", "/api/sites", {
    json: { name: "Atelier Claire", template_url: "https://claire.example.com/", api_key: API_KEY, ...body },
  });

describe("POST /api/sites", () => {
  it("creates a site: 201 with the site and its webhook secret, never the key", async () => {
    const res = await create({ id: "atelier-claire" });
    expect(res.status).toBe(201);
    const { site, webhook_secret } = parse(SiteCreated, res);
    expect(site).toMatchObject({
      id: "atelier-claire",
      name: "Atelier Claire",
      template_url: "https://claire.example.com",
      enabled: true,
      api_key_last4: API_KEY.slice(-4),
    });
    expect(webhook_secret).toMatch(/^whsec_/);
    expect(Object.keys(site)).not.toContain("api_key");
    // The secret shown is the one the webhook will check.
    expect(await Sites.webhookSecrets(env.ctx, "atelier-claire")).toEqual([webhook_secret]);
  });

  it("makes an id from the name when none is given", async () => {
    const res = await create({ name: "Galerie Éole" });
    expect(res.status).toBe(201);
    expect(parse(SiteCreated, res).site.id).toMatch(/^galerie-eole-[a-z0-9]+$/);
  });

  it("refuses a duplicate id with 409", async () => {
    const res = await create({ id: "atelier-claire" });
    expect(res.status).toBe(409);
    expect(errorOf(res)).toMatchObject({ code: "conflict", reason: "site_exists" });
  });

  it("refuses a bad body with 400 naming the fields", async () => {
    const cases: Record<string, unknown>[] = [
      { template_url: "ftp://claire.example.com" },
      { template_url: "not a url" },
      { name: "" },
      { api_key: "" },
      { id: "Not A Slug!" },
      { enabled: "yes" },
    ];
    for (const body of cases) {
      const res = await create({ id: "atelier-bad", ...body });
      expect({ body, status: res.status }).toEqual({ body, status: 400 });
      const field = Object.keys(body)[0] ?? "";
      const issues = (errorOf(res).details as { issues: { path: string }[] }).issues;
      expect(issues.map((i) => i.path)).toContain(field);
    }
    const missing = await api("POST", "/api/sites", { json: { name: "Sans URL" } });
    expect(missing.status).toBe(400);
    const none = await api("POST", "/api/sites");
    expect(none.status).toBe(400);
    expect((await api("GET", "/api/sites/atelier-bad")).status).toBe(404);
  });
});

describe("GET /api/sites", () => {
  it("lists every site", async () => {
    const res = await api("GET", "/api/sites");
    expect(res.status).toBe(200);
    const ids = parse(SiteList, res).items.map((s) => s.id);
    expect(ids).toContain("atelier-claire");
    expect(ids.some((id) => id.startsWith("galerie-eole-"))).toBe(true);
  });

  it("reads one site, or 404", async () => {
    const res = await api("GET", "/api/sites/atelier-claire");
    expect(res.status).toBe(200);
    expect(parse(SiteSchema, res).id).toBe("atelier-claire");
    const missing = await api("GET", "/api/sites/no-such-site");
    expect(missing.status).toBe(404);
    expect(errorOf(missing)).toMatchObject({ code: "not_found", reason: "site_not_found" });
  });
});

describe("PATCH /api/sites/{site_id}", () => {
  it("changes name, URL (same origin) and enabled", async () => {
    const res = await api("PATCH", "/api/sites/atelier-claire", {
      json: {
        name: "Atelier Claire D.",
        template_url: "https://claire.example.com/boutique",
        enabled: false,
      },
    });
    expect(res.status).toBe(200);
    expect(parse(SiteSchema, res)).toMatchObject({
      name: "Atelier Claire D.",
      template_url: "https://claire.example.com/boutique",
      enabled: false,
    });
    expect(parse(SiteSchema, await api("GET", "/api/sites/atelier-claire")).enabled).toBe(false);
  });

  it("refuses to move a site to another origin without its api_key, and changes nothing", async () => {
    const before = parse(SiteSchema, await api("GET", "/api/sites/atelier-claire"));
    for (const url of [
      "https://attacker.example.net",
      "http://claire.example.com/boutique",
      "https://claire.example.com:8443/boutique",
    ]) {
      const res = await api("PATCH", "/api/sites/atelier-claire", { json: { template_url: url, name: "X" } });
      expect({ url, status: res.status }).toEqual({ url, status: 400 });
      expect(errorOf(res)).toMatchObject({ code: "invalid_request", reason: "api_key_required" });
      expect(errorOf(res).details).toMatchObject({ issues: [{ path: "api_key" }] });
    }
    expect(parse(SiteSchema, await api("GET", "/api/sites/atelier-claire"))).toEqual(before);
    expect(await Sites.apiKey(env.ctx, "atelier-claire")).toBe(API_KEY);
  });

  it("moves a site to another origin when the request carries its api_key", async () => {
    const res = await api("PATCH", "/api/sites/atelier-claire", {
      json: { template_url: "https://claire-d.example.com", api_key: OTHER_KEY },
    });
    expect(res.status).toBe(200);
    expect(parse(SiteSchema, res).template_url).toBe("https://claire-d.example.com");
    expect(await Sites.apiKey(env.ctx, "atelier-claire")).toBe(OTHER_KEY);
    // Back where the other tests expect it, with its own key.
    const back = await api("PATCH", "/api/sites/atelier-claire", {
      json: { template_url: "https://claire.example.com/boutique", api_key: API_KEY },
    });
    expect(back.status).toBe(200);
  });

  it("refuses an API key with a control or non-ASCII character", async () => {
    for (const key of [
      "tpl-key\r\nX-Evil: 1",
      "tpl-key\u0000abc",
      "tpl\u2011key-1234",
      "tpl-key\u00a0abcd",
    ]) {
      const res = await create({ id: "atelier-bad-key", api_key: key });
      expect({ key, status: res.status }).toEqual({ key, status: 400 });
      expect(JSON.stringify(errorOf(res).details)).toContain("api_key");
      const patched = await api("PATCH", "/api/sites/atelier-claire", { json: { api_key: key } });
      expect(patched.status).toBe(400);
    }
    expect((await api("GET", "/api/sites/atelier-bad-key")).status).toBe(404);
  });

  it("replaces the API key without ever returning it", async () => {
    const res = await api("PATCH", "/api/sites/atelier-claire", { json: { api_key: OTHER_KEY } });
    expect(res.status).toBe(200);
    expect(parse(SiteSchema, res).api_key_last4).toBe(OTHER_KEY.slice(-4));
    expect(await Sites.apiKey(env.ctx, "atelier-claire")).toBe(OTHER_KEY);
  });

  it("refuses an empty patch, an unknown field and a bad value with 400", async () => {
    for (const json of [{}, { colour: "blue" }, { enabled: "no" }, { template_url: "javascript:alert(1)" }]) {
      const res = await api("PATCH", "/api/sites/atelier-claire", { json });
      expect({ json, status: res.status }).toEqual({ json, status: 400 });
      expect(errorOf(res).code).toBe("invalid_request");
    }
  });

  it("answers 404 for an unknown site", async () => {
    const res = await api("PATCH", "/api/sites/no-such-site", { json: { name: "x" } });
    expect(res.status).toBe(404);
  });
});

describe("POST /api/sites/{site_id}/webhook-secret", () => {
  it("returns a new secret, shown once; the previous one keeps working", async () => {
    const [before] = await Sites.webhookSecrets(env.ctx, "atelier-claire");
    const res = await api("POST", "/api/sites/atelier-claire/webhook-secret");
    expect(res.status).toBe(200);
    const { webhook_secret } = parse(WebhookSecret, res);
    expect(webhook_secret).toMatch(/^whsec_/);
    expect(webhook_secret).not.toBe(before);
    expect(await Sites.webhookSecrets(env.ctx, "atelier-claire")).toEqual([webhook_secret, before]);
    // Never shown again: not on the site.
    expect((await api("GET", "/api/sites/atelier-claire")).text).not.toContain(webhook_secret);
  });

  it("answers 404 for an unknown site", async () => {
    expect((await api("POST", "/api/sites/no-such-site/webhook-secret")).status).toBe(404);
  });
});

describe("DELETE /api/sites/{site_id}", () => {
  it("removes the site: 204, then 404", async () => {
    await create({ id: "atelier-ephemere" });
    const res = await api("DELETE", "/api/sites/atelier-ephemere");
    expect(res.status).toBe(204);
    expect(res.text).toBe("");
    expect((await api("GET", "/api/sites/atelier-ephemere")).status).toBe(404);
    expect((await api("DELETE", "/api/sites/atelier-ephemere")).status).toBe(404);
    const ids = parse(SiteList, await api("GET", "/api/sites")).items.map((s) => s.id);
    expect(ids).not.toContain("atelier-ephemere");
  });
});

describe("storage failures", () => {
  it("answer 500 with nothing from inside, and are logged with the request id", async () => {
    const logs: LogLine[] = [];
    const broken = createApiApp({
      ctx: createCtx({
        table: "no-such-table",
        encryptionKeys: generateKeyRingEntry(),
        queueUrl: env.queueUrl,
        dynamo: env.dynamo,
      }),
      tokens: parseAdminTokens(ADMIN_TOKEN),
      logger: collectingLogger(logs),
    });
    const res = await call(broken, "GET", "/api/sites", {}, bodies);
    expect(res.status).toBe(500);
    expect(res.json).toEqual({ error: { code: "internal", message: "Internal error" } });
    expect(res.text).not.toMatch(/ResourceNotFound|no-such-table|dynamo/i);
    const logged = logs.find((l) => l.level === "error" && l.message === "unhandled error");
    expect(logged?.extra[0]).toMatchObject({
      request_id: res.headers.get("x-request-id"),
      route: "/api/sites",
      error: { name: "ResourceNotFoundException" },
    });
  });
});

describe("secrets", () => {
  it("never put the API key in a response body, nor a key, token or webhook secret in a log line", () => {
    expect(bodies.length).toBeGreaterThan(20);
    for (const body of bodies) {
      expect(body).not.toContain(API_KEY);
      expect(body).not.toContain(OTHER_KEY);
    }
    const logs = logText(env.logs);
    for (const secret of [API_KEY, OTHER_KEY, ADMIN_TOKEN, "whsec_"]) expect(logs).not.toContain(secret);
  });
});
