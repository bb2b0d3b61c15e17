/**
 * The alerts routes through the admin API, on DynamoDB Local and fauxqs with a receiver on 127.0.0.1: an owner
 * creates a subscription (its signing secret shown once), sends a test (a correctly signed POST) and reads the
 * delivery and its attempt; e-mail tests land in the outbox; every change is audited without the secret;
 * operators and viewers are refused; the outbox does not exist in production.
 */
import { parseAdminTokens } from "@dashboard/core/auth";
import { verify } from "@dashboard/core/signature";
import { createApiApp } from "@dashboard/functions/http/app";
import type { ApiApp } from "@dashboard/functions/http/openapi";
import { type AlertsStage, createAlertsStage, type Receiver, startReceiver } from "@dashboard/testing/alerts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ADMIN_TOKEN, call, collectingLogger, errorOf, type LogLine, logText } from "./client";

let stage: AlertsStage;
let api: ApiApp;
let receiver: Receiver;
const logs: LogLine[] = [];
const bodies: string[] = [];
const owner = (method: string, path: string, json?: unknown) =>
  call(api, method, path, json === undefined ? {} : { json }, bodies);

beforeAll(async () => {
  stage = await createAlertsStage("api-alerts");
  receiver = await startReceiver();
  api = createApiApp({
    ctx: stage.ctx,
    tokens: parseAdminTokens(ADMIN_TOKEN),
    logger: collectingLogger(logs),
  });
});
afterAll(async () => {
  await receiver?.close();
  await stage?.drop();
});

describe("alert subscriptions", () => {
  it("creates, tests, lists deliveries, updates and deletes, the secret shown once", async () => {
    const created = await owner("POST", "/api/alerts/subscriptions", {
      name: "Ventes",
      kinds: ["painting_sold", "order_created"],
      site_ids: ["atelier-claire"],
      target: { type: "url", url: receiver.url },
      digest_minutes: 0,
    });
    expect(created.status).toBe(201);
    const { subscription, secret } = created.json as {
      subscription: { subscription_id: string };
      secret: string;
    };
    expect(secret).toMatch(/^alsec_/);
    const id = subscription.subscription_id;

    const test = await owner("POST", `/api/alerts/subscriptions/${id}/test`);
    expect(test.status).toBe(200);
    expect(test.json).toMatchObject({ kind: "test", status: "delivered", attempts: [{ status_code: 200 }] });
    const post = receiver.received.at(-1);
    expect(
      verify([secret], post?.headers["x-dashboard-signature"] as string, post?.body ?? "", new Date()),
    ).toBe(true);
    expect(JSON.parse(post?.body ?? "{}")).toMatchObject({ type: "dashboard.alert", kind: "test" });

    const deliveries = await owner("GET", `/api/alerts/subscriptions/${id}/deliveries`);
    expect(deliveries.status).toBe(200);
    expect((deliveries.json as { items: unknown[] }).items).toHaveLength(1);

    const patched = await owner("PATCH", `/api/alerts/subscriptions/${id}`, {
      digest_minutes: 15,
      enabled: false,
    });
    expect(patched.json).toMatchObject({ digest_minutes: 15, enabled: false });
    expect((await owner("GET", "/api/alerts/subscriptions")).json).toMatchObject({
      items: [{ subscription_id: id }],
    });
    expect((await owner("DELETE", `/api/alerts/subscriptions/${id}`)).status).toBe(204);
    expect((await owner("GET", `/api/alerts/subscriptions/${id}`)).status).toBe(404);

    // Shown once: in no other answer, no log line, no audit entry.
    const audit = await owner("GET", "/api/audit?limit=50");
    const actions = (audit.json as { items: { action: string }[] }).items.map((e) => e.action);
    expect(actions).toEqual(
      expect.arrayContaining([
        "alert.subscription_created",
        "alert.test_sent",
        "alert.subscription_updated",
        "alert.subscription_deleted",
      ]),
    );
    expect(bodies.filter((b) => b.includes(secret))).toHaveLength(1);
    expect(logText(logs)).not.toContain(secret);
  });

  it("refuses a target URL the guard does not allow", async () => {
    const res = await owner("POST", "/api/alerts/subscriptions", {
      name: "Ailleurs",
      target: { type: "url", url: "http://example.com/hook" },
    });
    expect(res.status).toBe(400);
    expect(errorOf(res)).toMatchObject({ code: "invalid_request", reason: "target_url_not_allowed" });
  });

  it("puts a test e-mail in the outbox, listed by the API", async () => {
    const created = await owner("POST", "/api/alerts/subscriptions", {
      name: "Par e-mail",
      target: { type: "email", email: "galerie@example.com" },
      lang: "en",
    });
    const id = (created.json as { subscription: { subscription_id: string } }).subscription.subscription_id;
    expect((await owner("POST", `/api/alerts/subscriptions/${id}/test`)).json).toMatchObject({
      status: "delivered",
    });
    const outbox = await owner("GET", "/api/alerts/outbox");
    expect(outbox.status).toBe(200);
    expect((outbox.json as { items: unknown[] }).items).toEqual([
      expect.objectContaining({ to: "galerie@example.com", subject: expect.stringContaining("[Test]") }),
    ]);
    const production = createApiApp({
      ctx: { ...stage.ctx, production: true },
      tokens: parseAdminTokens(ADMIN_TOKEN),
      logger: collectingLogger([]),
    });
    expect((await call(production, "GET", "/api/alerts/outbox")).status).toBe(404);
  });

  it("is for owners only", async () => {
    const created = await owner("POST", "/api/tokens", { name: "Opérateur", role: "operator" });
    const token = (created.json as { token: string }).token;
    const res = await call(api, "POST", "/api/alerts/subscriptions", {
      token,
      json: { name: "x", target: { type: "email", email: "a@example.com" } },
    });
    expect(res.status).toBe(403);
    expect((await call(api, "GET", "/api/alerts/subscriptions", { token })).status).toBe(403);
  });
});
