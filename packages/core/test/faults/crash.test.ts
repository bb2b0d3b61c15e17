/**
 * Fault matrix, the consumer side: an invocation that dies half-way through an entity scanned over several
 * messages (one page per invocation), at every step where dying leaves something half done. The queue
 * redelivers; the redelivered and continuation messages must finish the job with no record lost or
 * duplicated, deletions still right, the run's counts right, and the run finalised exactly once.
 */

import {
  ChangeMessageVisibilityCommand,
  DeleteMessageCommand,
  ReceiveMessageCommand,
} from "@aws-sdk/client-sqs";
import type { Sim } from "@dashboard/template-sim";
import type { Engine } from "@dashboard/testing/engine";
import { addSite, engineWithSim } from "@dashboard/testing/site-on-sim";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import * as RunStore from "../../src/run";
import * as SiteStore from "../../src/site";
import { queryAll } from "../../src/store/db";
import { Keys } from "../../src/store/keys";
import * as Sync from "../../src/sync";
import { RECORD_SCHEMAS } from "../../src/template/schema";
import {
  API_KEY,
  compare,
  consume,
  countSuccesses,
  crashAt,
  type DynamoCall,
  differences,
  FAST_CLIENT,
  InjectedCrash,
  isEntityCompletion,
  isRecordWrite,
  storedRecords,
} from "./support";

const values = (call: DynamoCall) => (call.input.ExpressionAttributeValues ?? {}) as Record<string, unknown>;
const key = (call: DynamoCall) => (call.input.Key ?? {}) as { pk?: string; sk?: string };

/** The lease's sequence moving to `seq`: the checkpoint that hands the scan to the next message. */
const leaseAdvance = (seq: number) => (call: DynamoCall) =>
  call.command === "UpdateItemCommand" &&
  String(key(call).pk).startsWith("LEASE#") &&
  String(call.input.UpdateExpression).includes("seq = :seq, #next = :next") &&
  values(call)[":seq"] === seq;

/** An entity's final result recorded in the run (its result item). */
const entityCompleted = (entity: string) => (call: DynamoCall) => isEntityCompletion(call, entity);

/** The run's final status written (once per run, by whichever entity finished last). */
const runFinalised = (call: DynamoCall) =>
  call.command === "UpdateItemCommand" &&
  key(call).sk === "RUN" &&
  String(call.input.UpdateExpression).startsWith("SET #status = :status, success = :success");

const leaseReleased = (call: DynamoCall) =>
  call.command === "DeleteItemCommand" && String(key(call).pk).startsWith("LEASE#");

/** A continuation message with this sequence number, on its way to the queue. */
const continuationSent = (seq: number) => (call: DynamoCall) =>
  call.command === "SendMessageBatchCommand" &&
  ((call.input.Entries ?? []) as { MessageBody?: string }[]).some(
    (e) => Sync.parseMessage(e.MessageBody ?? "").continuation?.seq === seq,
  );

describe("a consumer that dies half-way through an entity", () => {
  let engine: Engine;
  let sim: Sim;
  let site = 0;
  let siteId = "";

  beforeAll(async () => {
    ({ engine, sim } = await engineWithSim("faults-crash", {
      apiKey: API_KEY,
      seed: 13,
      sizes: { paintings: 320, users: 20, orders: 15 },
    }));
  });
  afterAll(async () => {
    await sim?.close();
  });
  beforeEach(async () => {
    siteId = `atelier-${++site}`;
    await addSite(engine, sim, { id: siteId, name: "Atelier" }, API_KEY);
    const first = await syncPaintings();
    expect(first.run.entities.paintings?.status).toBe("succeeded");
    // Work for the next run: changes, deletions and additions spread over the pages.
    sim.change("paintings", 9);
    sim.remove("paintings", 7);
    sim.add("paintings", 5);
  });

  async function syncPaintings() {
    const started = await Sync.start(engine.ctx, { siteId, trigger: "manual", entities: ["paintings"] });
    if (!started.run) throw new Error("no run started");
    const consumed = await consume(engine.ctx, { maxPagesPerInvocation: 1 });
    const run = await RunStore.get(engine.ctx, started.run.run_id, { withLog: true });
    return { run, consumed };
  }

  /** Runs the sync with `arm` injecting one crash; checks everything the crash could have broken. */
  async function crashAndRecover(arm: () => { fired: () => number; stop: () => void }) {
    const plan = await compare(engine.ctx, siteId, sim, "paintings");
    expect(plan.toWrite.length).toBeGreaterThan(0);
    expect(plan.toDelete.length).toBeGreaterThan(0);
    const finalised = countSuccesses(engine.dynamo, runFinalised);
    const crash = arm();
    let result: Awaited<ReturnType<typeof syncPaintings>>;
    try {
      result = await syncPaintings();
    } finally {
      crash.stop();
      finalised.stop();
    }
    const { run, consumed } = result;
    expect(crash.fired()).toBe(1);
    expect(consumed.deliveries.filter((d) => d.error instanceof InjectedCrash)).toHaveLength(1);
    expect(consumed.deadLettered).toEqual([]);

    // The run ended, once, and says what happened.
    expect(run.status, JSON.stringify(run.entities)).toMatch(/^(succeeded|partial)$/);
    expect(run.success).toBe(true);
    expect(run.finished_at).toBeDefined();
    expect(finalised.count()).toBe(1);
    const served = sim.served("paintings");
    const valid = served.filter((p) => RECORD_SCHEMAS.paintings.safeParse(p).success).length;
    expect(run.entities.paintings, JSON.stringify(run.log?.map((l) => l.message))).toMatchObject({
      status: "succeeded",
      fetched: served.length,
      valid,
      invalid: served.length - valid,
      written: plan.toWrite.length,
      unchanged: valid - plan.toWrite.length,
      deleted: plan.toDelete.length,
      pages: 2,
    });

    // No record lost, none duplicated, deletions right.
    expect(await differences(engine.ctx, siteId, sim, { entities: ["paintings"] })).toEqual([]);
    const live = (await storedRecords(engine.ctx, siteId, "paintings")).filter((r) => !r.deleted);
    expect((await SiteStore.get(engine.ctx, siteId)).counts?.paintings).toBe(live.length);

    // Nothing left behind: no scan checkpoint, no lease.
    const leftovers: unknown[] = [];
    for await (const items of queryAll(engine.ctx, {
      KeyConditionExpression: "pk = :pk AND begins_with(sk, :p)",
      ExpressionAttributeValues: { ":pk": Keys.runPartition(run.run_id), ":p": "SEEN#" },
    })) {
      leftovers.push(...items);
    }
    expect(leftovers).toEqual([]);
    for await (const items of queryAll(engine.ctx, {
      KeyConditionExpression: "pk = :pk",
      ExpressionAttributeValues: { ":pk": Keys.lease(siteId, "paintings").pk },
    })) {
      expect(items).toEqual([]);
    }
    // A new sync of the same entity starts at once (the lease is free) and has nothing to do.
    const next = await syncPaintings();
    expect(next.consumed.deliveries.every((d) => d.outcome?.kind !== "deferred")).toBe(true);
    expect(next.run.entities.paintings).toMatchObject({ status: "succeeded", written: 0, deleted: 0 });
    return { run, consumed };
  }

  it("dies in the middle of a page (a record batch never written)", async () => {
    sim.change("paintings", 80); // enough changes for several record batches per page
    let batches = 0;
    await crashAndRecover(() =>
      crashAt(engine.dynamo, "before", (call) => isRecordWrite(call) && ++batches === 2),
    );
  });

  it("dies right after its checkpoint, before the continuation message is sent", async () => {
    const { consumed } = await crashAndRecover(() => crashAt(engine.dynamo, "after", leaseAdvance(1)));
    // The first message was delivered again, and the scan went on from there.
    const first = consumed.deliveries.filter((d) => d.body.continuation === undefined);
    expect(first.map((d) => d.receiveCount)).toEqual([1, 2]);
  });

  it("dies right after sending the continuation message", async () => {
    await crashAndRecover(() => crashAt(engine.ctx.sqs, "after", continuationSent(2)));
  });

  it("dies while sending the continuation message", async () => {
    await crashAndRecover(() => crashAt(engine.ctx.sqs, "before", continuationSent(1)));
  });

  it("dies right after recording the entity's result, before the run is finalised", async () => {
    await crashAndRecover(() => crashAt(engine.dynamo, "after", entityCompleted("paintings")));
  });

  it("dies right after the run is finalised, before its lease is released", async () => {
    await crashAndRecover(() => crashAt(engine.dynamo, "before", leaseReleased));
  });

  it("dies in the middle of marking deletions", async () => {
    let marks = 0;
    await crashAndRecover(() =>
      crashAt(
        engine.dynamo,
        "after",
        (call) =>
          call.command === "UpdateItemCommand" &&
          String(call.input.UpdateExpression).startsWith("SET deleted_at") &&
          ++marks === 2,
      ),
    );
  });

  it("a continuation redelivered after its lease expired and another run took and released it: the scan still ends", async () => {
    // Production timing: a consumer dies on a continuation; SQS shows the message again after the
    // visibility timeout (10 min), later than the lease lasts (6 min); meanwhile the schedule's run of the
    // same entity took the expired lease, finished and released it.
    const plan = await compare(engine.ctx, siteId, sim, "paintings");
    const started = await Sync.start(engine.ctx, { siteId, trigger: "manual", entities: ["paintings"] });
    const receive = async () => {
      const out = await engine.ctx.sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: engine.ctx.queueUrl,
          MaxNumberOfMessages: 1,
          VisibilityTimeout: 600,
        }),
      );
      const m = out.Messages?.[0];
      if (!m) throw new Error("no message");
      return { body: Sync.parseMessage(m.Body ?? ""), handle: m.ReceiptHandle ?? "" };
    };
    const first = await receive();
    const outcome = await Sync.handle(engine.ctx, first.body, {
      remainingMs: () => 300_000,
      maxPagesPerInvocation: 1,
      client: FAST_CLIENT,
    });
    expect(outcome.kind).toBe("continued");
    await engine.ctx.sqs.send(
      new DeleteMessageCommand({ QueueUrl: engine.ctx.queueUrl, ReceiptHandle: first.handle }),
    );
    // The continuation is received by a consumer that dies: it stays invisible for now.
    const lost = await receive();
    expect(lost.body.continuation?.seq).toBe(1);

    // Seven minutes later (the lease has expired), another run syncs the same entity to the end.
    const later = { ...engine.ctx, now: () => new Date(Date.now() + 7 * 60_000) };
    const other = await Sync.start(later, { siteId, trigger: "schedule", entities: ["paintings"] });
    await consume(later, { maxPagesPerInvocation: 1, waitForInFlight: false });
    expect((await RunStore.get(engine.ctx, other.run?.run_id ?? "")).status).toMatch(/^(succeeded|partial)$/);

    // Then the first run's continuation comes back.
    await engine.ctx.sqs.send(
      new ChangeMessageVisibilityCommand({
        QueueUrl: engine.ctx.queueUrl,
        ReceiptHandle: lost.handle,
        VisibilityTimeout: 0,
      }),
    );
    const consumed = await consume(engine.ctx, { maxPagesPerInvocation: 1 });
    expect(consumed.deliveries.map((d) => d.outcome?.kind)).not.toContain("ignored");
    const run = await RunStore.get(engine.ctx, started.run?.run_id ?? "", { withLog: true });
    expect(run.status, JSON.stringify(run.entities)).toMatch(/^(succeeded|partial)$/);
    expect(run.entities.paintings).toMatchObject({
      status: "succeeded",
      fetched: sim.served("paintings").length,
    });
    // The other run did the writing and deleting; this one found the store up to date.
    expect(plan.toWrite.length).toBeGreaterThan(0);
    expect(await differences(engine.ctx, siteId, sim, { entities: ["paintings"] })).toEqual([]);
  });
});
