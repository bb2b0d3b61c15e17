/**
 * The local DynamoDB Streams event source mapping (streams.ts) on the run-wide DynamoDB Local: real stream
 * records in Lambda's shape, in order; a partial failure resumes at the first failed record; a batch that
 * keeps failing is given up on after `maxRetries`; checkpoints survive a restart.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DynamoDBStreamsClient } from "@aws-sdk/client-dynamodb-streams";
import { PutCommand } from "@aws-sdk/lib-dynamodb";
import { LOCAL_CREDENTIALS } from "@dashboard/local/resources";
import { firstFailure, type StreamPollerError, startStreamPoller } from "@dashboard/local/streams";
import { ensureTable } from "@dashboard/local/table";
import { createTestTable, localAws, type TestTable } from "@dashboard/testing/aws";
import type { DynamoDBRecord, DynamoDBStreamEvent } from "aws-lambda";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

let table: TestTable;
let streamArn: string;
let streams: DynamoDBStreamsClient;
const dir = mkdtempSync(join(tmpdir(), "dashboard-streams-"));

beforeAll(async () => {
  table = await createTestTable("streams");
  streamArn = (await ensureTable(table.client, table.tableName)).streamArn;
  const { dynamoEndpoint, region } = localAws();
  streams = new DynamoDBStreamsClient({ endpoint: dynamoEndpoint, region, credentials: LOCAL_CREDENTIALS });
  for (let i = 1; i <= 6; i++) {
    await table.doc.send(
      new PutCommand({ TableName: table.tableName, Item: { pk: `P#${i}`, sk: "S", n: i, m: {}, l: [{}] } }),
    );
  }
});
afterAll(async () => {
  streams?.destroy();
  await table?.drop();
  rmSync(dir, { recursive: true, force: true });
});

const ids = (records: DynamoDBRecord[]) => records.map((r) => Number(r.dynamodb?.NewImage?.n?.N));

describe("the stream poller", () => {
  it("delivers Lambda-shaped batches in order and resumes at the first failed record", async () => {
    const deliveries: number[][] = [];
    let failed = false;
    const poller = startStreamPoller({
      client: streams,
      streamArn,
      batchSize: 4,
      intervalMs: 20,
      handler: async (event: DynamoDBStreamEvent) => {
        deliveries.push(ids(event.Records));
        const third = event.Records.find((r) => r.dynamodb?.NewImage?.n?.N === "3");
        if (third && !failed) {
          failed = true;
          return { batchItemFailures: [{ itemIdentifier: third.dynamodb?.SequenceNumber }] };
        }
        return { batchItemFailures: [] };
      },
      checkpointFile: join(dir, "checkpoints.json"),
    });
    await poller.idle({ timeoutMs: 30_000 });
    await poller.stop();
    expect(deliveries).toEqual([
      [1, 2, 3, 4],
      [3, 4, 5, 6],
    ]);
    expect(poller.stats()).toMatchObject({ invocations: 2, retries: 1, dropped: 0 });

    // A restart reads on from its checkpoint: nothing is delivered again.
    const again: number[][] = [];
    const restarted = startStreamPoller({
      client: streams,
      streamArn,
      intervalMs: 20,
      handler: async (event: DynamoDBStreamEvent) => {
        again.push(ids(event.Records));
      },
      checkpointFile: join(dir, "checkpoints.json"),
    });
    await restarted.idle({ timeoutMs: 30_000 });
    await restarted.stop();
    expect(again).toEqual([]);
  });

  it("applies filter criteria as Lambda does: records no pattern matches are never delivered", async () => {
    const deliveries: number[][] = [];
    const checkpoints = join(dir, "filtered.json");
    const poller = startStreamPoller({
      client: streams,
      streamArn,
      batchSize: 2,
      intervalMs: 20,
      filters: [{ dynamodb: { NewImage: { n: { N: ["2", "5"] } } } }],
      handler: async (event: DynamoDBStreamEvent) => {
        deliveries.push(ids(event.Records));
      },
      checkpointFile: checkpoints,
    });
    await poller.idle({ timeoutMs: 30_000 });
    await poller.stop();
    // Batches [1,2] [3,4] [5,6]: the middle one holds nothing for the function and is not an invocation.
    expect(deliveries).toEqual([[2], [5]]);
    expect(poller.stats()).toMatchObject({ invocations: 2, records: 2 });
    const again: number[][] = [];
    const restarted = startStreamPoller({
      client: streams,
      streamArn,
      intervalMs: 20,
      handler: async (event: DynamoDBStreamEvent) => {
        again.push(ids(event.Records));
      },
      checkpointFile: checkpoints,
    });
    await restarted.idle({ timeoutMs: 30_000 });
    await restarted.stop();
    expect(again).toEqual([]);
  });

  it("tries a throwing batch again, then gives up on it after maxRetries and reads on", async () => {
    const problems: StreamPollerError[] = [];
    let calls = 0;
    const poller = startStreamPoller({
      client: streams,
      streamArn,
      batchSize: 6,
      intervalMs: 20,
      maxRetries: 2,
      onError: (p) => problems.push(p),
      handler: async () => {
        calls++;
        throw new Error("boom");
      },
    });
    await poller.idle({ timeoutMs: 30_000 });
    await poller.stop();
    expect(calls).toBe(3);
    expect(problems.map((p) => p.phase)).toEqual(["invoke", "invoke", "invoke", "dropped"]);
    expect(poller.stats()).toMatchObject({ dropped: 1, records: 18 });
  });

  it("reads a response as Lambda does", () => {
    expect(firstFailure(undefined, ["1", "2"])).toBeUndefined();
    expect(firstFailure({ batchItemFailures: [] }, ["1", "2"])).toBeUndefined();
    expect(
      firstFailure({ batchItemFailures: [{ itemIdentifier: "2" }, { itemIdentifier: "1" }] }, ["1", "2"]),
    ).toBe(0);
    expect(() => firstFailure({ batchItemFailures: [{ itemIdentifier: "9" }] }, ["1"])).toThrow(
      /not a record/,
    );
  });
});
