/**
 * A Template that is down, hangs, pages without end or serves records DynamoDB cannot store, and an admin
 * who cancels, disables or deletes a site while it syncs: the run says what happens at every step, the scan
 * is bounded and stoppable, nothing is deleted on doubt, and no record of a deleted site survives.
 * Against DynamoDB Local, fauxqs and template-sim over HTTP.
 */
import { createServer, type Server, type Socket } from "node:net";
import { PutCommand } from "@aws-sdk/lib-dynamodb";
import { startSim } from "@dashboard/template-sim";
import { createEngine, type Engine } from "@dashboard/testing/engine";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as Control from "../../src/control";
import type { Entity } from "../../src/entity";
import * as RunStore from "../../src/run";
import * as SiteStore from "../../src/site";
import { queryAll } from "../../src/store/db";
import { Keys } from "../../src/store/keys";
import * as Sync from "../../src/sync";
import { API_KEY, type ConsumeOptions, consume, differences, storedRecords } from "./support";

let engine: Engine;
let sites = 0;

beforeAll(async () => {
  engine = await createEngine("faults-control");
});

/** A new site on its own simulated Template, synced once so that it has data to lose. */
async function syncedSite(opts: { withoutStats?: boolean } = {}) {
  const id = `control-${++sites}`;
  const sim = await startSim({
    apiKey: API_KEY,
    seed: 100 + sites,
    sizes: { paintings: 450, users: 30, orders: 20 },
    ...(opts.withoutStats ? { endpoints: { stats: false } } : {}),
  });
  await SiteStore.create(engine.ctx, { id, name: id, template_url: sim.url, api_key: API_KEY });
  const { run } = await syncNow(id);
  expect(run.success).toBe(true);
  return { id, sim };
}

async function syncNow(siteId: string, entities?: Entity[], opts: ConsumeOptions = {}) {
  const started = await Sync.start(engine.ctx, { siteId, trigger: "manual", entities });
  if (!started.run) throw new Error("no run started");
  const consumed = await consume(engine.ctx, opts);
  return { run: await RunStore.get(engine.ctx, started.run.run_id, { withLog: true }), consumed };
}

const live = async (siteId: string, entity: "paintings" | "users" | "orders" = "paintings") =>
  (await storedRecords(engine.ctx, siteId, entity)).filter((r) => !r.deleted).map((r) => r.id);

describe("a Template that cannot be reached", () => {
  let blackhole: Server;
  const sockets = new Set<Socket>();
  beforeAll(async () => {
    // Accepts connections and never answers: a host whose database is down, or a firewall that drops.
    blackhole = createServer((socket) => {
      sockets.add(socket);
      socket.on("error", () => undefined);
    });
    await new Promise<void>((resolve) => blackhole.listen(0, "127.0.0.1", resolve));
  });
  afterAll(async () => {
    for (const s of sockets) s.destroy();
    await new Promise<void>((resolve) => blackhole.close(() => resolve()));
  });

  it("a blackholed host: `retrying` with the attempt, the next one and why after each failed delivery, then `failed`; data intact", async () => {
    const { id, sim } = await syncedSite();
    const before = await live(id);
    const address = blackhole.address();
    const port = typeof address === "object" && address ? address.port : 0;
    await SiteStore.update(engine.ctx, id, { template_url: `http://127.0.0.1:${port}`, api_key: API_KEY });

    const seen: RunStore.EntityResult[] = [];
    const { run, consumed } = await syncNow(id, ["paintings"], {
      client: { timeoutMs: 300, backoff: { baseMs: 5, maxMs: 10 }, maxRetryAfterMs: 100 },
      onDelivery: async (d) => {
        const now = await RunStore.get(engine.ctx, d.body.run_id);
        const entity = now.entities.paintings;
        if (entity) seen.push(entity);
      },
    });

    // After each failed delivery but the last, the entity said it was retrying, and why.
    expect(seen.map((e) => e.status)).toEqual(["retrying", "retrying", "failed"]);
    for (const [i, e] of seen.slice(0, 2).entries()) {
      expect(e).toMatchObject({ attempt: i + 1, max_attempts: 3, error: { code: "timeout" } });
      expect(e.error?.message).toMatch(/did not answer|timed out|no complete answer/i);
      expect(Date.parse(e.next_attempt_at ?? "")).not.toBeNaN();
    }
    expect(run.status).toBe("failed");
    expect(run.entities.paintings).toMatchObject({
      status: "failed",
      deleted: 0,
      error: { code: "timeout" },
    });
    expect(consumed.deadLettered).toHaveLength(1);
    // The site's last run says why, for the overview.
    const site = await SiteStore.get(engine.ctx, id);
    expect(site.last_run).toMatchObject({
      run_id: run.run_id,
      status: "failed",
      error: { entity: "paintings", code: "timeout" },
    });
    expect(await live(id)).toEqual(before);
    await sim.close();
  });
});

describe("paging that never ends", () => {
  it("alternating pages (offset ignored): stopped with pagination_loop, nothing deleted", async () => {
    const { id, sim } = await syncedSite();
    const before = await live(id);
    sim.remove("paintings", 5); // a complete scan would delete these five
    sim.faults.set("paintings", { offsetIgnored: "alternate" });
    const { run } = await syncNow(id, ["paintings"]);
    expect(run.entities.paintings).toMatchObject({
      status: "failed",
      deleted: 0,
      error: { code: "pagination_loop" },
    });
    expect(run.entities.paintings?.pages).toBeLessThanOrEqual(4);
    expect(await live(id)).toEqual(before);
    sim.faults.reset();
    const { run: again } = await syncNow(id, ["paintings"]);
    expect(again.entities.paintings).toMatchObject({ status: "succeeded", deleted: 5 });
    await sim.close();
  });

  it("new ids forever, one page per message: the site's record cap holds across continuations", async () => {
    const { id, sim } = await syncedSite();
    const before = await live(id);
    await SiteStore.update(engine.ctx, id, { scan_limits: { max_records: 1_000 } });
    sim.faults.set("paintings", { offsetIgnored: "endless" });
    const { run, consumed } = await syncNow(id, ["paintings"], { maxPagesPerInvocation: 1 });
    expect(run.entities.paintings).toMatchObject({
      status: "failed",
      deleted: 0,
      error: { code: "too_many_records" },
    });
    expect(run.entities.paintings?.fetched).toBeLessThanOrEqual(1_000);
    // Every page was its own message: the cap is counted across them, not per message.
    expect(consumed.deliveries.filter((d) => d.outcome?.kind === "continued").length).toBeGreaterThanOrEqual(
      4,
    );
    expect(await live(id)).toEqual(expect.arrayContaining(before));
    await sim.close();
  });

  it("a page cap: stopped with pagination_loop once the pages run past it", async () => {
    const { id, sim } = await syncedSite();
    await SiteStore.update(engine.ctx, id, { scan_limits: { max_pages: 10 } });
    sim.faults.set("paintings", { offsetIgnored: "endless" });
    const { run } = await syncNow(id, ["paintings"], { maxPagesPerInvocation: 3 });
    expect(run.entities.paintings).toMatchObject({ status: "failed", error: { code: "pagination_loop" } });
    expect(run.entities.paintings?.error?.message).toMatch(/after 10 pages/);
    await sim.close();
  });
});

describe("records DynamoDB cannot store", () => {
  it("each is rejected alone with its reason, the rest of its batch is stored, the raw copy is bounded", async () => {
    const { id, sim } = await syncedSite();
    let nested: unknown = "fond";
    for (let i = 0; i < 40; i++) nested = { n: nested };
    const ids = sim.served("paintings").map((p) => (p as { id: number }).id);
    const huge = ids[3] as number;
    const deep = ids[10] as number;
    const wide = ids[20] as number;
    sim.faults.set("paintings", {
      invalid: [
        { ids: [huge], field: "price", kind: "value", value: 1e200 },
        { ids: [deep], field: "provenance", kind: "value", value: nested },
        { ids: [wide], field: "notes", kind: "value", value: "x".repeat(500_000) },
      ],
    });
    sim.change("paintings", 30); // other records of the same batches change too: they must be written
    const { run } = await syncNow(id, ["paintings"]);
    expect(run.entities.paintings).toMatchObject({ status: "succeeded", deleted: 0 });
    const rejected = await RunStore.invalidRecords(engine.ctx, run.run_id, {
      entity: "paintings",
      limit: 200,
    });
    const reasons = new Map(rejected.items.map((r) => [r.record_id, r.reasons.join(" ")]));
    expect(reasons.get(huge)).toBe("price_out_of_range");
    expect(reasons.get(deep)).toMatch(/^provenance(\.n)+_too_deep$/);
    // (the record validation may already reject it for its size: the same code)
    expect(reasons.get(wide)).toBe("too_large");
    const rawOfWide = rejected.items.find((r) => r.record_id === wide)?.raw as { truncated?: boolean };
    expect(rawOfWide.truncated).toBe(true);
    // Everything else is stored as served; the rejected three keep their earlier stored version.
    const diffs = await differences(engine.ctx, id, sim, { entities: ["paintings"] });
    const rejectedIds = [huge, deep, wide].map((r) => `paintings ${r}:`);
    expect(diffs.filter((d) => !rejectedIds.some((prefix) => d.startsWith(prefix)))).toEqual([]);
    expect(await live(id)).toContain(wide);
    await sim.close();
  });
});

describe("deleting nothing on doubt", () => {
  for (const [name, withoutStats] of [
    ["stats failing (500)", false],
    ["stats missing (404, an older Template)", true],
  ] as const) {
    it(`${name} with a short scan: no deletion, and the run says why`, async () => {
      const { id, sim } = await syncedSite({ withoutStats });
      const before = await live(id);
      sim.remove("paintings", 4);
      if (!withoutStats) sim.faults.set("stats", { status: 500, times: 100 });
      const { run } = await syncNow(id, ["paintings"]);
      expect(run.entities.paintings).toMatchObject({
        status: "succeeded",
        deleted: 0,
        deletions_withheld: { code: "count_unknown" },
      });
      expect((run.log ?? []).some((l) => /suppression non confirmée/.test(l.message))).toBe(true);
      expect(await live(id)).toEqual(before);
      await sim.close();
    });
  }
});

describe("stopping a sync", () => {
  /** Runs a sync of paintings one page per message, doing `act` after the first page's message. */
  async function interrupted(siteId: string, act: (runId: string) => Promise<void>) {
    const started = await Sync.start(engine.ctx, {
      siteId,
      trigger: "manual",
      entities: ["paintings", "users"],
    });
    const runId = started.run?.run_id ?? "";
    let acted = false;
    const consumed = await consume(engine.ctx, {
      maxPagesPerInvocation: 1,
      onDelivery: async (d) => {
        if (!acted && d.outcome?.kind === "continued") {
          acted = true;
          await act(runId);
        }
      },
    });
    return { runId, consumed };
  }

  it("cancel: the scan stops at its next page, its entities end cancelled, nothing is deleted", async () => {
    const { id, sim } = await syncedSite();
    const before = await live(id);
    sim.remove("paintings", 6);
    const { runId, consumed } = await interrupted(id, async (runId) => {
      const out = await Control.cancelRun(engine.ctx, runId);
      expect(out.cancelled).toBe(true);
    });
    const run = await RunStore.get(engine.ctx, runId, { withLog: true });
    expect(run.status).toBe("cancelled");
    expect(run.cancel_requested_at).toBeDefined();
    expect(run.entities.paintings).toMatchObject({ status: "cancelled", deleted: 0 });
    expect(run.entities.paintings?.pages).toBeLessThan(3);
    expect(["cancelled", "succeeded"]).toContain(run.entities.users?.status);
    expect(await live(id)).toEqual(before);
    // No message left behind, nothing in the dead-letter queue, the lease is free for the next sync.
    expect(consumed.deadLettered).toEqual([]);
    const { run: next } = await syncNow(id, ["paintings"]);
    expect(next.entities.paintings).toMatchObject({ status: "succeeded", deleted: 6 });
    // A finished run cannot be cancelled.
    expect((await Control.cancelRun(engine.ctx, next.run_id)).cancelled).toBe(false);
    await sim.close();
  });

  it("disabling the site cancels its runs in progress", async () => {
    const { id, sim } = await syncedSite();
    const { runId } = await interrupted(id, async () => {
      await Control.updateSite(engine.ctx, id, { enabled: false });
    });
    const run = await RunStore.get(engine.ctx, runId);
    expect(run.status).toBe("cancelled");
    expect(run.entities.paintings?.status).toBe("cancelled");
    expect((await SiteStore.get(engine.ctx, id)).enabled).toBe(false);
    await sim.close();
  });

  it("a deletion a dead consumer left behind (its lease held): the next scheduled tick finishes it once the lease expired", async () => {
    const { id, sim } = await syncedSite();
    // A consumer that died in the middle of a scan: its lease is still held for a few minutes.
    await engine.ctx.db.send(
      new PutCommand({
        TableName: engine.ctx.table,
        Item: {
          ...Keys.lease(id, "paintings"),
          owner: "run_dead",
          expires_at: Math.floor(Date.now() / 1000) + 300,
        },
      }),
    );
    expect((await Control.deleteSite(engine.ctx, id)).finished).toBe(false);
    expect(await SiteStore.writeState(engine.ctx, id)).toBe("deleting");
    expect(await live(id)).toEqual([]);
    expect((await Sync.startScheduled(engine.ctx)).deletions_finished).toBe(0);
    const later = { ...engine.ctx, now: () => new Date(Date.now() + 10 * 60_000) };
    expect((await Sync.startScheduled(later)).deletions_finished).toBe(1);
    expect(await SiteStore.writeState(engine.ctx, id)).toBe("gone");
    await sim.close();
  });

  it("deleting the site during a sync: no record, run or marker of it survives, and a second delete is a 404", async () => {
    const { id, sim } = await syncedSite();
    const { runId } = await interrupted(id, async () => {
      const out = await Control.deleteSite(engine.ctx, id);
      // A sync held the site's lease: the rest happens when it stops, at its next page.
      expect(out.finished).toBe(false);
      await expect(SiteStore.get(engine.ctx, id)).rejects.toMatchObject({ code: "site_not_found" });
    });
    await expect(RunStore.get(engine.ctx, runId)).rejects.toMatchObject({ code: "run_not_found" });
    for (const entity of ["paintings", "users", "orders", "settings"] as const) {
      let left = 0;
      for await (const items of queryAll(engine.ctx, {
        KeyConditionExpression: "pk = :pk",
        ExpressionAttributeValues: { ":pk": Keys.recordPartition(id, entity) },
      })) {
        left += items.length;
      }
      expect(left).toBe(0);
    }
    // Nor its hash index, which the interrupted scan wrote after the first sweep.
    for (const entity of ["paintings", "users", "orders"] as const) {
      for await (const items of queryAll(engine.ctx, {
        KeyConditionExpression: "pk = :pk",
        ExpressionAttributeValues: { ":pk": Keys.hashIndexPartition(id, entity) },
      })) {
        expect(items, entity).toEqual([]);
      }
    }
    expect((await SiteStore.list(engine.ctx)).map((s) => s.id)).not.toContain(id);
    expect(await SiteStore.writeState(engine.ctx, id)).toBe("gone");
    await expect(Control.deleteSite(engine.ctx, id)).rejects.toMatchObject({ code: "site_not_found" });
    await sim.close();
  });
});
