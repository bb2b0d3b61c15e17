/**
 * Change detection from the hash index (issue 15), on DynamoDB Local, fauxqs and template-sim: what a sync
 * reads and writes, counted at the SDK by the partition it touches (the bench's meter does the same), and
 * what the index holds afterwards, checked against the records it caches.
 */
import type { Sim } from "@dashboard/template-sim";
import type { Engine } from "@dashboard/testing/engine";
import { engineWithSim } from "@dashboard/testing/site-on-sim";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as Control from "../src/control";
import type { RecordEntity } from "../src/entity";
import { HashIndex, remove as removeIndex, shortHash } from "../src/hash-index";
import * as Records from "../src/record";
import * as RunStore from "../src/run";
import * as SiteStore from "../src/site";
import { batchWrite, deleteRequest, keyRange, putRequest, queryAll } from "../src/store/db";
import { HashIndexChunk, HashIndexHead } from "../src/store/entities";
import { hashIndexItemOf, Keys } from "../src/store/keys";
import * as Sync from "../src/sync";
import {
  API_KEY,
  compare,
  consume,
  crashAt,
  type DynamoCall,
  differences,
  InjectedCrash,
} from "./faults/support";

const RECORD_ENTITIES = ["paintings", "users", "orders", "exhibitions", "custom_requests"] as const;

/** A string attribute, plain or marshalled (`{S: ...}`). */
const text = (v: unknown): string =>
  typeof v === "string" ? v : v && typeof v === "object" ? String((v as { S?: unknown }).S ?? "") : "";

const isRecordPk = (pk: string) => /#E#/.test(pk) && !pk.endsWith("#E#settings");
const isIndexPk = (pk: string) => pk.includes("#HX#");

interface Meter {
  /** Queries of record partitions (settings aside), and their read units. */
  recordQueries: number;
  recordReadUnits: number;
  /** Queries of hash index partitions, and their read units. */
  indexQueries: number;
  indexReadUnits: number;
  /** Write requests carrying records, and hash index items written (chunks, heads) by kind. */
  recordWrites: number;
  chunkPuts: number;
  headPuts: number;
  headUpdates: number;
  stop: () => void;
}

let meters = 0;

/** Counts what the engine's client reads and writes, by partition, with the read units DynamoDB reports. */
function meter(engine: Engine): Meter {
  const name = `hashIndexMeter${++meters}`;
  const m: Meter = {
    recordQueries: 0,
    recordReadUnits: 0,
    indexQueries: 0,
    indexReadUnits: 0,
    recordWrites: 0,
    chunkPuts: 0,
    headPuts: 0,
    headUpdates: 0,
    stop: () => {
      engine.dynamo.middlewareStack.remove(name);
    },
  };
  engine.dynamo.middlewareStack.add(
    (next, context) => async (args) => {
      const input = args.input as Record<string, unknown>;
      const command = String(context.commandName ?? "");
      if (command === "QueryCommand") input.ReturnConsumedCapacity = "TOTAL";
      const out = await next(args);
      const units = Number(
        (out.output as { ConsumedCapacity?: { CapacityUnits?: number } }).ConsumedCapacity?.CapacityUnits ??
          0,
      );
      if (command === "QueryCommand") {
        const pk = text((input.ExpressionAttributeValues as Record<string, unknown> | undefined)?.[":pk"]);
        if (isRecordPk(pk)) {
          m.recordQueries++;
          m.recordReadUnits += units;
        }
        if (isIndexPk(pk)) {
          m.indexQueries++;
          m.indexReadUnits += units;
        }
      }
      if (command === "BatchWriteItemCommand") {
        const requests = Object.values(
          (input.RequestItems ?? {}) as Record<string, { PutRequest?: { Item?: Record<string, unknown> } }[]>,
        ).flat();
        const pks = requests.map((r) => ({
          pk: text(r.PutRequest?.Item?.pk),
          sk: text(r.PutRequest?.Item?.sk),
        }));
        if (pks.some((k) => isRecordPk(k.pk))) m.recordWrites++;
        for (const k of pks.filter((k) => isIndexPk(k.pk))) {
          if (hashIndexItemOf(k.sk)?.head) m.headPuts++;
          else m.chunkPuts++;
        }
      }
      if (command === "UpdateItemCommand" || command === "PutItemCommand") {
        const key = (input.Key ?? input.Item ?? {}) as Record<string, unknown>;
        if (isRecordPk(text(key.pk))) m.recordWrites++;
        if (isIndexPk(text(key.pk))) m.headUpdates++;
      }
      return out;
    },
    { step: "initialize", name, priority: "high" },
  );
  return m;
}

/** The index's items of a (site, entity) as stored. */
async function indexItems(engine: Engine, siteId: string, entity: RecordEntity) {
  const items: Record<string, unknown>[] = [];
  for await (const page of queryAll(engine.ctx, {
    ...keyRange({ pk: Keys.hashIndexPartition(siteId, entity) }),
    ConsistentRead: true,
  })) {
    items.push(...page);
  }
  const head = items.find((i) => hashIndexItemOf(String(i.sk))?.head);
  const chunks = items.filter((i) => hashIndexItemOf(String(i.sk))?.head === false);
  return { head: head ? HashIndexHead.schema.parse(head) : undefined, chunks };
}

/**
 * The index is usable and says what the records say: the same live ids, each with the first 60 bits of
 * its record's hash; the head is clean and has exactly its chunks.
 */
async function expectIndexAgrees(engine: Engine, siteId: string, entity: RecordEntity) {
  const index = await HashIndex.open(engine.ctx, siteId, entity, "run_checker");
  expect(index.source, `${entity}: index usable`).toBe("index");
  const records = await Records.index(engine.ctx, siteId, entity);
  const want = [...records]
    .filter(([, s]) => !s.deleted)
    .map(([id, s]) => `${id}:${shortHash(s.hash)}`)
    .sort();
  const got = [...index.stored]
    .filter(([, s]) => !s.deleted)
    .map(([id, s]) => `${id}:${s.hash}`)
    .sort();
  expect(got, `${entity}: index entries`).toEqual(want);
  const { head, chunks } = await indexItems(engine, siteId, entity);
  expect(head?.dirty).toBeUndefined();
  expect(chunks).toHaveLength(head?.buckets ?? -1);
}

describe("change detection from the hash index", () => {
  let engine: Engine;
  let sim: Sim;
  const siteId = "atelier-empreintes";

  beforeAll(async () => {
    ({ engine, sim } = await engineWithSim(
      "hash-index",
      { apiKey: API_KEY, seed: 23, sizes: { paintings: 320, users: 300, orders: 60 } },
      { id: siteId, name: "Empreintes" },
    ));
  });
  afterAll(async () => {
    await sim?.close();
  });

  it("a first sync builds each entity's index from what it stored", async () => {
    const run = await engine.sync(siteId);
    expect(run.success).toBe(true);
    for (const entity of RECORD_ENTITIES) await expectIndexAgrees(engine, siteId, entity);
    // 300 users in several small chunks; a handful of exhibitions in one.
    expect((await indexItems(engine, siteId, "users")).head?.buckets).toBeGreaterThan(3);
    expect((await indexItems(engine, siteId, "exhibitions")).head?.buckets).toBe(1);
  });

  it("an unchanged resync reads the index, not the records, and writes nothing", async () => {
    const m = meter(engine);
    const run = await engine.sync(siteId);
    m.stop();
    for (const entity of RECORD_ENTITIES) {
      expect(run.entities[entity], entity).toMatchObject({ status: "succeeded", written: 0, deleted: 0 });
      expect(run.entities[entity]?.unchanged, entity).toBe(run.entities[entity]?.valid);
    }
    expect(m.recordQueries).toBe(0);
    expect(m.indexQueries).toBe(RECORD_ENTITIES.length);
    expect(m.recordWrites + m.chunkPuts + m.headPuts + m.headUpdates).toBe(0);
    // What reading the records instead costs: the index reads a small share of it.
    const old = meter(engine);
    for (const entity of RECORD_ENTITIES) await Records.index(engine.ctx, siteId, entity);
    old.stop();
    expect(m.indexReadUnits).toBeGreaterThan(0);
    expect(m.indexReadUnits * 4).toBeLessThan(old.recordReadUnits);
  });

  it("a changed record is written, and only its chunk is rewritten", async () => {
    sim.change("users", 3);
    const plan = await compare(engine.ctx, siteId, sim, "users");
    expect(plan.toWrite).toHaveLength(3);
    const m = meter(engine);
    const run = await engine.sync(siteId, ["users"]);
    m.stop();
    expect(run.entities.users).toMatchObject({ status: "succeeded", written: 3, deleted: 0 });
    expect(m.recordQueries).toBe(0);
    expect(m.recordWrites).toBeGreaterThan(0);
    // At most one chunk per changed record; the head marked dirty before the records, written clean after.
    expect(m.chunkPuts).toBeGreaterThan(0);
    expect(m.chunkPuts).toBeLessThanOrEqual(3);
    expect(m.headUpdates).toBe(1);
    expect(m.headPuts).toBe(1);
    await expectIndexAgrees(engine, siteId, "users");
    // A redelivered message of the same run would find these writes as its own.
    const mine = await HashIndex.open(engine.ctx, siteId, "users", run.run_id);
    for (const id of plan.toWrite) expect(mine.stored.get(id)?.changedBy).toBe(run.run_id);
    const other = await HashIndex.open(engine.ctx, siteId, "users", "run_other");
    for (const id of plan.toWrite) expect(other.stored.get(id)?.changedBy).toBeUndefined();
  });

  it("deletions found by a complete scan leave the index", async () => {
    const removed = sim.remove("users", 2).map((u) => u.id);
    const run = await engine.sync(siteId, ["users"]);
    expect(run.entities.users).toMatchObject({ status: "succeeded", written: 0, deleted: 2 });
    await expectIndexAgrees(engine, siteId, "users");
    const mine = await HashIndex.open(engine.ctx, siteId, "users", run.run_id);
    const other = await HashIndex.open(engine.ctx, siteId, "users", "run_other");
    for (const id of removed) {
      expect(mine.stored.get(id)).toEqual({ hash: "", deleted: true, changedBy: run.run_id });
      expect(other.stored.has(id)).toBe(false);
    }
    expect((await SiteStore.get(engine.ctx, siteId)).counts?.users).toBe(
      [...other.stored.values()].filter((s) => !s.deleted).length,
    );
  });

  it("a scan over several messages reads the index each time, consistent with the writes of the messages before", async () => {
    sim.change("paintings", 6);
    sim.remove("paintings", 2);
    sim.add("paintings", 3);
    const plan = await compare(engine.ctx, siteId, sim, "paintings");
    const m = meter(engine);
    const run = await engine.sync(siteId, ["paintings"], { maxPagesPerInvocation: 1 });
    m.stop();
    expect(run.entities.paintings).toMatchObject({
      status: "succeeded",
      written: plan.toWrite.length,
      deleted: plan.toDelete.length,
    });
    expect(run.entities.paintings?.pages).toBeGreaterThan(1);
    expect(m.recordQueries).toBe(0);
    // One read of the index per message (the last one finds the export's end), none of the records.
    expect(m.indexQueries).toBeGreaterThan(1);
    expect(await differences(engine.ctx, siteId, sim, { entities: ["paintings"] })).toEqual([]);
    await expectIndexAgrees(engine, siteId, "paintings");
    const live = (await HashIndex.open(engine.ctx, siteId, "paintings", "run_other")).stored.size;
    expect((await SiteStore.get(engine.ctx, siteId)).counts?.paintings).toBe(live);
  });

  it("a missing index (an existing deployment, a first sync): the records are read and the index built; the next sync reads it", async () => {
    // Orders follow the changes made to users and paintings above: synced first, so none is left to write.
    await engine.sync(siteId, ["orders"]);
    await removeIndex(engine.ctx, siteId, "orders");
    const m = meter(engine);
    const run = await engine.sync(siteId, ["orders"]);
    m.stop();
    expect(run.entities.orders).toMatchObject({ status: "succeeded", written: 0, deleted: 0 });
    expect(m.recordQueries).toBeGreaterThan(0);
    expect(m.recordWrites).toBe(0);
    await expectIndexAgrees(engine, siteId, "orders");
    const again = meter(engine);
    await engine.sync(siteId, ["orders"]);
    again.stop();
    expect(again.recordQueries).toBe(0);
    expect(again.chunkPuts + again.headPuts + again.headUpdates).toBe(0);
  });

  it("an index left dirty, missing a chunk or unreadable is not used: the records are read and it is rebuilt", async () => {
    const spoil = {
      dirty: () => HashIndexHead.update(engine.ctx, "markDirty", [siteId, "users"], { run: "run_crashed" }),
      missingChunk: async () => {
        const { head } = await indexItems(engine, siteId, "users");
        await batchWrite(engine.ctx, [
          deleteRequest(Keys.hashIndexChunk(siteId, "users", head?.buckets ?? 0, 0)),
        ]);
      },
      unreadable: async () => {
        const { head } = await indexItems(engine, siteId, "users");
        await batchWrite(engine.ctx, [
          putRequest(
            HashIndexChunk.item([siteId, "users", head?.buckets ?? 0, 0], { hashes: "not an entry" }),
          ),
        ]);
      },
    };
    for (const [how, act] of Object.entries(spoil)) {
      await act();
      const m = meter(engine);
      const run = await engine.sync(siteId, ["users"]);
      m.stop();
      expect(run.entities.users, how).toMatchObject({ status: "succeeded", written: 0, deleted: 0 });
      expect(m.recordQueries, how).toBeGreaterThan(0);
      expect(m.recordWrites, how).toBe(0);
      await expectIndexAgrees(engine, siteId, "users");
    }
  });

  it("an index holding an outdated hash costs a rewrite of that record, never a missed one", async () => {
    const { head, chunks } = await indexItems(engine, siteId, "users");
    const chunk = chunks.find((c) => typeof c.hashes === "string");
    const where = hashIndexItemOf(String(chunk?.sk));
    if (!head || !chunk || where?.head !== false) throw new Error("no chunk with entries");
    const [first = "", ...rest] = String(chunk.hashes).split(",");
    const outdated = `${first.split(":")[0]}:AAAAAAAAAA`;
    await batchWrite(engine.ctx, [
      putRequest(
        HashIndexChunk.item([siteId, "users", head.buckets, where.bucket], {
          ...chunk,
          hashes: [outdated, ...rest].join(","),
        }),
      ),
    ]);
    const run = await engine.sync(siteId, ["users"]);
    expect(run.entities.users).toMatchObject({ status: "succeeded", written: 1, deleted: 0 });
    await expectIndexAgrees(engine, siteId, "users");
  });

  it.each([
    ["before the chunks are written", (c: DynamoCall) => isChunkWrite(c)],
    ["after the chunks, before the head is written clean", (c: DynamoCall) => isHeadWrite(c)],
  ])(
    "a crash between the records and the index (%s): the redelivery reads the records, nothing is lost, the next sync reads the index",
    async (_when, at) => {
      sim.change("users", 4);
      const plan = await compare(engine.ctx, siteId, sim, "users");
      const crash = crashAt(engine.dynamo, "before", at);
      let runId = "";
      try {
        const started = await Sync.start(engine.ctx, { siteId, trigger: "manual", entities: ["users"] });
        runId = started.run?.run_id ?? "";
        const consumed = await consume(engine.ctx);
        expect(consumed.deliveries.filter((d) => d.error instanceof InjectedCrash)).toHaveLength(1);
      } finally {
        crash.stop();
      }
      expect(crash.fired()).toBe(1);
      const run = await RunStore.get(engine.ctx, runId);
      // The redelivery counts the first delivery's writes as this run's own.
      expect(run.entities.users).toMatchObject({
        status: "succeeded",
        written: plan.toWrite.length,
        deleted: 0,
      });
      expect(await differences(engine.ctx, siteId, sim, { entities: ["users"] })).toEqual([]);
      await expectIndexAgrees(engine, siteId, "users");
      const m = meter(engine);
      const next = await engine.sync(siteId, ["users"]);
      m.stop();
      expect(next.entities.users).toMatchObject({ written: 0, deleted: 0 });
      expect(m.recordQueries).toBe(0);
    },
  );

  it("a grown entity is re-bucketed: the new chunks replace the old ones", async () => {
    const before = (await indexItems(engine, siteId, "orders")).head?.buckets ?? 0;
    sim.add("orders", 150);
    const run = await engine.sync(siteId, ["orders"]);
    expect(run.entities.orders).toMatchObject({ status: "succeeded" });
    const after = await indexItems(engine, siteId, "orders");
    expect(after.head?.buckets).toBeGreaterThan(before);
    await expectIndexAgrees(engine, siteId, "orders");
  });

  it("deleting the site removes its index", async () => {
    expect((await Control.deleteSite(engine.ctx, siteId)).finished).toBe(true);
    for (const entity of RECORD_ENTITIES) {
      const { head, chunks } = await indexItems(engine, siteId, entity);
      expect(head, entity).toBeUndefined();
      expect(chunks, entity).toEqual([]);
    }
  });
});

const keyOfWrite = (call: DynamoCall) => {
  const requests = Object.values(
    (call.input.RequestItems ?? {}) as Record<string, { PutRequest?: { Item?: Record<string, unknown> } }[]>,
  ).flat();
  return requests.map((r) => ({ pk: text(r.PutRequest?.Item?.pk), sk: text(r.PutRequest?.Item?.sk) }));
};
const isChunkWrite = (call: DynamoCall) =>
  call.command === "BatchWriteItemCommand" &&
  keyOfWrite(call).some((k) => isIndexPk(k.pk) && hashIndexItemOf(k.sk)?.head === false);
const isHeadWrite = (call: DynamoCall) =>
  call.command === "BatchWriteItemCommand" &&
  keyOfWrite(call).some((k) => isIndexPk(k.pk) && hashIndexItemOf(k.sk)?.head === true);
