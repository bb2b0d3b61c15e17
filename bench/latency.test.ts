import { Readable } from "node:stream";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { ReceiveMessageCommand, SendMessageBatchCommand, SQSClient } from "@aws-sdk/client-sqs";
import { BatchWriteCommand, DynamoDBDocumentClient, PutCommand, QueryCommand } from "@aws-sdk/lib-dynamodb";
import { describe, expect, it } from "vitest";
import { AWS_LATENCY, LatencyProfile, latencyDraws, roundTrips, seededRandom } from "./latency";
import { instrument } from "./meter";

/** A transport that answers every request with `body`, in process: no network. */
const answering = (body: (target: string) => unknown) => ({
  handle: async (request: { headers: Record<string, string> }) => ({
    response: {
      statusCode: 200,
      headers: { "content-type": "application/x-amz-json-1.0" },
      body: Readable.from([Buffer.from(JSON.stringify(body(request.headers["x-amz-target"] ?? "")))]),
    },
  }),
});

const config = { region: "us-east-1", credentials: { accessKeyId: "a", secretAccessKey: "b" } };

/** A core context's two clients on in-process transports, as a bench child has them. */
function fakeCtx() {
  const dynamo = new DynamoDBClient({
    ...config,
    endpoint: "http://dynamodb.invalid",
    requestHandler: answering((target) =>
      target.endsWith("Query")
        ? { Items: [], Count: 0, ConsumedCapacity: { TableName: "t", CapacityUnits: 1.5 } }
        : target.endsWith("BatchWriteItem")
          ? { UnprocessedItems: {}, ConsumedCapacity: [{ TableName: "t", CapacityUnits: 18 }] }
          : { ConsumedCapacity: { TableName: "t", CapacityUnits: 6 } },
    ),
  });
  const sqsAnswer = answering((target) =>
    target.endsWith("SendMessageBatch") ? { Successful: [], Failed: [] } : { Messages: [] },
  );
  const sqs = new SQSClient({ ...config, endpoint: "http://sqs.invalid", requestHandler: sqsAnswer });
  const poller = new SQSClient({ ...config, endpoint: "http://sqs.invalid", requestHandler: sqsAnswer });
  return { db: DynamoDBDocumentClient.from(dynamo), sqs, poller };
}

describe("round trips", () => {
  it("draws a log-normal with the stated median and 99th percentile", () => {
    const draw = roundTrips({ median_ms: 5, p99_ms: 20 }, seededRandom(7));
    const samples = Array.from({ length: 20_000 }, draw).sort((a, b) => a - b);
    expect(samples[10_000]).toBeGreaterThan(4.8);
    expect(samples[10_000]).toBeLessThan(5.2);
    expect(samples[19_800]).toBeGreaterThan(18.5);
    expect(samples[19_800]).toBeLessThan(21.5);
    expect(samples[0]).toBeGreaterThan(0);
  });

  it("draws the same sequence from the same seed, another from another", () => {
    const a = latencyDraws(AWS_LATENCY);
    const b = latencyDraws(AWS_LATENCY);
    const c = latencyDraws({ ...AWS_LATENCY, seed: 43 });
    const seq = (d: () => number) => Array.from({ length: 5 }, d);
    expect(seq(a.dynamodb)).toEqual(seq(b.dynamodb));
    expect(seq(latencyDraws(AWS_LATENCY).sqs)).not.toEqual(seq(c.sqs));
  });

  it("refuses a distribution whose p99 is below its median", () => {
    expect(LatencyProfile.safeParse({ ...AWS_LATENCY, dynamodb: { median_ms: 5, p99_ms: 2 } }).success).toBe(
      false,
    );
  });
});

describe("instrument", () => {
  it("makes the naive baseline's PutItem and the pipeline's batches and queries pay a DynamoDB round trip each", async () => {
    const { db, sqs } = fakeCtx();
    const slept: number[] = [];
    const meters = instrument(
      { db, sqs },
      { latency: AWS_LATENCY, sleep: async (ms) => void slept.push(ms) },
    );
    // The naive baseline: one PutItem per record.
    await db.send(new PutCommand({ TableName: "t", Item: { pk: "a", sk: "1" } }));
    await db.send(new PutCommand({ TableName: "t", Item: { pk: "a", sk: "2" } }));
    // The pipeline: BatchWriteItem of 25, and the Query of the stored hashes.
    await db.send(
      new BatchWriteCommand({ RequestItems: { t: [{ PutRequest: { Item: { pk: "a", sk: "3" } } }] } }),
    );
    await db.send(
      new QueryCommand({
        TableName: "t",
        KeyConditionExpression: "pk = :p",
        ExpressionAttributeValues: { ":p": "a" },
      }),
    );
    const expected = latencyDraws(AWS_LATENCY).dynamodb;
    expect(slept).toEqual([expected(), expected(), expected(), expected()]);
    expect(meters.dynamodb.usage()).toEqual({
      requests: { PutItem: 2, BatchWriteItem: 1, Query: 1 },
      read_units: 1.5,
      write_units: 6 + 6 + 18,
      units_by_kind: { "write a": 30, "read other": 1.5 },
    });
  });

  it("makes every SQS request pay an SQS round trip, the poller's too, and meters them", async () => {
    const { db, sqs, poller } = fakeCtx();
    const slept: number[] = [];
    const meters = instrument(
      { db, sqs },
      { latency: AWS_LATENCY, sleep: async (ms) => void slept.push(ms), extraSqs: [poller] },
    );
    await sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: "http://sqs.invalid/q",
        Entries: [{ Id: "m0", MessageBody: "x" }],
      }),
    );
    await poller.send(new ReceiveMessageCommand({ QueueUrl: "http://sqs.invalid/q" }));
    const expected = latencyDraws(AWS_LATENCY).sqs;
    // Both clients draw from the process's one SQS sequence, in the order they send.
    const first = expected();
    expect(slept).toEqual([first, expected()]);
    expect(meters.sqs.usage()).toEqual({
      requests: { SendMessageBatch: 1, ReceiveMessage: 1 },
      billed_requests: 2,
    });
  });

  it("injects nothing without a profile, and still meters", async () => {
    const { db, sqs } = fakeCtx();
    const slept: number[] = [];
    const meters = instrument({ db, sqs }, { sleep: async (ms) => void slept.push(ms) });
    await db.send(new PutCommand({ TableName: "t", Item: { pk: "a", sk: "1" } }));
    expect(slept).toEqual([]);
    expect(meters.dynamodb.usage().write_units).toBe(6);
  });
});
