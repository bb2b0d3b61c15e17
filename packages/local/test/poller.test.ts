import { createHash } from "node:crypto";
import {
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SendMessageCommand,
  type SQSClient,
} from "@aws-sdk/client-sqs";
import { createTestQueues, type TestQueues } from "@dashboard/testing/aws";
import type { Context, SQSBatchResponse, SQSEvent } from "aws-lambda";
import { afterEach, describe, expect, it } from "vitest";
import { failedMessageIds, type Poller, type PollerError, startPoller } from "../src/poller";

const md5 = (text: string) => createHash("md5").update(text).digest("hex");

async function send(sqs: SQSClient, queueUrl: string, bodies: string[]): Promise<string[]> {
  const result = await sqs.send(
    new SendMessageBatchCommand({
      QueueUrl: queueUrl,
      Entries: bodies.map((body, i) => ({ Id: `e${i}`, MessageBody: body })),
    }),
  );
  expect(result.Failed ?? []).toEqual([]);
  return (result.Successful ?? []).map((s) => s.MessageId ?? "");
}

async function queueCounts(sqs: SQSClient, queueUrl: string) {
  const { Attributes = {} } = await sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: queueUrl,
      AttributeNames: ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
    }),
  );
  return {
    visible: Number(Attributes.ApproximateNumberOfMessages),
    inFlight: Number(Attributes.ApproximateNumberOfMessagesNotVisible),
  };
}

/** Everything sitting in a queue nobody polls (the DLQ), received once. */
async function drain(sqs: SQSClient, queueUrl: string) {
  const { Messages = [] } = await sqs.send(
    new ReceiveMessageCommand({
      QueueUrl: queueUrl,
      MaxNumberOfMessages: 10,
      WaitTimeSeconds: 0,
      MessageSystemAttributeNames: ["All"],
    }),
  );
  return Messages;
}

describe("failedMessageIds (Lambda's partial batch response rules)", () => {
  const ids = ["a", "b", "c"];

  it("treats an absent or empty response as full success", () => {
    for (const response of [undefined, null, {}, { batchItemFailures: [] }, { batchItemFailures: null }]) {
      expect(failedMessageIds(response, ids)).toEqual(new Set());
    }
  });

  it("returns the listed message ids", () => {
    const response: SQSBatchResponse = {
      batchItemFailures: [{ itemIdentifier: "b" }, { itemIdentifier: "c" }],
    };
    expect(failedMessageIds(response, ids)).toEqual(new Set(["b", "c"]));
  });

  it("rejects what Lambda treats as a failure of the whole batch", () => {
    const invalid: unknown[] = [
      { batchItemFailures: [{ itemIdentifier: "" }] },
      { batchItemFailures: [{ itemIdentifier: null }] },
      { batchItemFailures: [{ itemId: "a" }] },
      { batchItemFailures: [{ itemIdentifier: "zzz" }] },
      { batchItemFailures: "a" },
    ];
    for (const response of invalid) {
      expect(() => failedMessageIds(response, ids), JSON.stringify(response)).toThrow(/./);
    }
    const circular: Record<string, unknown> = {};
    circular.self = circular;
    expect(() => failedMessageIds(circular, ids)).toThrow(/JSON/);
  });
});

describe("startPoller against fauxqs", () => {
  let queues: TestQueues | undefined;
  let poller: Poller | undefined;

  afterEach(async () => {
    await poller?.stop();
    await queues?.drop();
    poller = undefined;
    queues = undefined;
  });

  it("hands the handler a real SQSEvent and Lambda context, then deletes the batch", async () => {
    queues = await createTestQueues("poll-shape");
    const { sqs, queueUrl, queueArn } = queues;
    const sent = await sqs.send(
      new SendMessageCommand({
        QueueUrl: queueUrl,
        MessageBody: '{"site":"s1"}',
        MessageAttributes: {
          kind: { DataType: "String", StringValue: "sync" },
          attempt: { DataType: "Number", StringValue: "2" },
          blob: { DataType: "Binary", BinaryValue: Buffer.from("hi") },
        },
      }),
    );
    const calls: { event: SQSEvent; context: Context; remaining: number }[] = [];
    poller = startPoller({
      sqs,
      queueUrl,
      queueArn,
      functionName: "Consumer",
      timeoutMs: 45_000,
      waitTimeSeconds: 1,
      handler: async (event, context) => {
        calls.push({ event, context, remaining: context.getRemainingTimeInMillis() });
      },
    });
    await poller.idle();

    expect(calls).toHaveLength(1);
    const { event, context, remaining } = calls[0]!;
    expect(event.Records).toHaveLength(1);
    const record = event.Records[0]!;
    expect(Object.keys(record).sort()).toEqual(
      [
        "attributes",
        "awsRegion",
        "body",
        "eventSource",
        "eventSourceARN",
        "md5OfBody",
        "md5OfMessageAttributes",
        "messageAttributes",
        "messageId",
        "receiptHandle",
      ].sort(),
    );
    expect(record).toMatchObject({
      messageId: sent.MessageId,
      body: '{"site":"s1"}',
      md5OfBody: md5('{"site":"s1"}'),
      eventSource: "aws:sqs",
      eventSourceARN: queueArn,
      awsRegion: "us-east-1",
    });
    expect(record.receiptHandle).not.toBe("");
    expect(record.attributes.ApproximateReceiveCount).toBe("1");
    expect(record.attributes.SentTimestamp).toMatch(/^\d{13}$/);
    expect(record.attributes.ApproximateFirstReceiveTimestamp).toMatch(/^\d{13}$/);
    expect(record.attributes.SenderId).not.toBe("");
    expect(record.messageAttributes).toEqual({
      kind: { stringValue: "sync", stringListValues: [], binaryListValues: [], dataType: "String" },
      attempt: { stringValue: "2", stringListValues: [], binaryListValues: [], dataType: "Number" },
      blob: {
        binaryValue: Buffer.from("hi").toString("base64"),
        stringListValues: [],
        binaryListValues: [],
        dataType: "Binary",
      },
    });

    expect(context.functionName).toBe("Consumer");
    expect(context.invokedFunctionArn).toBe("arn:aws:lambda:us-east-1:000000000000:function:Consumer");
    expect(context.awsRequestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(remaining).toBeGreaterThan(0);
    expect(remaining).toBeLessThanOrEqual(45_000);

    expect(await queueCounts(sqs, queueUrl)).toEqual({ visible: 0, inFlight: 0 });
    expect(poller.stats()).toMatchObject({ invocations: 1, received: 1, deleted: 1, failed: 0 });
  });

  it("deletes only the messages not listed in batchItemFailures", async () => {
    queues = await createTestQueues("poll-partial", { maxReceiveCount: 5, visibilityTimeoutSeconds: 1 });
    const { sqs, queueUrl, queueArn } = queues;
    const ids = await send(sqs, queueUrl, ["ok-1", "fail-1", "ok-2", "fail-2"]);
    const seen: { body: string; receiveCount: string }[] = [];
    const firstBatchSizes: number[] = [];
    poller = startPoller({
      sqs,
      queueUrl,
      queueArn,
      concurrency: 1,
      waitTimeSeconds: 1,
      handler: async (event) => {
        firstBatchSizes.push(event.Records.length);
        const failures: SQSBatchResponse["batchItemFailures"] = [];
        for (const record of event.Records) {
          seen.push({ body: record.body, receiveCount: record.attributes.ApproximateReceiveCount });
          // Fail the "fail-" ones on their first delivery only, so the run settles.
          if (record.body.startsWith("fail-") && record.attributes.ApproximateReceiveCount === "1") {
            failures.push({ itemIdentifier: record.messageId });
          }
        }
        return { batchItemFailures: failures };
      },
    });
    await poller.idle();

    expect(firstBatchSizes[0]).toBe(4);
    const deliveries = (body: string) => seen.filter((s) => s.body === body).map((s) => s.receiveCount);
    expect(deliveries("ok-1")).toEqual(["1"]);
    expect(deliveries("ok-2")).toEqual(["1"]);
    expect(deliveries("fail-1")).toEqual(["1", "2"]);
    expect(deliveries("fail-2")).toEqual(["1", "2"]);
    expect(ids).toHaveLength(4);
    expect(poller.stats()).toMatchObject({ received: 6, deleted: 4, failed: 2 });
  });

  it("deletes nothing when the handler throws, and the queue's RedrivePolicy moves the message to the DLQ", async () => {
    queues = await createTestQueues("poll-redrive", { maxReceiveCount: 2, visibilityTimeoutSeconds: 1 });
    const { sqs, queueUrl, queueArn, dlqUrl } = queues;
    const [id] = await send(sqs, queueUrl, ["always-fails"]);
    const receiveCounts: string[] = [];
    const errors: PollerError[] = [];
    poller = startPoller({
      sqs,
      queueUrl,
      queueArn,
      waitTimeSeconds: 1,
      onError: (failure) => errors.push(failure),
      handler: async (event) => {
        for (const record of event.Records) receiveCounts.push(record.attributes.ApproximateReceiveCount);
        throw new Error("boom");
      },
    });
    await poller.idle({ timeoutMs: 30_000 });

    // Received exactly maxReceiveCount times, then SQS (not the poller) moved it to the DLQ.
    expect(receiveCounts).toEqual(["1", "2"]);
    expect(errors.map((e) => [e.phase, e.messageIds])).toEqual([
      ["invoke", [id]],
      ["invoke", [id]],
    ]);
    expect(poller.stats()).toMatchObject({ invocations: 2, deleted: 0, failed: 2 });
    const dead = await drain(sqs, dlqUrl);
    expect(dead.map((m) => [m.MessageId, m.Body])).toEqual([[id, "always-fails"]]);
  });

  it("fails the whole batch on an invalid response or a timeout", async () => {
    queues = await createTestQueues("poll-invalid", { maxReceiveCount: 5, visibilityTimeoutSeconds: 1 });
    const { sqs, queueUrl, queueArn } = queues;
    await send(sqs, queueUrl, ["a", "b"]);
    const errors: PollerError[] = [];
    let invocations = 0;
    let release: () => void = () => {};
    const stuck = new Promise<void>((r) => {
      release = r;
    });
    poller = startPoller({
      sqs,
      queueUrl,
      queueArn,
      concurrency: 1,
      waitTimeSeconds: 1,
      timeoutMs: 200,
      onError: (failure) => errors.push(failure),
      handler: async () => {
        invocations += 1;
        if (invocations === 1) return { batchItemFailures: [{ itemIdentifier: "not-in-this-batch" }] };
        if (invocations === 2) {
          await stuck; // outlives the 200 ms function timeout
          return undefined;
        }
        return { batchItemFailures: [] as { itemIdentifier: string }[] };
      },
    });
    await poller.idle({ timeoutMs: 30_000 });
    release();

    expect(errors.map((e) => e.phase)).toEqual(["response", "invoke"]);
    expect(String(errors[1]?.error)).toMatch(/timed out/);
    expect(poller.stats()).toMatchObject({ invocations: 3, received: 6, deleted: 2, failed: 4 });
  });

  it("stop() lets a batch in flight finish and settle before resolving", async () => {
    queues = await createTestQueues("poll-stop", { visibilityTimeoutSeconds: 30 });
    const { sqs, queueUrl, queueArn } = queues;
    await send(sqs, queueUrl, ["slow"]);
    const order: string[] = [];
    let release: () => void = () => {};
    let started: () => void = () => {};
    const handlerStarted = new Promise<void>((r) => {
      started = r;
    });
    poller = startPoller({
      sqs,
      queueUrl,
      queueArn,
      waitTimeSeconds: 1,
      handler: async () => {
        started();
        await new Promise<void>((r) => {
          release = r;
        });
        order.push("handler done");
      },
    });
    await handlerStarted;
    const stopping = poller.stop().then(() => order.push("stopped"));
    await new Promise((r) => setImmediate(r));
    order.push("released");
    release();
    await stopping;

    expect(order).toEqual(["released", "handler done", "stopped"]);
    // Settled: the message was deleted, not left for redelivery.
    expect(await queueCounts(sqs, queueUrl)).toEqual({ visible: 0, inFlight: 0 });
  });

  it("validates its options", () => {
    const base = {
      sqs: {} as SQSClient,
      queueUrl: "u",
      queueArn: "arn:aws:sqs:us-east-1:0:q",
      handler: () => {},
    };
    expect(() => startPoller({ ...base, batchSize: 11 })).toThrow(RangeError);
    expect(() => startPoller({ ...base, waitTimeSeconds: 21 })).toThrow(RangeError);
    expect(() => startPoller({ ...base, concurrency: 0 })).toThrow(RangeError);
  });
});
