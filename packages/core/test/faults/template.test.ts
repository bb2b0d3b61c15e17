/**
 * Fault matrix, the Template side: a site that is down, slow, flapping, rate-limiting, failing with an
 * exception, serving HTML, or whose API key is revoked mid-run. Each case ends with the stored data equal
 * to what the Template serves, and with the run's status and log saying what happened.
 */
import { type Sim, startSim } from "@dashboard/template-sim";
import { createEngine, type Engine } from "@dashboard/testing/engine";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import type { Entity } from "../../src/entity";
import * as RunStore from "../../src/run";
import * as SiteStore from "../../src/site";
import * as Sync from "../../src/sync";
import { PAGES_AHEAD } from "../../src/template/client";
import {
  API_KEY,
  type Consumed,
  type ConsumeOptions,
  compare,
  consume,
  differences,
  redeliver,
  startProxy,
  storedRecords,
} from "./support";

const MASTER_KEY = "tpl-master-5a0c7e19d2";

/** Starts a manual run and consumes the queue until it is empty; returns the run (with its log). */
async function syncNow(engine: Engine, siteId: string, entities?: Entity[], opts: ConsumeOptions = {}) {
  const started = await Sync.start(engine.ctx, { siteId, trigger: "manual", entities });
  if (!started.run) throw new Error("no run started");
  const consumed = await consume(engine.ctx, opts);
  const run = await RunStore.get(engine.ctx, started.run.run_id, { withLog: true });
  return { run, consumed };
}

const liveIds = async (engine: Engine, siteId: string, entity: "paintings" | "users" | "orders") =>
  (await storedRecords(engine.ctx, siteId, entity))
    .filter((r) => !r.deleted)
    .map((r) => r.id)
    .sort((a, b) => a - b);

const messagesOf = (run: RunStore.Run, entity: Entity, level?: RunStore.LogLevel) =>
  (run.log ?? []).filter((l) => l.entity === entity && (!level || l.level === level)).map((l) => l.message);

const deliveriesOf = (consumed: Consumed, entity: Entity) =>
  consumed.deliveries.filter((d) => d.body.entity === entity);

describe("Template failures", () => {
  let engine: Engine;
  let sim: Sim;
  const siteId = "atelier-pannes";

  beforeAll(async () => {
    engine = await createEngine("faults-template");
    sim = await startSim({
      apiKey: API_KEY,
      masterKey: MASTER_KEY,
      seed: 21,
      sizes: { paintings: 450, users: 40, orders: 30 },
    });
    await SiteStore.create(engine.ctx, {
      id: siteId,
      name: "Pannes",
      template_url: sim.url,
      api_key: API_KEY,
    });
    const { run } = await syncNow(engine, siteId);
    expect(run.success).toBe(true);
    expect(await differences(engine.ctx, siteId, sim)).toEqual([]);
  });
  afterAll(async () => {
    await sim?.close();
  });

  /** After each case: the faults gone, one more full sync brings the store level with the Template. */
  async function recovers() {
    sim.faults.reset();
    const { run } = await syncNow(engine, siteId);
    expect(run.status, JSON.stringify(run.entities)).toMatch(/^(succeeded|partial)$/);
    expect(await differences(engine.ctx, siteId, sim)).toEqual([]);
  }

  it("a Template that is down: retried on every delivery, then failed with connection_refused, data intact", async () => {
    const down = await startSim({ apiKey: API_KEY, seed: 4, sizes: { paintings: 30, users: 12, orders: 8 } });
    await SiteStore.create(engine.ctx, {
      id: "ferme",
      name: "Fermé",
      template_url: down.url,
      api_key: API_KEY,
    });
    expect((await syncNow(engine, "ferme")).run.success).toBe(true);
    const before = await liveIds(engine, "ferme", "paintings");
    await down.close(); // the port is closed now: connection refused

    const { run, consumed } = await syncNow(engine, "ferme", ["paintings", "users"]);

    expect(run.status).toBe("failed");
    expect(run.success).toBe(false);
    expect(run.finished_at).toBeDefined();
    for (const entity of ["paintings", "users"] as const) {
      expect(run.entities[entity]).toMatchObject({ status: "failed", deleted: 0, written: 0 });
      expect(run.entities[entity]?.error?.code).toBe("connection_refused");
      expect(run.entities[entity]?.error?.message).toMatch(/refused the connection/);
      // Every delivery tried; the queue's redrive limit decides when to stop, and the DLQ keeps the message.
      const deliveries = deliveriesOf(consumed, entity);
      expect(deliveries.map((d) => d.receiveCount)).toEqual([1, 2, 3]);
      expect(deliveries.every((d) => d.error !== undefined)).toBe(true);
      expect(
        messagesOf(run, entity, "WARNING").filter((m) => /nouvel essai [23]\/3 à \d\d:\d\d:\d\d UTC/.test(m)),
      ).toHaveLength(2);
      expect(messagesOf(run, entity, "ERROR")).toHaveLength(1);
    }
    expect(consumed.deadLettered.map((m) => m.entity).sort()).toEqual(["paintings", "users"]);
    // Nothing deleted, nothing lost.
    expect(await liveIds(engine, "ferme", "paintings")).toEqual(before);
    expect(await differences(engine.ctx, "ferme", down)).toEqual([]);
    const site = await SiteStore.get(engine.ctx, "ferme");
    expect(site.last_run).toMatchObject({ run_id: run.run_id, status: "failed" });

    // Redriving the dead letters (docs/operations.md) changes nothing: the run already recorded the
    // failure. What recovers the site is a new sync once the Template is back.
    for (const body of consumed.deadLettered) await redeliver(engine.ctx, body);
    const redriven = await consume(engine.ctx);
    expect(redriven.deliveries.map((d) => d.outcome)).toEqual([
      { kind: "ignored", reason: "duplicate" },
      { kind: "ignored", reason: "duplicate" },
    ]);
    expect(await RunStore.get(engine.ctx, run.run_id, { withLog: true })).toEqual(run);
  });

  it("a Template slower than the timeout: timeout after the retries, nothing deleted; a hung request is abandoned and retried", async () => {
    const before = await liveIds(engine, siteId, "paintings");
    sim.remove("paintings", 5);
    sim.faults.set("paintings", { latencyMs: 3_000 });
    sim.clearRequests();
    const slow = await syncNow(engine, siteId, ["paintings"], {
      client: { timeoutMs: 300, retries: 1, backoff: { baseMs: 5, maxMs: 10 } },
    });
    const result = slow.run.entities.paintings;
    expect(result?.status).toBe("failed");
    expect(result?.error?.code).toBe("timeout");
    expect(result?.error?.message).toMatch(
      /did not answer \/api\/export\/paintings\?limit=200&offset=0 within 300 ms after 2 attempts/,
    );
    expect(result?.deleted).toBe(0);
    expect(await liveIds(engine, siteId, "paintings")).toEqual(before);

    // A request that is accepted and never answered: the attempt times out, the retry gets the page.
    const plan = await compare(engine.ctx, siteId, sim, "paintings");
    expect(plan.toDelete.length).toBeGreaterThan(0);
    // The slow requests the client abandoned are still answered late: let them end first, so that none
    // of them takes the hang meant for the next sync's first request.
    sim.faults.reset();
    const abandoned = 2 * deliveriesOf(slow.consumed, "paintings").length;
    await vi.waitFor(
      () => expect(sim.requests.filter((r) => r.path === "/api/export/paintings").length).toBe(abandoned),
      { timeout: 15_000, interval: 100 },
    );
    sim.faults.set("paintings", { hang: 1 });
    const hung = await syncNow(engine, siteId, ["paintings"], { client: { timeoutMs: 300 } });
    expect(hung.run.entities.paintings).toMatchObject({
      status: "succeeded",
      written: plan.toWrite.length,
      deleted: plan.toDelete.length,
    });
    expect(
      messagesOf(hung.run, "paintings", "WARNING").some((m) => /Nouvelle tentative 2 .*\(timeout\)/.test(m)),
    ).toBe(true);
    expect(hung.consumed.deliveries).toHaveLength(1);
    await recovers();
  });

  it("a flapping Template (every request answered 503, then 200): each request retried once, runs succeed", async () => {
    // Every URL is answered 503, 200, 503, 200...; /stats is left alone because several entities read it
    // at once, which would make its alternation depend on their timing.
    let unavailable = 0;
    const proxy = await startProxy(sim.url, ({ url, seen }) => {
      if (url.pathname === "/api/export/stats" || seen % 2 === 1) return { forward: url };
      unavailable++;
      return { respond: { status: 503, body: JSON.stringify({ error: "Service Unavailable" }) } };
    });
    try {
      await SiteStore.create(engine.ctx, {
        id: "flap",
        name: "Flap",
        template_url: proxy.url,
        api_key: API_KEY,
      });
      const first = await syncNow(engine, "flap");
      expect(first.run.success).toBe(true);
      expect(Object.values(first.run.entities).every((r) => r.status === "succeeded")).toBe(true);
      expect(await differences(engine.ctx, "flap", sim, { templateUrl: proxy.url })).toEqual([]);

      sim.change("paintings", 7);
      sim.add("users", 3);
      sim.remove("orders", 2);
      const plans = {
        paintings: await compare(engine.ctx, "flap", sim, "paintings", proxy.url),
        users: await compare(engine.ctx, "flap", sim, "users", proxy.url),
        orders: await compare(engine.ctx, "flap", sim, "orders", proxy.url),
      };
      unavailable = 0;
      const { run, consumed } = await syncNow(engine, "flap", ["paintings", "users", "orders", "stats"]);
      expect(run.success).toBe(true);
      expect(consumed.deliveries.every((d) => d.receiveCount === 1 && d.error === undefined)).toBe(true);
      for (const [entity, plan] of Object.entries(plans)) {
        expect(run.entities[entity as Entity], entity).toMatchObject({
          status: "succeeded",
          written: plan.toWrite.length,
          deleted: plan.toDelete.length,
        });
      }
      expect(run.entities.stats?.status).toBe("succeeded");
      // The log tells about each retry: one per 503 served, and each request succeeded on its second attempt.
      const retries = (run.log ?? []).filter((l) =>
        /Nouvelle tentative .*\(server_error 503\)/.test(l.message),
      );
      expect(unavailable).toBeGreaterThan(3);
      expect(retries).toHaveLength(unavailable);
      expect(retries.every((l) => /^Nouvelle tentative 2 /.test(l.message))).toBe(true);
      expect(await differences(engine.ctx, "flap", sim, { templateUrl: proxy.url })).toEqual([]);
    } finally {
      await proxy.close();
    }
    await recovers();
  });

  it("a 429 storm with Retry-After: the waits are honoured, the redelivery finishes the job", async () => {
    sim.change("orders", 4);
    const plan = await compare(engine.ctx, siteId, sim, "orders");
    sim.faults.set("orders", { status: 429, times: 4, retryAfter: 1 });
    sim.clearRequests();
    const { run, consumed } = await syncNow(engine, siteId, ["orders"]);

    expect(run.status, plan.diffs.join("\n")).toBe("succeeded");
    expect(run.entities.orders, plan.diffs.join("\n")).toMatchObject({
      status: "succeeded",
      written: plan.toWrite.length,
      deleted: plan.toDelete.length,
    });
    const deliveries = deliveriesOf(consumed, "orders");
    // Two attempts per delivery (one quick retry); the queue brings the message back for the rest.
    expect(deliveries.map((d) => d.receiveCount)).toEqual([1, 2, 3]);
    const requests = sim.requests.filter((r) => r.path === "/api/export/orders");
    expect(requests.slice(0, 4).map((r) => r.status)).toEqual([429, 429, 429, 429]);
    // Retry-After: 1 honoured between attempts of a delivery (a lower bound only: slowness cannot break it).
    for (const i of [1, 3]) {
      const gap = Date.parse(requests[i]?.at ?? "") - Date.parse(requests[i - 1]?.at ?? "");
      expect(gap).toBeGreaterThanOrEqual(950);
    }
    const warnings = messagesOf(run, "orders", "WARNING");
    expect(warnings.filter((m) => /\(rate_limited 429\)/.test(m))).toHaveLength(2);
    expect(warnings.some((m) => /kept rate-limiting .* after 2 attempts.*nouvel essai 2\/3 à/.test(m))).toBe(
      true,
    );
    expect(messagesOf(run, "orders", "ERROR")).toEqual([]);
    await recovers();
  });

  it("a 500 with an exception text: the text reaches the run's error, trimmed, and never a secret", async () => {
    const exception = `psycopg2.errors.UndefinedColumn: column "display_order" does not exist\nLINE 1: SELECT id, name FROM paintings ORDER BY display_order DESC\n  headers: {'X-Api-Key': '${API_KEY}'}\n${"x".repeat(300)}\n`;
    sim.faults.set("paintings", { status: 500, times: 100, message: exception });
    const before = await liveIds(engine, siteId, "paintings");
    sim.remove("paintings", 3);
    const { run } = await syncNow(engine, siteId, ["paintings"]);

    const error = run.entities.paintings?.error;
    expect(run.entities.paintings?.status).toBe("failed");
    expect(error?.code).toBe("server_error");
    expect(error?.message).toContain(
      'the Template said: psycopg2.errors.UndefinedColumn: column "display_order" does not exist LINE 1: SELECT id, name FROM paintings ORDER BY display_order DESC',
    );
    expect(error?.message).toContain("[REDACTED]");
    expect(error?.message).toMatch(/x…\)/); // cut at 200 characters, no control characters
    expect(error?.message).not.toMatch(/[\n\t]/);
    expect(JSON.stringify(run)).not.toContain(API_KEY);
    expect(messagesOf(run, "paintings", "ERROR")).toEqual([error?.message]);
    expect(await liveIds(engine, siteId, "paintings")).toEqual(before);
    await recovers();
  });

  it("HTML instead of JSON: unexpected_response at once (no queue retry), nothing deleted", async () => {
    const before = await liveIds(engine, siteId, "users");
    sim.remove("users", 4);
    sim.faults.set("users", { html: 1 });
    const { run, consumed } = await syncNow(engine, siteId, ["users"]);
    expect(run.entities.users).toMatchObject({ status: "failed", deleted: 0 });
    expect(run.entities.users?.error?.code).toBe("unexpected_response");
    expect(run.entities.users?.error?.message).toMatch(/HTML page instead of JSON/);
    expect(consumed.deliveries).toHaveLength(1);
    expect(consumed.deadLettered).toEqual([]);
    expect(run.status).toBe("failed");
    expect(await liveIds(engine, siteId, "users")).toEqual(before);
    await recovers();
  });

  it("the API key revoked in the middle of a scan: invalid_api_key, nothing deleted, earlier records intact; a new key recovers", async () => {
    const before = await liveIds(engine, siteId, "paintings");
    sim.remove("paintings", 6);
    sim.change("paintings", 10);
    const plan = await compare(engine.ctx, siteId, sim, "paintings");
    expect(plan.toDelete.length).toBeGreaterThan(0);
    // Pages of 200: the key works for offsets 0 and 200, the request for offset 400 gets a 401.
    sim.faults.set("paintings", { revokeKeyAfter: 2 });
    sim.clearRequests();
    const { run, consumed } = await syncNow(engine, siteId, ["paintings"]);

    const result = run.entities.paintings;
    expect(result?.status).toBe("failed");
    expect(result?.error?.code).toBe("invalid_api_key");
    expect(result?.deleted).toBe(0);
    expect(consumed.deliveries).toHaveLength(1); // an auth error is not retried
    // Pages asked ahead were already on their way when the first 401 came back; none is asked again.
    const denied = sim.requests.filter((r) => r.path === "/api/export/paintings" && r.status === 401);
    expect(denied.length).toBeGreaterThanOrEqual(1);
    expect(denied.length).toBeLessThanOrEqual(PAGES_AHEAD);
    expect(new Set(denied.map((r) => r.query.offset)).size).toBe(denied.length);
    expect(messagesOf(run, "paintings", "ERROR")[0]).toMatch(/rejected the API key/);
    // Records from before are intact: the removed ones are still live (no deletion on a failed scan).
    expect(await liveIds(engine, siteId, "paintings")).toEqual(before);

    // The operator rotates the site's key (PATCH /api/sites/{id}); the next sync completes and deletes.
    const rest = await compare(engine.ctx, siteId, sim, "paintings");
    expect(rest.toDelete).toEqual(plan.toDelete);
    await SiteStore.update(engine.ctx, siteId, { api_key: MASTER_KEY });
    const { run: again } = await syncNow(engine, siteId, ["paintings"]);
    expect(again.entities.paintings).toMatchObject({
      status: "succeeded",
      written: rest.toWrite.length,
      deleted: rest.toDelete.length,
    });
    expect(JSON.stringify(again)).not.toContain(MASTER_KEY);
    expect(await differences(engine.ctx, siteId, sim)).toEqual([]);
    await SiteStore.update(engine.ctx, siteId, { api_key: API_KEY });
    await recovers();
  });
});
