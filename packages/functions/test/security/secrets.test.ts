/**
 * Issue 5: a full sync and every error path, with everything captured — the sync engine's log lines,
 * the HTTP apps' log lines, every response body and every stored item — and no Template API key, webhook
 * secret, admin token or Template setting secret appears anywhere in clear.
 */
import { ScanCommand } from "@aws-sdk/lib-dynamodb";
import { parseAdminTokens } from "@dashboard/core/auth";
import * as SiteStore from "@dashboard/core/site";
import { signatureHeader } from "@dashboard/core/webhook";
import { createApiApp } from "@dashboard/functions/http/app";
import { createWebhookApp } from "@dashboard/functions/http/webhook-app";
import { type Sim, startSim } from "@dashboard/template-sim";
import { createEngine, type Engine } from "@dashboard/testing/engine";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { collectingLogger, type LogLine } from "../http/client";

const API_KEY = "tplkey_9Xq2Lm7Vb4Nc8Rt1";
const ADMIN_TOKEN = "adm_secret_Zk5Wp3Jd8Hs2Qf6Y";

describe("no secret in any log line, response or stored item", () => {
  let engine: Engine;
  let sim: Sim;
  const httpLines: LogLine[] = [];
  const syncLines: string[] = [];
  const bodies: string[] = [];
  let webhookSecret = "";
  let api: ReturnType<typeof createApiApp>;
  let hook: ReturnType<typeof createWebhookApp>;

  const call = async (
    app: { request: (p: string, i?: RequestInit) => Response | Promise<Response> },
    path: string,
    init: RequestInit = {},
  ) => {
    const res = await app.request(path, init);
    const text = await res.text();
    bodies.push(text);
    return { status: res.status, text };
  };
  const admin = (path: string, init: RequestInit = {}) =>
    call(api, path, {
      ...init,
      headers: {
        authorization: `Bearer ${ADMIN_TOKEN}`,
        "content-type": "application/json",
        ...(init.headers ?? {}),
      },
    });

  beforeAll(async () => {
    engine = await createEngine("secrets");
    sim = await startSim({
      apiKey: API_KEY,
      sizes: { paintings: 30, users: 20, orders: 15 },
      settingsShape: "flat",
    });
    api = createApiApp({
      ctx: engine.ctx,
      tokens: parseAdminTokens(ADMIN_TOKEN),
      logger: collectingLogger(httpLines),
    });
    hook = createWebhookApp({ ctx: engine.ctx, logger: collectingLogger(httpLines) });
  });
  afterAll(async () => {
    await sim?.close();
  });

  it("holds through a full sync and every error path", async () => {
    const onLog = (entry: { message: string }) => syncLines.push(JSON.stringify(entry));
    // Create, read, list, patch: the key never comes back.
    const created = await admin("/api/sites", {
      method: "POST",
      body: JSON.stringify({ id: "secret-site", name: "Atelier", template_url: sim.url, api_key: API_KEY }),
    });
    expect(created.status).toBe(201);
    webhookSecret = (JSON.parse(created.text) as { webhook_secret: string }).webhook_secret;
    expect(webhookSecret).toMatch(/^whsec_/);
    await admin("/api/sites/secret-site");
    await admin("/api/sites");
    await admin("/api/sites/secret-site", { method: "PATCH", body: JSON.stringify({ api_key: API_KEY }) });
    // A bad body that carries the key: the error must not echo it.
    const bad = await admin("/api/sites", {
      method: "POST",
      body: JSON.stringify({ name: "x", template_url: "ftp://nope", api_key: API_KEY }),
    });
    expect(bad.status).toBe(400);

    // A full sync, then the failure paths: the Template echoing the key in its error, a wrong key, bad JSON.
    await engine.sync("secret-site", undefined, { onLog });
    sim.faults.set("users", { status: 500, times: 10, message: `bad key ${API_KEY} for user` });
    await engine.sync("secret-site", ["users"], { onLog });
    sim.faults.reset();
    sim.faults.set("orders", { malformed: 5 });
    await engine.sync("secret-site", ["orders"], { onLog });
    sim.faults.reset();
    await SiteStore.update(engine.ctx, "secret-site", { api_key: "tplkey_wrong_1234567" });
    await engine.sync("secret-site", ["paintings"], { onLog });

    // Read everything back through the API.
    const runs = JSON.parse((await admin("/api/sync/runs?site_id=secret-site")).text) as {
      items: { run_id: string }[];
    };
    for (const r of runs.items) {
      await admin(`/api/sync/runs/${r.run_id}`);
      await admin(`/api/sync/runs/${r.run_id}/invalid`);
    }
    await admin("/api/sites/secret-site/settings");
    await admin("/api/paintings?site_id=secret-site");
    await admin("/api/users?site_id=secret-site");

    // Webhooks: good, bad, stale; rotation shows the new secret once.
    const body = JSON.stringify({ event: "painting_updated", site_id: "secret-site", event_id: "e1" });
    const signed = await call(hook, "/api/sync/webhook/template", {
      method: "POST",
      body,
      headers: {
        "content-type": "application/json",
        "x-template-signature": signatureHeader(webhookSecret, body),
      },
    });
    expect(signed.status).toBe(202);
    await call(hook, "/api/sync/webhook/template", {
      method: "POST",
      body,
      headers: { "x-template-signature": `t=1,v1=${"0".repeat(64)}` },
    });
    const rotated = await admin("/api/sites/secret-site/webhook-secret", { method: "POST" });
    const newSecret = (JSON.parse(rotated.text) as { webhook_secret: string }).webhook_secret;
    // Wrong and missing admin tokens.
    await call(api, "/api/sites", { headers: { authorization: `Bearer ${ADMIN_TOKEN}x` } });
    await call(api, "/api/sites");

    // Settings secrets the Template served in clear.
    const flatSettings = sim.data.settings as Record<string, string>;
    const templateSecrets = ["smtp_password", "export_api_key", "stripe_webhook_secret"]
      .map((k) => flatSettings[k])
      .filter((v): v is string => typeof v === "string" && v.length > 6);
    expect(templateSecrets.length).toBeGreaterThan(0);

    const stored = JSON.stringify(
      (await engine.ctx.db.send(new ScanCommand({ TableName: engine.ctx.table }))).Items ?? [],
    );
    const logs = `${httpLines.map((l) => JSON.stringify(l)).join("\n")}\n${syncLines.join("\n")}`;
    // Responses may show a secret exactly where the contract says: once, at creation and rotation.
    const responses = bodies.filter((b) => !b.includes('"webhook_secret"')).join("\n");
    for (const secret of [
      API_KEY,
      "tplkey_wrong_1234567",
      webhookSecret,
      newSecret,
      ADMIN_TOKEN,
      ...templateSecrets,
    ]) {
      expect(stored, "stored items").not.toContain(secret);
      expect(logs, "log lines").not.toContain(secret);
      expect(responses, "responses").not.toContain(secret);
    }
    // The failure paths really ran and were logged.
    expect(syncLines.some((l) => l.includes("invalid_api_key") || /refused|401|clé|key/i.test(l))).toBe(true);
    expect(syncLines.length).toBeGreaterThan(10);
  });
});
