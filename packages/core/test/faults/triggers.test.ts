/**
 * Fault matrix, overlapping triggers: the schedule, a signed webhook and an admin's manual sync of the same
 * site start at the same moment and their messages are handled by several consumers at once. The lease
 * must serialise each (site, entity); every run must end; the data must be right.
 */
import { type Sim, startSim } from "@dashboard/template-sim";
import { createEngine, type Engine } from "@dashboard/testing/engine";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ALL_ENTITIES } from "../../src/entity";
import * as Pending from "../../src/pending";
import * as RunStore from "../../src/run";
import * as SiteStore from "../../src/site";
import { queryAll } from "../../src/store/db";
import { Keys } from "../../src/store/keys";
import * as Sync from "../../src/sync";
import * as Webhook from "../../src/webhook";
import { API_KEY, consume, countSuccesses, type DynamoCall, differences } from "./support";

/**
 * Follows who holds each lease from the calls that took effect, and notes any acquisition by one run
 * while another run held it.
 */
function watchLeases(engine: Engine) {
  const holders = new Map<string, string>();
  const violations: string[] = [];
  const leaseKey = (call: DynamoCall) => String((call.input.Key as { pk?: string } | undefined)?.pk ?? "");
  const owner = (call: DynamoCall) =>
    String((call.input.ExpressionAttributeValues as Record<string, unknown> | undefined)?.[":run"] ?? "");
  const acquired = countSuccesses(engine.dynamo, (call) => {
    if (call.command !== "UpdateItemCommand" || !leaseKey(call).startsWith("LEASE#")) return false;
    if (!String(call.input.UpdateExpression).startsWith("SET #owner = :run")) return false;
    const held = holders.get(leaseKey(call));
    if (held && held !== owner(call))
      violations.push(`${leaseKey(call)}: ${owner(call)} took it from ${held}`);
    holders.set(leaseKey(call), owner(call));
    return true;
  });
  const released = countSuccesses(engine.dynamo, (call) => {
    if (call.command !== "DeleteItemCommand" || !leaseKey(call).startsWith("LEASE#")) return false;
    if (holders.get(leaseKey(call)) === owner(call)) holders.delete(leaseKey(call));
    return true;
  });
  return {
    violations,
    acquisitions: acquired.count,
    stop: () => {
      acquired.stop();
      released.stop();
    },
  };
}

describe("schedule, webhook and manual sync of one site at once", () => {
  let engine: Engine;
  let sim: Sim;
  const siteId = "atelier-simultane";
  let secret = "";

  beforeAll(async () => {
    engine = await createEngine("faults-triggers");
    sim = await startSim({ apiKey: API_KEY, seed: 23, sizes: { paintings: 260, users: 50, orders: 40 } });
    ({ webhook_secret: secret } = await SiteStore.create(engine.ctx, {
      id: siteId,
      name: "Simultané",
      template_url: sim.url,
      api_key: API_KEY,
    }));
  });
  afterAll(async () => {
    await sim?.close();
  });

  it("serialises each (site, entity), ends every run, and leaves the data right", async () => {
    sim.change("paintings", 10);
    sim.add("orders", 4);
    sim.remove("users", 3);
    const leases = watchLeases(engine);
    try {
      const body = JSON.stringify({ event: "painting_updated", site_id: siteId, event_id: "evt-0001" });
      const [scheduled, webhook, manual] = await Promise.all([
        Sync.startScheduled(engine.ctx),
        Webhook.receive(engine.ctx, body, Webhook.signatureHeader(secret, body)),
        Sync.start(engine.ctx, { siteId, trigger: "manual" }),
      ]);
      // The schedule and the webhook start a run, or join one already in progress (one run per site).
      expect(scheduled.runs + scheduled.joined).toBeGreaterThanOrEqual(1);
      expect(webhook.accepted).toBe(true);
      expect(manual.run).toBeDefined();

      const consumed = await consume(engine.ctx, {
        pollers: 3,
        leaseRetryDelaySeconds: 1,
        maxLeaseWaits: 200,
        maxPagesPerInvocation: 1,
      });

      // The lease made one sync wait for the other, and no two runs ever held one lease together.
      // (The schedule's run and the manual one, when both exist, each sync every entity.)
      if (scheduled.runs) {
        expect(consumed.deliveries.some((d) => d.outcome?.kind === "deferred")).toBe(true);
        expect(leases.acquisitions()).toBeGreaterThanOrEqual(2 * ALL_ENTITIES.length);
      }
      expect(leases.violations).toEqual([]);
      expect(consumed.deliveries.filter((d) => d.error !== undefined)).toEqual([]);

      // Every run ended, and succeeded: the manual one, the schedule's unless it joined a run in progress,
      // and the webhook's unless it joined one or was folded into the schedule's pending syncs.
      const runs = (await RunStore.list(engine.ctx, { siteId, limit: 50 })).items;
      const webhookRun = webhook.run_id !== undefined;
      expect(runs.map((r) => r.trigger).sort()).toEqual(
        ["manual", ...(scheduled.runs ? ["schedule"] : []), ...(webhookRun ? ["webhook"] : [])].sort(),
      );
      if (!webhookRun) expect(webhook.coalesced).toEqual(["paintings", "stats"]);
      if (webhook.joined_run_id) expect(runs.map((r) => r.run_id)).toContain(webhook.joined_run_id);
      for (const run of runs) {
        expect(run.status, `${run.trigger}: ${JSON.stringify(run.entities)}`).toMatch(
          /^(succeeded|partial)$/,
        );
        expect(run.success).toBe(true);
        expect(run.finished_at).toBeDefined();
        for (const [entity, result] of Object.entries(run.entities)) {
          expect(result.status, `${run.trigger} ${entity}`).toMatch(/^(succeeded|skipped)$/);
        }
      }
      expect(Object.keys(runs.find((r) => r.trigger === "manual")?.entities ?? {}).sort()).toEqual(
        [...ALL_ENTITIES].sort(),
      );

      // Nothing left behind: no lease, no pending marker.
      for (const entity of ALL_ENTITIES) {
        const key = Keys.lease(siteId, entity);
        for await (const items of queryAll(engine.ctx, {
          KeyConditionExpression: "pk = :pk",
          ExpressionAttributeValues: { ":pk": key.pk },
        })) {
          expect(items, key.pk).toEqual([]);
        }
      }
      expect(await Pending.markers(engine.ctx, siteId)).toEqual({});
      expect(await differences(engine.ctx, siteId, sim)).toEqual([]);
      const site = await SiteStore.get(engine.ctx, siteId);
      expect(site.last_run?.status).toMatch(/^(succeeded|partial)$/);
    } finally {
      leases.stop();
    }
  });
});
