/**
 * Fault matrix, the storage side: DynamoDB throttling BatchWriteItem calls, and BatchWriteItem leaving
 * items unprocessed, injected at the SDK middleware of the test's DynamoDB client against DynamoDB Local.
 * Every record must end up written exactly once, with the run's counts right.
 */
import type { Sim } from "@dashboard/template-sim";
import type { Engine } from "@dashboard/testing/engine";
import { addSite, engineWithSim } from "@dashboard/testing/site-on-sim";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { Entity } from "../../src/entity";
import * as RunStore from "../../src/run";
import * as Sync from "../../src/sync";
import {
  API_KEY,
  attribute,
  compare,
  consume,
  countRecordPuts,
  type DynamoCall,
  delayAt,
  differences,
  isRecordWrite,
  leaveUnprocessed,
  refuseAt,
  throttle,
} from "./support";

const RECORDS = ["paintings", "users", "orders", "exhibitions", "custom_requests"] as const;

describe("DynamoDB under pressure", () => {
  let engine: Engine;
  let sim: Sim;
  let site = 0;
  let siteId = "";

  beforeAll(async () => {
    ({ engine, sim } = await engineWithSim("faults-dynamo", {
      apiKey: API_KEY,
      seed: 31,
      sizes: { paintings: 260, users: 50, orders: 40 },
    }));
  });
  afterAll(async () => {
    await sim?.close();
  });
  beforeEach(async () => {
    // A new site per case: its first sync writes every record.
    siteId = `stockage-${++site}`;
    await addSite(engine, sim, { id: siteId, name: "Stockage" }, API_KEY);
  });

  async function syncAll() {
    const plans = Object.fromEntries(
      await Promise.all(RECORDS.map(async (e) => [e, await compare(engine.ctx, siteId, sim, e)] as const)),
    );
    const started = await Sync.start(engine.ctx, { siteId, trigger: "manual" });
    if (!started.run) throw new Error("no run started");
    const consumed = await consume(engine.ctx, { pollers: 2 });
    const run = await RunStore.get(engine.ctx, started.run.run_id, { withLog: true });
    return { run, consumed, plans };
  }

  /** Each valid record put exactly once, the run's counts equal to what had to change, the store level. */
  async function expectExactlyOnce(
    { run, plans }: Awaited<ReturnType<typeof syncAll>>,
    puts: Map<string, number>,
  ) {
    expect(run.success, JSON.stringify(run.entities)).toBe(true);
    expect(run.finished_at).toBeDefined();
    let expected = 0;
    for (const entity of RECORDS) {
      const plan = plans[entity];
      expect(run.entities[entity as Entity], entity).toMatchObject({
        status: "succeeded",
        written: plan?.toWrite.length,
        deleted: 0,
      });
      expected += plan?.toWrite.length ?? 0;
    }
    expect(puts.size).toBe(expected);
    expect(
      [...puts.values()].every((n) => n === 1),
      JSON.stringify([...puts].filter(([, n]) => n !== 1)),
    ).toBe(true);
    expect(await differences(engine.ctx, siteId, sim)).toEqual([]);
  }

  it("throttled BatchWriteItem attempts are retried by the SDK: every record written exactly once", async () => {
    // The first attempt of every other record batch is refused; its retry (same input) goes through.
    const attempts = new WeakMap<object, number>();
    let batches = 0;
    let throttled = 0;
    const stopThrottle = throttle(engine.dynamo, (call: DynamoCall) => {
      if (!isRecordWrite(call)) return false;
      const seen = attempts.get(call.input);
      if (seen === undefined) attempts.set(call.input, batches++);
      if (seen !== undefined || (attempts.get(call.input) ?? 0) % 2 === 1) return false;
      throttled++;
      return true;
    });
    const { puts, stop } = countRecordPuts(engine.dynamo);
    try {
      const result = await syncAll();
      expect(throttled).toBeGreaterThan(5);
      expect(result.consumed.deliveries.every((d) => d.error === undefined && d.receiveCount === 1)).toBe(
        true,
      );
      await expectExactlyOnce(result, puts);
      // Nothing in the run's log about storage: the SDK absorbed the throttling.
      expect((result.run.log ?? []).filter((l) => /database|nouvel essai/.test(l.message))).toEqual([]);
    } finally {
      stopThrottle();
      stop();
    }
  });

  it("a throttling burst longer than the SDK's retries fails the delivery; the redelivery finishes, nothing written twice", async () => {
    // Every attempt of the first paintings batch is refused: the SDK gives up, the message goes back to the queue.
    let victim: object | undefined;
    let throttled = 0;
    const stopThrottle = throttle(engine.dynamo, (call: DynamoCall) => {
      if (!isRecordWrite(call)) return false;
      const requests = call.input.RequestItems as Record<
        string,
        { PutRequest?: { Item?: Record<string, unknown> } }[]
      >;
      const first = requests[engine.ctx.table]?.[0]?.PutRequest?.Item;
      if (victim === undefined && attribute(first, "entity") === "paintings") victim = call.input;
      if (call.input !== victim) return false;
      throttled++;
      return true;
    });
    const { puts, stop } = countRecordPuts(engine.dynamo);
    try {
      const result = await syncAll();
      expect(throttled).toBeGreaterThanOrEqual(3);
      const paintings = result.consumed.deliveries.filter((d) => d.body.entity === "paintings");
      expect(paintings.map((d) => d.receiveCount)).toEqual([1, 2]);
      expect(paintings[0]?.error).toMatchObject({ name: "ProvisionedThroughputExceededException" });
      expect(result.consumed.deadLettered).toEqual([]);
      const warnings = (result.run.log ?? [])
        .filter((l) => l.level === "WARNING" && !/invalide|signalées|Sécurité/.test(l.message))
        .map((l) => l.message);
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toMatch(
        /^The Dashboard's database was busy; the sync will be retried — nouvel essai 2\/3 à \d\d:\d\d:\d\d UTC/,
      );
      await expectExactlyOnce(result, puts);
    } finally {
      stopThrottle();
      stop();
    }
  });

  it("BatchWriteItem leaving items unprocessed: they are retried until written, each exactly once", async () => {
    // A third of every batch (records, logs, checkpoints alike) comes back unprocessed, again and again.
    let held = 0;
    const stopUnprocessed = leaveUnprocessed(engine.dynamo, (call: DynamoCall) => {
      const requests = Object.values(call.input.RequestItems as Record<string, unknown[]>)[0] ?? [];
      const n = Math.floor(requests.length / 3);
      held += n;
      return n;
    });
    const { puts, stop } = countRecordPuts(engine.dynamo);
    try {
      const result = await syncAll();
      expect(held).toBeGreaterThan(100);
      expect(result.consumed.deliveries.every((d) => d.error === undefined)).toBe(true);
      await expectExactlyOnce(result, puts);
      // The run's bookkeeping went through the same retries: its log is complete.
      for (const entity of RECORDS) {
        expect(
          result.run.log?.some((l) => l.entity === entity && l.level === "SUCCESS"),
          entity,
        ).toBe(true);
      }
    } finally {
      stopUnprocessed();
      stop();
    }
    // Once DynamoDB is back to normal, a resync writes nothing.
    const { puts: again, stop: stopAgain } = countRecordPuts(engine.dynamo);
    try {
      const result = await syncAll();
      expect(again.size).toBe(0);
      expect(result.run.entities.paintings).toMatchObject({ written: 0, deleted: 0 });
    } finally {
      stopAgain();
    }
  });
});

describe("DynamoDB failing while writes are in flight", () => {
  let engine: Engine;
  let bigSim: Sim;
  const siteId = "stockage-en-vol";

  beforeAll(async () => {
    ({ engine, sim: bigSim } = await engineWithSim(
      "faults-dynamo-inflight",
      { apiKey: API_KEY, seed: 37, sizes: { paintings: 1_000, users: 5, orders: 5 } },
      { id: siteId, name: "En vol" },
    ));
  });
  afterAll(async () => {
    await bigSim?.close();
  });

  it("a record batch refused while an earlier page's writes are still in flight: the delivery fails cleanly, the redelivery finishes", async () => {
    // Page 1's eight batches are slow; the first batch of page 2 is refused at once, while the engine is
    // still waiting on page 1 (two pages of writes in flight, the third one waited for).
    let batches = 0;
    const order = new WeakMap<object, number>();
    const numberOf = (call: DynamoCall) => {
      if (!isRecordWrite(call)) return 0;
      if (!order.has(call.input)) order.set(call.input, ++batches);
      return order.get(call.input) ?? 0;
    };
    let refused = 0;
    const stopDelay = delayAt(engine.dynamo, 1_500, (call) => {
      const n = numberOf(call);
      return n >= 1 && n <= 8;
    });
    const stopRefuse = refuseAt(engine.dynamo, (call) => numberOf(call) === 9 && ++refused === 1);
    const { puts, stop } = countRecordPuts(engine.dynamo);
    try {
      const plans = { paintings: await compare(engine.ctx, siteId, bigSim, "paintings") };
      const started = await Sync.start(engine.ctx, { siteId, trigger: "manual", entities: ["paintings"] });
      const consumed = await consume(engine.ctx);
      const run = await RunStore.get(engine.ctx, started.run?.run_id ?? "", { withLog: true });
      expect(refused).toBe(1);
      expect(consumed.deliveries.map((d) => d.receiveCount)).toEqual([1, 2]);
      expect(run.entities.paintings).toMatchObject({
        status: "succeeded",
        written: plans.paintings.toWrite.length,
        deleted: 0,
      });
      expect([...puts.values()].every((n) => n === 1)).toBe(true);
      expect(puts.size).toBe(plans.paintings.toWrite.length);
      expect(await differences(engine.ctx, siteId, bigSim, { entities: ["paintings"] })).toEqual([]);
    } finally {
      stopDelay();
      stopRefuse();
      stop();
    }
  });
});
