/**
 * The SQS consumer Lambda (`consumer.handler`) on AWS's own SQS event sample (sqs-base.json), its record
 * bodies replaced by real sync messages taken from the queue, one left as it is (not a sync message): the
 * handler syncs the real ones against a simulated Template and reports exactly the bad one in
 * `batchItemFailures`, so that only it is delivered again.
 */
import { randomUUID } from "node:crypto";
import { DeleteMessageBatchCommand, ReceiveMessageCommand } from "@aws-sdk/client-sqs";
import type { Ctx } from "@dashboard/core/context";
import type { Entity } from "@dashboard/core/entity";
import * as RunStore from "@dashboard/core/run";
import * as SiteStore from "@dashboard/core/site";
import * as Sync from "@dashboard/core/sync";
import { createLambdaContext } from "@dashboard/local/lambda-context";
import { type Sim, startSim } from "@dashboard/template-sim";
import { acceptedWrites } from "@dashboard/testing/writes";
import type { SQSBatchResponse, SQSEvent, SQSRecord } from "aws-lambda";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fixture, type LinkedEnv, linkTestResources } from "./env";

type Handler = (
  event: SQSEvent,
  context: ReturnType<typeof createLambdaContext>,
) => Promise<SQSBatchResponse>;

let env: LinkedEnv;
let handler: Handler;
let ctx: Ctx;
const sims: Sim[] = [];

beforeAll(async () => {
  env = await linkTestResources("consumer", { maxReceiveCount: 3 });
  // Imported only now: like a Lambda, the module reads its linked resources when it loads.
  handler = (await import("@dashboard/functions/consumer")).handler as unknown as Handler;
  ctx = (await import("@dashboard/functions/shared/ctx")).ctx;
});

afterAll(async () => {
  await Promise.all(sims.map((sim) => sim.close()));
  await env?.close();
});

const context = () => createLambdaContext({ functionName: "SyncConsumer", timeoutMs: 300_000 });

/** A site on a simulated Template, and the messages one run of it put on the queue (taken off it). */
async function siteWithRun(siteId: string, entities: Entity[], seed: number) {
  const apiKey = `key-${siteId}-0001`;
  const sim = await startSim({ apiKey, seed, sizes: { paintings: 25, users: 15, orders: 10 } });
  sims.push(sim);
  await SiteStore.create(ctx, { id: siteId, name: `Site ${siteId}`, template_url: sim.url, api_key: apiKey });
  const started = await Sync.start(ctx, { siteId, trigger: "manual", entities });
  const runId = started.run?.run_id as string;
  const bodies = new Map<Entity, string>();
  while (bodies.size < entities.length) {
    const { Messages = [] } = await env.queues.sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: env.queues.queueUrl,
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: 1,
      }),
    );
    for (const m of Messages) {
      const body = Sync.parseMessage(m.Body ?? "");
      if (body.run_id === runId) bodies.set(body.entity, m.Body ?? "");
    }
    if (Messages.length) {
      await env.queues.sqs.send(
        new DeleteMessageBatchCommand({
          QueueUrl: env.queues.queueUrl,
          Entries: Messages.map((m, i) => ({ Id: `d${i}`, ReceiptHandle: m.ReceiptHandle ?? "" })),
        }),
      );
    }
  }
  return { sim, runId, body: (entity: Entity) => bodies.get(entity) as string };
}

/** The AWS sample with these bodies (record i gets body i); extra records are copies with fresh ids. */
function sqsEvent(bodies: (string | null)[], receiveCount = 1): SQSEvent {
  const sample = fixture<SQSEvent>("sqs-base.json");
  const template = sample.Records[0] as SQSRecord;
  const records = bodies.map((body, i) => {
    const base = sample.Records[i] ?? { ...template, messageId: randomUUID() };
    return {
      ...base,
      // null: the sample's own body, which is no sync message.
      body: body ?? base.body,
      attributes: { ...base.attributes, ApproximateReceiveCount: String(receiveCount) },
    };
  });
  return { Records: records };
}

describe("consumer handler on the SQS event sample", () => {
  it("syncs the real messages and reports only the invalid record in batchItemFailures", async () => {
    const { sim, runId, body } = await siteWithRun("consumer-a", ["paintings", "users"], 41);
    // Record 0: paintings; record 1: the sample's `{"message": "foo1"}`, left as it is; record 2: users.
    const event = sqsEvent([body("paintings"), null, body("users")]);
    const invalidId = event.Records[1]?.messageId;
    expect(event.Records[1]?.body).toBe('{"message": "foo1"}');

    const response = await handler(event, context());
    expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: invalidId }] });

    const run = await RunStore.get(ctx, runId);
    expect(run.success).toBe(true);
    expect(["succeeded", "partial"]).toContain(run.status);
    const site = await SiteStore.get(ctx, "consumer-a");
    expect(site.counts?.paintings).toBe(run.entities.paintings?.valid);
    expect(site.counts?.users).toBe(run.entities.users?.valid);
    expect(run.entities.users?.valid).toBe(sim.served("users").length);
  });

  it("changes nothing when a message it already handled comes again", async () => {
    const { runId, body } = await siteWithRun("consumer-dup", ["users"], 42);
    expect(await handler(sqsEvent([body("users")]), context())).toEqual({ batchItemFailures: [] });
    const before = await RunStore.get(ctx, runId, { withLog: true });
    const writes = acceptedWrites(ctx.db);
    try {
      expect(await handler(sqsEvent([body("users")], 2), context())).toEqual({ batchItemFailures: [] });
      expect(writes.all()).toEqual({});
    } finally {
      writes.remove();
    }
    expect(await RunStore.get(ctx, runId, { withLog: true })).toEqual(before);
  });

  it("reports a Template failure for another delivery, and records it in the run on the last one", async () => {
    const { sim, runId, body } = await siteWithRun("consumer-down", ["orders", "stats"], 43);
    sim.faults.set("orders", { status: 503, times: 1_000 });

    // First delivery: orders fails (retried by SQS), stats succeeds and is not reported.
    const first = sqsEvent([body("orders"), body("stats")], 1);
    const ordersId = first.Records[0]?.messageId;
    expect(await handler(first, context())).toEqual({ batchItemFailures: [{ itemIdentifier: ordersId }] });
    let run = await RunStore.get(ctx, runId, { withLog: true });
    expect(run.entities.orders).toMatchObject({
      status: "retrying",
      attempt: 1,
      max_attempts: 3,
      error: { code: "server_error" },
    });
    expect(Date.parse(run.entities.orders?.next_attempt_at ?? "")).toBeGreaterThan(Date.now());
    expect(run.entities.stats?.status).toBe("succeeded");
    expect(run.log?.some((l) => l.level === "WARNING" && /nouvel essai 2\/3 à/.test(l.message))).toBe(true);

    // Last delivery (ApproximateReceiveCount = the queue's maxReceiveCount, SYNC_MAX_RECEIVE_COUNT): the run
    // says why, and the record is still reported so that SQS moves it to the DLQ.
    const last = sqsEvent([body("orders")], 3);
    await expect(handler(last, context())).rejects.toThrow(/All records failed/);
    run = await RunStore.get(ctx, runId, { withLog: true });
    expect(run.status).toBe("failed");
    expect(run.entities.orders?.status).toBe("failed");
    expect(run.entities.orders?.error?.message).toMatch(/503/);
    expect(run.log?.some((l) => l.level === "ERROR" && l.entity === "orders")).toBe(true);
  });
});
