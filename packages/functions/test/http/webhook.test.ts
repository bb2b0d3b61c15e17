/**
 * The signed webhook app on DynamoDB Local and fauxqs: a valid signature queues a run, and every way a call
 * can be wrong (unsigned, wrong secret, stale or future timestamp, unknown site, unknown event, malformed
 * JSON, oversized body) is refused with the contract's status; repeated event ids and rotated secrets.
 */
import { sign } from "@dashboard/core/webhook";
import { SiteCreated, WebhookSecret } from "@dashboard/functions/http/schemas";
import { createWebhookApp, WEBHOOK_PATH } from "@dashboard/functions/http/webhook-app";
import { WebhookAccepted } from "@dashboard/functions/http/webhook-route";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { call, collectingLogger, errorOf, logText, parse } from "./client";
import { createEnv, type TestEnv } from "./env";

let env: TestEnv;
let siteId: string;
let secret: string;
let sites = 0;

const now = () => Math.floor(Date.now() / 1000);
const header = (key: string, body: string, t = now()) => `t=${t},v1=${sign(key, t, body)}`;

/** Posts a raw body to the webhook, signed with `key` unless told otherwise. */
const post = (body: string, signature: string | null) =>
  call(env.webhook, "POST", WEBHOOK_PATH, {
    token: null,
    body,
    headers: {
      "content-type": "application/json",
      ...(signature === null ? {} : { "x-template-signature": signature }),
    },
  });

let events = 0;
/** A signed body, with a fresh `event_id` unless the test gives one. */
const event = (fields: Record<string, unknown> = {}) =>
  JSON.stringify({ event: "painting_updated", site_id: siteId, event_id: `evt-${++events}`, ...fields });

async function runsOf(site: string): Promise<string[]> {
  const res = await call(env.api, "GET", `/api/sync/runs?site_id=${site}&limit=200`);
  return (res.json as { items: { run_id: string; trigger: string }[] }).items.map((r) => r.run_id);
}

beforeAll(async () => {
  env = await createEnv("api-webhook");
});

afterAll(async () => {
  await env?.close();
});

// A fresh site per test: queued entities of one test must not coalesce with the next test's events.
beforeEach(async () => {
  siteId = `atelier-webhook-${++sites}`;
  const res = await call(env.api, "POST", "/api/sites", {
    json: {
      id: siteId,
      name: siteId,
      template_url: "https://webhook.example.com",
      api_key: "tpl-webhook-key-1234",
    },
  });
  expect(res.status).toBe(201);
  secret = parse(SiteCreated, res).webhook_secret;
  await env.takeMessages();
});

describe("POST /api/sync/webhook/template", () => {
  it("accepts a signed event: 202, a webhook run, one message per entity", async () => {
    const body = event({ event_id: "evt-1" });
    const res = await post(body, header(secret, body));
    expect(res.status).toBe(202);
    expect(res.headers.get("cache-control")).toBe("no-store");
    const accepted = parse(WebhookAccepted, res);
    expect(accepted).toMatchObject({ accepted: true, entities: ["paintings", "stats"] });
    expect(accepted.run_id).toMatch(/^run_/);
    const messages = await env.takeMessages();
    expect(messages.map((m) => m.entity).sort()).toEqual(["paintings", "stats"]);
    for (const m of messages)
      expect(m).toMatchObject({ run_id: accepted.run_id, trigger: "webhook", site_id: siteId });
  });

  it("maps each event family to its entities", async () => {
    const cases: [string, string[]][] = [
      ["order_created", ["orders", "paintings", "stats"]],
      ["user_updated", ["users"]],
      ["settings_updated", ["settings"]],
      ["exhibition_deleted", ["exhibitions"]],
    ];
    for (const [name, entities] of cases) {
      const body = event({ event: name });
      const res = await post(body, header(secret, body));
      expect({ name, status: res.status }).toEqual({ name, status: 202 });
      expect(parse(WebhookAccepted, res).entities).toEqual(entities);
    }
  });

  it("accepts a timestamp within 300 s of now", async () => {
    const body = event({ event: "sync_requested" });
    const res = await post(body, header(secret, body, now() - 240));
    expect(res.status).toBe(202);
  });

  it("refuses an unsigned call, a wrong secret, a stale or future timestamp and a changed body with 401", async () => {
    const body = event();
    const cases: [string, string | null, string][] = [
      ["unsigned", null, body],
      ["garbage header", "sha256=deadbeef", body],
      ["wrong secret", header("whsec_not_the_secret", body), body],
      ["stale", header(secret, body, now() - 360), body],
      ["future", header(secret, body, now() + 360), body],
      ["body changed after signing", header(secret, body), body.replace("painting_updated", "user_updated")],
    ];
    for (const [label, signature, sent] of cases) {
      const res = await post(sent, signature);
      expect({ label, status: res.status }).toEqual({ label, status: 401 });
      expect(errorOf(res)).toMatchObject({ code: "unauthorized", reason: "invalid_signature" });
    }
    expect(await runsOf(siteId)).toEqual([]);
    expect(await env.takeMessages()).toEqual([]);
  });

  it("refuses an unknown site with the same 401", async () => {
    const body = JSON.stringify({ event: "painting_updated", site_id: "no-such-site", event_id: "evt-x" });
    const res = await post(body, header(secret, body));
    expect(res.status).toBe(401);
    expect(errorOf(res).reason).toBe("invalid_signature");
  });

  it("refuses an unknown event with 400, even signed", async () => {
    const body = event({ event: "gallery_opened" });
    const res = await post(body, header(secret, body));
    expect(res.status).toBe(400);
    expect(errorOf(res)).toMatchObject({ code: "invalid_request", reason: "unknown_event" });
    expect(await env.takeMessages()).toEqual([]);
  });

  it("refuses malformed JSON and a body without site_id with 400", async () => {
    const broken = '{"event": "painting_updated", "site_id": ';
    const res = await post(broken, header(secret, broken));
    expect(res.status).toBe(400);
    expect(errorOf(res)).toMatchObject({ code: "invalid_request", reason: "invalid_json" });
    const noSite = JSON.stringify({ event: "painting_updated" });
    const res2 = await post(noSite, header(secret, noSite));
    expect(res2.status).toBe(400);
  });

  it("refuses a body over 64 KiB with 413 before checking anything else", async () => {
    const body = event({ padding: "x".repeat(64 * 1024) });
    for (const signature of [header(secret, body), null]) {
      const res = await post(body, signature);
      expect(res.status).toBe(413);
      expect(errorOf(res).code).toBe("payload_too_large");
    }
  });

  it("accepts a repeated event_id and ignores it: no second run", async () => {
    const body = event({ event: "user_created", event_id: "evt-repeat" });
    const first = await post(body, header(secret, body));
    expect(first.status).toBe(202);
    expect(parse(WebhookAccepted, first).run_id).toBeDefined();
    await env.takeMessages();
    // Same event again, re-signed as a retry would be.
    const again = await post(body, header(secret, body, now() + 1));
    expect(again.status).toBe(202);
    const accepted = parse(WebhookAccepted, again);
    expect(accepted).toMatchObject({ accepted: true, duplicate: true, entities: ["users"] });
    expect(accepted.run_id).toBeUndefined();
    expect(await runsOf(siteId)).toHaveLength(1);
    expect(await env.takeMessages()).toEqual([]);
  });

  it("keeps accepting the old secret after a rotation, and the new one, and both at once", async () => {
    const rotated = await call(env.api, "POST", `/api/sites/${siteId}/webhook-secret`);
    const fresh = parse(WebhookSecret, rotated).webhook_secret;
    const cases: [string, (body: string) => string][] = [
      ["old secret", (b) => header(secret, b)],
      ["new secret", (b) => header(fresh, b)],
      [
        "both",
        (b) => {
          const t = now();
          return `${header(secret, b, t)},v1=${sign(fresh, t, b)}`;
        },
      ],
    ];
    for (const [label, signature] of cases) {
      const body = event({ event_id: `evt-rotation-${label}` });
      const res = await post(body, signature(body));
      expect({ label, status: res.status }).toEqual({ label, status: 202 });
    }
  });

  it("requires an event_id: a signed event without one is refused with 400, and starts nothing", async () => {
    const body = JSON.stringify({ event: "painting_updated", site_id: siteId });
    const res = await post(body, header(secret, body));
    expect(res.status).toBe(400);
    expect(errorOf(res)).toMatchObject({ code: "invalid_request", reason: "invalid_body" });
    expect(errorOf(res).message).toContain("event_id");
    expect(await runsOf(siteId)).toEqual([]);
  });

  it("accepts the very same signed call once: a replay of its signature starts nothing", async () => {
    const body = event({ event: "exhibition_updated" });
    const signature = header(secret, body);
    const first = await post(body, signature);
    expect(parse(WebhookAccepted, first).run_id).toBeDefined();
    const replay = await post(body, signature);
    expect(replay.status).toBe(202);
    expect(parse(WebhookAccepted, replay)).toMatchObject({ duplicate: true });
    expect(parse(WebhookAccepted, replay).run_id).toBeUndefined();
    expect(await runsOf(siteId)).toHaveLength(1);
  });

  it("folds a burst: within the minimum interval a sync is delayed to its end, and later events join it", async () => {
    const throttled = createWebhookApp({
      ctx: env.ctx,
      logger: collectingLogger([]),
      minIntervalSeconds: 60,
    });
    const send = (body: string) =>
      call(throttled, "POST", WEBHOOK_PATH, {
        token: null,
        body,
        headers: { "content-type": "application/json", "x-template-signature": header(secret, body) },
      });
    const first = parse(WebhookAccepted, await send(event({ event: "painting_updated" })));
    expect(first.run_id).toBeDefined();
    expect(first.delayed_seconds).toBeUndefined();
    expect((await env.takeMessages()).map((m) => m.run_id)).toEqual([first.run_id, first.run_id]);

    // Another entity inside the interval: a run, held back until the interval is over.
    const second = parse(WebhookAccepted, await send(event({ event: "user_updated" })));
    expect(second.run_id).toBeDefined();
    expect(second.delayed_seconds).toBeGreaterThan(0);
    expect(second.delayed_seconds).toBeLessThanOrEqual(60);
    // The rest of the burst for that entity folds into the waiting run: no new run, nothing queued.
    for (let i = 0; i < 5; i++) {
      const more = parse(WebhookAccepted, await send(event({ event: "user_created" })));
      expect(more.run_id).toBeUndefined();
      expect(more.coalesced).toEqual(["users"]);
    }
    expect(await runsOf(siteId)).toHaveLength(2);
    // The delayed message is not deliverable yet.
    expect(await env.takeMessages()).toEqual([]);
  });

  it("answers 404 for other paths and methods", async () => {
    expect((await call(env.webhook, "GET", WEBHOOK_PATH, { token: null })).status).toBe(404);
    expect((await call(env.webhook, "POST", "/api/sites", { token: null, json: {} })).status).toBe(404);
  });
});

describe("secrets", () => {
  it("never logged a webhook secret or a signature", () => {
    const logs = logText(env.logs);
    expect(logs).not.toContain("whsec_");
    expect(logs).not.toMatch(/v1=[0-9a-f]{16}/);
    expect(logs).toContain("webhook accepted");
  });
});
