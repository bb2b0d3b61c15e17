/**
 * A run's bookkeeping (issue 15): a small indexed header, one result item per entity, the log of one flush in
 * one item. On DynamoDB Local: the fan-in stays exactly once with entities finishing at the same time, a quick
 * entity writes only its final result, per-record warnings come once, and an unchanged scheduled run writes
 * its site at most twice.
 */
import { QueryCommand } from "@aws-sdk/lib-dynamodb";
import { type Sim, startSim } from "@dashboard/template-sim";
import { createEngine, type Engine } from "@dashboard/testing/engine";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ALL_ENTITIES, type Entity } from "../src/entity";
import * as RunStore from "../src/run";
import * as SiteStore from "../src/site";
import { Keys } from "../src/store/keys";
import * as Sync from "../src/sync";
import { countSuccesses, type DynamoCall } from "./faults/support";

const API_KEY = "tpl-key-5c1e8a7d20";

const skOf = (call: DynamoCall) => String((call.input.Key as { sk?: unknown } | undefined)?.sk ?? "");
const pkOf = (call: DynamoCall) => String((call.input.Key as { pk?: unknown } | undefined)?.pk ?? "");
const isWrite = (call: DynamoCall) =>
  call.command === "UpdateItemCommand" ||
  call.command === "PutItemCommand" ||
  call.command === "DeleteItemCommand";

const succeeded = (fetched: number): RunStore.EntityResult => ({
  ...RunStore.emptyResult("succeeded"),
  fetched,
  valid: fetched,
  unchanged: fetched,
  pages: 1,
});

let engine: Engine;
beforeAll(async () => {
  engine = await createEngine("run-store");
});

describe("the run's fan-in", () => {
  it("is finalised exactly once when its last entities finish at the same time", async () => {
    const ctx = engine.ctx;
    for (let round = 0; round < 8; round++) {
      const run = await RunStore.create(ctx, {
        siteId: "fan-in",
        trigger: "schedule",
        entities: ALL_ENTITIES,
      });
      const [a, b, ...rest] = [...ALL_ENTITIES].reverse() as Entity[];
      for (const entity of rest) {
        const done = await RunStore.completeEntity(ctx, run.run_id, entity, succeeded(1));
        expect(done).toEqual({ recorded: true });
      }
      // The last two together, each also delivered twice: two results recorded, one finalisation.
      const outcomes = await Promise.all(
        [a, b, a, b].map((e) => RunStore.completeEntity(ctx, run.run_id, e as Entity, succeeded(2), 7)),
      );
      expect(outcomes.filter((o) => o.recorded)).toHaveLength(2);
      const finalised = outcomes.flatMap((o) => (o.finalised ? [o.finalised] : []));
      expect(finalised).toHaveLength(1);
      expect(finalised[0]?.run.status).toBe("succeeded");
      // What the site takes: each succeeded entity's sync time, and the live count when one was given.
      expect(finalised[0]?.synced[a as Entity]).toMatchObject({ count: 7 });
      expect(Object.keys(finalised[0]?.synced ?? {}).sort()).toEqual([...ALL_ENTITIES].sort());
      // The header lists the final results; the run reads the same from the header or from its items.
      const stored = await RunStore.get(ctx, run.run_id);
      expect(stored).toMatchObject({ status: "succeeded", success: true });
      const [listed] = (await RunStore.list(ctx, { siteId: "fan-in", limit: 1 })).items;
      expect(listed).toEqual(stored);
      expect(await RunStore.finaliseIfDone(ctx, run.run_id)).toBeUndefined();
    }
  });

  it("lists a run in progress with its entities' live state", async () => {
    const ctx = engine.ctx;
    const run = await RunStore.create(ctx, {
      siteId: "live",
      trigger: "manual",
      entities: ["paintings", "users"],
    });
    expect(await Sync.startEntity(ctx, run, "paintings")).toBe(true);
    await RunStore.progress(ctx, run.run_id, "paintings", {
      ...RunStore.emptyResult("running"),
      fetched: 40,
    });
    const [listed] = (await RunStore.list(ctx, { siteId: "live", limit: 5 })).items;
    expect(listed?.status).toBe("running");
    expect(listed?.entities.paintings).toMatchObject({ status: "running", fetched: 40 });
    expect(listed?.entities.users?.status).toBe("pending");
    expect(listed).toEqual(await RunStore.get(ctx, run.run_id));
    // A cancel ends both, and a progress write that comes late changes nothing.
    const { cancelled, finalised } = await RunStore.cancel(ctx, run.run_id);
    expect(cancelled).toBe(true);
    expect(finalised?.run.status).toBe("cancelled");
    expect(await RunStore.progress(ctx, run.run_id, "paintings", RunStore.emptyResult("running"))).toBe(
      false,
    );
    expect((await RunStore.get(ctx, run.run_id)).entities.paintings).toMatchObject({
      status: "cancelled",
      fetched: 40,
    });
  });
});

describe("a run's log", () => {
  it("keeps the lines of one flush in one item and reads every line back in time order", async () => {
    const ctx = engine.ctx;
    const run = await RunStore.create(ctx, {
      siteId: "logs",
      trigger: "manual",
      entities: ["paintings", "users"],
    });
    const line = (entity: string, second: number, message: string): RunStore.LogEntry => ({
      entity,
      level: "INFO",
      message,
      timestamp: `2026-12-07T10:00:0${second}.000Z`,
    });
    await RunStore.appendLog(ctx, run.run_id, [
      line("paintings", 1, "p1"),
      line("paintings", 3, "p2"),
      line("paintings", 3, "p3"),
      line("paintings", 5, "p4"),
    ]);
    await RunStore.appendLog(ctx, run.run_id, [line("users", 2, "u1"), line("users", 4, "u2")]);
    const items = await ctx.db.send(
      new QueryCommand({
        TableName: ctx.table,
        KeyConditionExpression: "pk = :pk AND begins_with(sk, :p)",
        ExpressionAttributeValues: { ":pk": Keys.runPartition(run.run_id), ":p": Keys.logPrefix },
      }),
    );
    expect(items.Items).toHaveLength(2);
    const log = (await RunStore.get(ctx, run.run_id, { withLog: true })).log ?? [];
    expect(log.map((l) => l.message)).toEqual(["p1", "u1", "p2", "p3", "u2", "p4"]);
  });
});

describe("a site synced again with nothing changed", () => {
  let sim: Sim;
  const siteId = "atelier-calme";
  beforeAll(async () => {
    sim = await startSim({ apiKey: API_KEY, seed: 11, sizes: { paintings: 120, users: 60, orders: 40 } });
    await SiteStore.create(engine.ctx, {
      id: siteId,
      name: "Atelier calme",
      template_url: sim.url,
      api_key: API_KEY,
    });
    await engine.sync(siteId);
  });
  afterAll(async () => {
    await sim?.close();
  });

  /** A scheduled tick of this site alone, to the end; the run and what was written. */
  async function tick() {
    const writes: DynamoCall[] = [];
    const counter = countSuccesses(engine.dynamo, (call) => {
      if (isWrite(call)) writes.push(call);
      return false;
    });
    try {
      await Sync.startScheduled(engine.ctx);
      await engine.drain();
    } finally {
      counter.stop();
    }
    const [listed] = (await RunStore.list(engine.ctx, { siteId, limit: 1 })).items;
    const run = await RunStore.get(engine.ctx, listed?.run_id ?? "", { withLog: true });
    return { run, writes };
  }

  it("writes the site at most twice, each entity's result once, and no start for a quick entity", async () => {
    const before = await SiteStore.get(engine.ctx, siteId);
    const { run, writes } = await tick();
    expect(run.status).toMatch(/^(succeeded|partial)$/);
    const siteWrites = writes.filter((c) => pkOf(c) === `SITE#${siteId}` && skOf(c) === "SITE");
    expect(siteWrites.length).toBeLessThanOrEqual(2);
    // Entities ending within a second (settings, stats here) write their result item once: no start write.
    for (const entity of ["settings", "stats"] as const) {
      expect(
        writes.filter((c) => skOf(c) === `RUN#E#${entity}`),
        entity,
      ).toHaveLength(1);
    }
    // The site still shows the run, its counts and when each entity synced.
    const after = await SiteStore.get(engine.ctx, siteId);
    expect(after.last_run).toMatchObject({ run_id: run.run_id, status: run.status });
    expect(after.counts).toEqual(before.counts);
    for (const entity of Object.keys(run.entities) as Entity[]) {
      if (run.entities[entity]?.status !== "succeeded") continue;
      expect(after.last_synced_at?.[entity], entity).toBeDefined();
      expect(after.last_synced_at?.[entity] !== before.last_synced_at?.[entity], entity).toBe(true);
    }
  });

  it("warns about a flagged record once, when it is new or changed; an unchanged one is only counted", async () => {
    const { run: unchanged } = await tick();
    const flagged = unchanged.entities.paintings?.flagged ?? 0;
    expect(flagged).toBeGreaterThan(0);
    expect(unchanged.log?.filter((l) => l.code === "record_flagged")).toEqual([]);
    expect(
      unchanged.log?.find((l) => l.entity === "paintings" && l.code === "entity_synced")?.message,
    ).toMatch(new RegExp(`${flagged} signalées`));
    // One record turns flagged (its category cleared): warned about, alone.
    const target = (sim.served("paintings") as { id: number; category: unknown }[]).find((p) => p.category);
    sim.faults.set("paintings", { invalid: [{ ids: [target?.id ?? 0], field: "category", kind: "null" }] });
    try {
      const { run: changed } = await tick();
      const warned = changed.log?.filter((l) => l.code === "record_flagged") ?? [];
      expect(warned.map((l) => l.params?.id)).toEqual([target?.id]);
      expect(changed.entities.paintings?.flagged).toBe(flagged + 1);
    } finally {
      sim.faults.reset();
    }
  });
});
