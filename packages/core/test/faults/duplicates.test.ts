/**
 * Fault matrix, at-least-once delivery: SQS delivers a message twice, later or at the same time, and a
 * continuation message can arrive after the scan moved past it. A duplicate must change nothing.
 */
import { ScanCommand } from "@aws-sdk/lib-dynamodb";
import type { Sim } from "@dashboard/template-sim";
import type { Engine } from "@dashboard/testing/engine";
import { engineWithSim } from "@dashboard/testing/site-on-sim";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as RunStore from "../../src/run";
import * as Sync from "../../src/sync";
import {
  API_KEY,
  compare,
  consume,
  countSuccesses,
  type Delivery,
  type DynamoCall,
  differences,
  isEntityCompletion,
  redeliver,
} from "./support";

const RECORDS = ["paintings", "users", "orders", "exhibitions", "custom_requests"] as const;

/** The whole test table, item by item (a Scan: fine in a test, never in a request path). */
async function dumpTable(engine: Engine): Promise<Record<string, unknown>[]> {
  const items: Record<string, unknown>[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const out = await engine.ctx.db.send(
      new ScanCommand({ TableName: engine.ctx.table, ExclusiveStartKey: start, ConsistentRead: true }),
    );
    items.push(...((out.Items ?? []) as Record<string, unknown>[]));
    start = out.LastEvaluatedKey;
  } while (start);
  return items.sort((a, b) => `${a.pk}|${a.sk}`.localeCompare(`${b.pk}|${b.sk}`));
}

const runFinalised = (call: DynamoCall) =>
  call.command === "UpdateItemCommand" &&
  (call.input.Key as { sk?: string } | undefined)?.sk === "RUN" &&
  String(call.input.UpdateExpression).startsWith("SET #status = :status, success = :success");

describe("duplicate and stale messages", () => {
  let engine: Engine;
  let sim: Sim;
  const siteId = "atelier-doublons";

  beforeAll(async () => {
    ({ engine, sim } = await engineWithSim(
      "faults-duplicates",
      { apiKey: API_KEY, seed: 17, sizes: { paintings: 450, users: 60, orders: 40 } },
      { id: siteId, name: "Doublons" },
    ));
  });
  afterAll(async () => {
    await sim?.close();
  });

  it("every message of a finished run delivered again: nothing changes anywhere in the table", async () => {
    sim.change("paintings", 6);
    sim.remove("users", 3);
    const bodies: Sync.SyncMessage[] = [];
    const started = await Sync.start(engine.ctx, { siteId, trigger: "manual" });
    await consume(engine.ctx, { maxPagesPerInvocation: 1, onDelivery: (d) => void bodies.push(d.body) });
    const runId = started.run?.run_id ?? "";
    const run = await RunStore.get(engine.ctx, runId, { withLog: true });
    expect(run.success).toBe(true);
    expect(bodies.filter((b) => b.continuation).length).toBeGreaterThanOrEqual(3);
    const before = await dumpTable(engine);

    sim.clearRequests();
    for (const body of bodies) await redeliver(engine.ctx, body);
    const again = await consume(engine.ctx, { maxPagesPerInvocation: 1 });

    expect(again.deliveries).toHaveLength(bodies.length);
    expect(again.deliveries.map((d) => d.outcome)).toEqual(
      bodies.map(() => ({ kind: "ignored", reason: "duplicate" })),
    );
    expect(sim.requests).toEqual([]); // not one request to the Template
    expect(await dumpTable(engine)).toEqual(before);
    expect(await RunStore.get(engine.ctx, runId, { withLog: true })).toEqual(run);
  });

  it("every message delivered twice at the same time: each entity recorded once, the run finalised once", async () => {
    sim.change("orders", 5);
    sim.add("users", 4);
    sim.remove("paintings", 3);
    const plans = Object.fromEntries(
      await Promise.all(RECORDS.map(async (e) => [e, await compare(engine.ctx, siteId, sim, e)] as const)),
    );
    const finalised = countSuccesses(engine.dynamo, runFinalised);
    const completions = countSuccesses(engine.dynamo, (call) => isEntityCompletion(call));
    try {
      const started = await Sync.start(engine.ctx, { siteId, trigger: "manual" });
      // The same bodies again, as SQS may deliver them: both copies are in the queue before any is handled.
      for (const entity of started.entities) {
        await redeliver(engine.ctx, {
          v: 1,
          run_id: started.run?.run_id ?? "",
          site_id: siteId,
          entity,
          trigger: "manual",
          lease_waits: 0,
        });
      }
      const consumed = await consume(engine.ctx, { pollers: 2 });
      const run = await RunStore.get(engine.ctx, started.run?.run_id ?? "", { withLog: true });

      expect(run.success).toBe(true);
      expect(finalised.count()).toBe(1);
      expect(completions.count()).toBe(started.entities.length);
      // Both copies of each message were handled (some at the same time); each result was recorded once.
      expect(consumed.deliveries).toHaveLength(2 * started.entities.length);
      for (const entity of RECORDS) {
        expect(run.entities[entity], entity).toMatchObject({
          status: "succeeded",
          written: plans[entity]?.toWrite.length,
          deleted: plans[entity]?.toDelete.length,
        });
      }
      expect(await differences(engine.ctx, siteId, sim)).toEqual([]);
    } finally {
      finalised.stop();
      completions.stop();
    }
  });

  it("a continuation message delivered again after the scan moved on: ignored, nothing sent again", async () => {
    sim.change("paintings", 8);
    sim.remove("paintings", 4);
    const plan = await compare(engine.ctx, siteId, sim, "paintings");
    let stale: Sync.SyncMessage | undefined;
    const staleOutcomes: Delivery[] = [];
    const started = await Sync.start(engine.ctx, { siteId, trigger: "manual", entities: ["paintings"] });
    const { deliveries: all } = await consume(engine.ctx, {
      maxPagesPerInvocation: 1,
      onDelivery: async (d) => {
        if (d.body.continuation?.seq === 1 && !stale) stale = d.body;
        else if (d.body === stale || (stale && d.body.continuation?.seq === 1)) staleOutcomes.push(d);
        // Once the scan is at step 2, the step-1 message comes back.
        if (d.body.continuation?.seq === 2 && stale) await redeliver(engine.ctx, stale);
      },
    });
    const run = await RunStore.get(engine.ctx, started.run?.run_id ?? "", { withLog: true });
    const deliveries = all.length;

    expect(staleOutcomes.map((d) => d.outcome)).toEqual([
      { kind: "ignored", reason: expect.stringMatching(/^(stale|duplicate)$/) },
    ]);
    // No continuation was sent again: four steps (three pages and the empty page that ends the scan) and the stale one.
    expect(deliveries).toBe(5);
    expect(run.entities.paintings).toMatchObject({
      status: "succeeded",
      fetched: sim.served("paintings").length,
      written: plan.toWrite.length,
      deleted: plan.toDelete.length,
      pages: 3,
    });
    expect(await differences(engine.ctx, siteId, sim, { entities: ["paintings"] })).toEqual([]);
  });
});
