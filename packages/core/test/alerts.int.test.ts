/**
 * Alerts against DynamoDB Local and fauxqs, with a receiver of the test's own on 127.0.0.1: a URL target
 * gets a correctly signed POST, retried on 500 then delivered, every attempt logged; a stream batch
 * delivered twice sends once; a digest groups a burst into one message; an e-mail lands in the outbox;
 * target URLs go through the SSRF guard's rules; the signing secret is never returned again.
 */
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import {
  type AlertsStage,
  alertQueueDepth,
  createAlertsStage,
  drainAlerts,
  type Receiver,
  startReceiver,
} from "@dashboard/testing/alerts";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { ActivityEvent } from "../src/activity/schema";
import { Alerts } from "../src/alerts";
import type { Ctx } from "../src/context";
import { verify } from "../src/signature";

let stage: AlertsStage;
let ctx: Ctx;
let receiver: Receiver;

beforeAll(async () => {
  stage = await createAlertsStage("alerts");
  ctx = stage.ctx;
});
afterAll(async () => {
  await stage?.drop();
});
afterEach(async () => {
  await receiver?.close();
  // Each test starts with no subscription, so events of one test reach no other's.
  for (const sub of await Alerts.list(ctx)) await Alerts.remove(ctx, sub.subscription_id);
});

let seq = 0;
/** An event as the change processor writes it. */
const event = (over: Partial<ActivityEvent> = {}): ActivityEvent => {
  seq++;
  return {
    event_id: `evt-test-${seq}`,
    kind: "painting_sold",
    site_id: "atelier-claire",
    // After the subscriptions of the test were made (a subscription gets what happens after its creation).
    at: new Date(Date.now() + seq * 1000).toISOString(),
    entity: "paintings",
    record_id: seq,
    record_label: `Marine ${seq}`,
    params: { from: "Disponible", to: "Vendu" },
    message: { fr: `« Marine ${seq} » est vendue`, en: `"Marine ${seq}" was sold` },
    ...over,
  };
};

const after = (minutes: number): Ctx => ({ ...ctx, now: () => new Date(Date.now() + minutes * 60_000) });

describe("URL targets", () => {
  it("POSTs a correctly signed body, retries on 500, then delivers, every attempt logged", async () => {
    receiver = await startReceiver([500]);
    const created = await Alerts.create(ctx, {
      name: "Ventes",
      kinds: ["painting_sold"],
      target: { type: "url", url: receiver.url },
    });
    const secret = created.secret ?? "";
    expect(secret).toMatch(/^alsec_/);
    const sold = event();
    await Alerts.onEvents(ctx, [sold, event({ kind: "user_registered" })]);

    await drainAlerts(ctx, {
      retryDelaysSeconds: [1],
      untilMs: 8_000,
      done: () => receiver.received.length >= 2,
    });

    expect(receiver.received.map((r) => r.status)).toEqual([500, 200]);
    for (const post of receiver.received) {
      const header = post.headers["x-dashboard-signature"] as string;
      expect(verify([secret], header, post.body, new Date())).toBe(true);
      expect(verify(["alsec_wrong"], header, post.body, new Date())).toBe(false);
      const body = Alerts.AlertPayload.parse(JSON.parse(post.body));
      expect(body.events.map((e) => e.event_id)).toEqual([sold.event_id]);
      expect(post.headers["x-dashboard-delivery"]).toBe(body.delivery_id);
    }
    const { items } = await Alerts.listDeliveries(ctx, created.subscription.subscription_id, {});
    expect(items).toHaveLength(1);
    expect(items[0]?.status).toBe("delivered");
    expect(items[0]?.attempts.map((a) => [a.status_code, a.outcome])).toEqual([
      [500, "retrying"],
      [200, "delivered"],
    ]);
    for (const a of items[0]?.attempts ?? []) expect(a.duration_ms).toBeGreaterThanOrEqual(0);
  });

  it("does not retry a 4xx other than 408 and 429", async () => {
    receiver = await startReceiver([404]);
    const { subscription } = await Alerts.create(ctx, {
      name: "Tout",
      target: { type: "url", url: receiver.url },
    });
    await Alerts.onEvents(ctx, [event()]);
    await drainAlerts(ctx, { retryDelaysSeconds: [1], untilMs: 1_500 });
    expect(receiver.received).toHaveLength(1);
    const { items } = await Alerts.listDeliveries(ctx, subscription.subscription_id, {});
    expect(items[0]?.status).toBe("failed");
    expect(items[0]?.attempts).toMatchObject([{ status_code: 404, outcome: "failed", error: "http_error" }]);
  });

  it("sends each event once when the same batch arrives twice", async () => {
    receiver = await startReceiver();
    await Alerts.create(ctx, { name: "Tout", target: { type: "url", url: receiver.url } });
    const batch = [event(), event({ kind: "order_created", entity: "orders" })];
    await Alerts.onEvents(ctx, batch);
    await Alerts.onEvents(ctx, batch);
    await Promise.all([Alerts.onEvents(ctx, batch), Alerts.onEvents(ctx, batch)]);
    await drainAlerts(ctx, { untilMs: 500 });
    const ids = receiver.received.map(
      (r) => Alerts.AlertPayload.parse(JSON.parse(r.body)).events[0]?.event_id,
    );
    expect(ids.sort()).toEqual(batch.map((e) => e.event_id).sort());
  });

  it("matches kinds and sites (empty lists: all)", async () => {
    receiver = await startReceiver();
    await Alerts.create(ctx, {
      name: "Commandes de Claire",
      kinds: ["order_created"],
      site_ids: ["atelier-claire"],
      target: { type: "url", url: receiver.url },
    });
    const wanted = event({ kind: "order_created" });
    await Alerts.onEvents(ctx, [wanted, event({ kind: "order_created", site_id: "autre" }), event()]);
    await drainAlerts(ctx, { untilMs: 300 });
    expect(receiver.received.map((r) => JSON.parse(r.body).events[0].event_id)).toEqual([wanted.event_id]);
  });
});

describe("digests", () => {
  it("groups a burst into one message once the window is over", async () => {
    receiver = await startReceiver();
    const { subscription } = await Alerts.create(ctx, {
      name: "Résumé",
      digest_minutes: 10,
      target: { type: "url", url: receiver.url },
    });
    const id = subscription.subscription_id;
    const burst = [event(), event(), event()];
    await Alerts.onEvents(ctx, burst.slice(0, 1));
    await Alerts.onEvents(ctx, burst.slice(1));
    await Alerts.onEvents(ctx, burst);
    // One message for the window, delayed by SQS (15 min at most; a longer window comes back until due).
    expect(await alertQueueDepth(ctx)).toMatchObject({ visible: 0, delayed: 1 });
    const pending = await Alerts.pendingDigest(ctx, id);
    expect(pending?.events).toBe(3);
    const dueAt = pending?.due_at ?? 0;
    expect(dueAt - Math.floor(Date.now() / 1000)).toBeGreaterThan(590);
    const message = { v: 1 as const, type: "digest" as const, subscription_id: id, due_at: dueAt };

    // Delivered early (a redelivery, or a window over 15 min): back on the queue, nothing sent.
    expect(await Alerts.handleMessage(ctx, message)).toEqual({ kind: "digest_waiting", due_at: dueAt });
    // Eleven minutes later: due, one delivery with the whole burst.
    const later = after(11);
    expect(await Alerts.handleMessage(later, message)).toMatchObject({ kind: "digest_queued" });
    expect(await Alerts.handleMessage(later, message)).toEqual({ kind: "skipped" });
    await drainAlerts(later, { untilMs: 300 });
    expect(receiver.received).toHaveLength(1);
    const body = Alerts.AlertPayload.parse(JSON.parse(receiver.received[0]?.body ?? ""));
    expect(body.kind).toBe("digest");
    expect(body.events.map((e) => e.event_id)).toEqual(burst.map((e) => e.event_id));
    const { items } = await Alerts.listDeliveries(ctx, id, {});
    expect(items.map((d) => [d.kind, d.status, d.events.length])).toEqual([["digest", "delivered", 3]]);
    expect(await Alerts.pendingDigest(ctx, id)).toBeUndefined();
  });

  it("sends a full digest at once and opens a new window for the rest", async () => {
    receiver = await startReceiver();
    const { subscription } = await Alerts.create(ctx, {
      name: "Gros volume",
      digest_minutes: 60,
      target: { type: "url", url: receiver.url },
    });
    const id = subscription.subscription_id;
    const many = Array.from({ length: 150 }, () => event());
    const more = Array.from({ length: 100 }, () => event());
    await Alerts.onEvents(ctx, many);
    await Alerts.onEvents(ctx, more);
    expect(await Alerts.pendingDigest(ctx, id)).toMatchObject({ events: 100 });
    await drainAlerts(ctx, { untilMs: 300 });
    expect(receiver.received).toHaveLength(1);
    const body = Alerts.AlertPayload.parse(JSON.parse(receiver.received[0]?.body ?? ""));
    expect(body.events.map((e) => e.event_id)).toEqual(many.map((e) => e.event_id));
  });
});

describe("e-mail", () => {
  it("lands in the outbox: listed and written as a file", async () => {
    const { subscription } = await Alerts.create(ctx, {
      name: "Ventes par e-mail",
      kinds: ["painting_sold"],
      target: { type: "email", email: "galerie@example.com" },
      lang: "fr",
    });
    const sold = event();
    await Alerts.onEvents(ctx, [sold]);
    await drainAlerts(ctx, { untilMs: 300 });
    const { items } = await Alerts.listOutbox(ctx, {});
    const mail = items.find((m) => m.subscription_id === subscription.subscription_id);
    expect(mail).toMatchObject({ to: "galerie@example.com", subject: sold.message.fr });
    expect(mail?.text).toContain(sold.message.fr);
    const files = await readdir(stage.outboxDir);
    const file = files.find((f) => f.includes(mail?.message_id ?? "-"));
    expect(file).toBeDefined();
    const content = await readFile(join(stage.outboxDir, file ?? ""), "utf8");
    expect(content).toContain("To: galerie@example.com");
    expect(content).toContain(sold.message.fr);
  });
});

describe("subscriptions", () => {
  it("shows the secret once, never again", async () => {
    const created = await Alerts.create(ctx, {
      name: "Hook",
      target: { type: "url", url: "https://example.com/h" },
    });
    const secret = created.secret ?? "";
    expect(secret.length).toBeGreaterThan(30);
    const again = JSON.stringify([
      await Alerts.get(ctx, created.subscription.subscription_id),
      await Alerts.list(ctx),
    ]);
    expect(again).not.toContain(secret);
    expect(again).not.toContain("secret_sealed");
  });

  it("applies the SSRF guard's rules to target URLs", async () => {
    const prod: Ctx = { ...ctx, production: true };
    const refused = (c: Ctx, url: string) =>
      expect(Alerts.create(c, { name: "x", target: { type: "url", url } })).rejects.toMatchObject({
        code: "target_url_not_allowed",
      });
    await refused(prod, "http://example.com/hook");
    await refused(prod, "https://127.0.0.1/hook");
    await refused(prod, "https://10.0.0.1/hook");
    await refused(prod, "https://169.254.169.254/latest");
    await refused(ctx, "http://example.com/hook");
    await refused(ctx, "https://user:pw@example.com/hook");
    await expect(
      Alerts.create(ctx, { name: "ok", target: { type: "url", url: "http://127.0.0.1:9/h" } }),
    ).resolves.toBeDefined();
    await expect(
      Alerts.create(prod, { name: "ok", target: { type: "url", url: "https://hooks.example.com/h" } }),
    ).resolves.toBeDefined();
  });

  it("sends a test event to the target at once", async () => {
    receiver = await startReceiver();
    const created = await Alerts.create(ctx, { name: "Test", target: { type: "url", url: receiver.url } });
    const delivery = await Alerts.sendTest(ctx, created.subscription.subscription_id);
    expect(delivery).toMatchObject({ kind: "test", status: "delivered" });
    expect(receiver.received).toHaveLength(1);
    expect(
      verify(
        [created.secret ?? ""],
        receiver.received[0]?.headers["x-dashboard-signature"] as string,
        receiver.received[0]?.body ?? "",
        new Date(),
      ),
    ).toBe(true);
  });
});
