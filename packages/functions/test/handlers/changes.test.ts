/**
 * The change processor Lambda (`changes.handler`) on a DynamoDB stream event in Lambda's shape
 * (fixtures/dynamodb-stream.json: a painting created, then its price changed and sold, and a lease removed),
 * against DynamoDB Local: it writes the painting's history and events once, whatever the number of
 * deliveries, and reports the first bad record and everything after it in `batchItemFailures`.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { QueryCommand } from "@aws-sdk/lib-dynamodb";
import { Keys } from "@dashboard/core/store/keys";
import { createLambdaContext } from "@dashboard/local/lambda-context";
import type { DynamoDBBatchResponse, DynamoDBStreamEvent } from "aws-lambda";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type LinkedEnv, linkTestResources } from "./env";

type Handler = (
  event: DynamoDBStreamEvent,
  context: ReturnType<typeof createLambdaContext>,
) => Promise<DynamoDBBatchResponse>;

const sample = (): DynamoDBStreamEvent =>
  JSON.parse(readFileSync(join(import.meta.dirname, "fixtures/dynamodb-stream.json"), "utf8"));

let env: LinkedEnv;
let handler: Handler;

beforeAll(async () => {
  env = await linkTestResources("changes");
  handler = (await import("@dashboard/functions/changes")).handler as unknown as Handler;
});
afterAll(() => env?.close());

const context = () => createLambdaContext({ functionName: "ChangeProcessor", timeoutMs: 60_000 });

const query = async (pk: string, index?: "gsi2") =>
  (
    await env.table.doc.send(
      new QueryCommand({
        TableName: env.table.tableName,
        ...(index ? { IndexName: index } : {}),
        KeyConditionExpression: index ? "gsi2pk = :pk" : "pk = :pk",
        ExpressionAttributeValues: { ":pk": pk },
      }),
    )
  ).Items ?? [];

const history = () => query(Keys.historyPartition("atelier", "paintings", 7));
const events = () => query(Keys.siteActivityIndex("atelier").pk, "gsi2");

describe("changes.handler", () => {
  it("writes the painting's history and events once, however often the batch is delivered", async () => {
    const first = await handler(sample(), context());
    expect(first).toEqual({ batchItemFailures: [] });
    const again = await handler(sample(), context());
    expect(again).toEqual({ batchItemFailures: [] });

    const entries = await history();
    expect(entries.map((e) => [e.change, e.at, e.fields, e.type])).toEqual([
      ["created", "2026-12-07T10:00:00.000Z", [], "history"],
      [
        "updated",
        "2026-12-07T11:00:00.000Z",
        [
          { field: "price", from: 820, to: 990 },
          { field: "status", from: "Disponible", to: "Vendu" },
        ],
        "history",
      ],
    ]);
    expect(entries[0]?.sk).toBe("2026-12-07T10:00:00.000Z#4421584500000000017450439091");
    const feed = await events();
    expect(feed.map((e) => e.kind).sort()).toEqual([
      "painting_added",
      "painting_price_changed",
      "painting_sold",
    ]);
    for (const e of feed) {
      expect(e.type).toBe("event");
      expect(e.gsi1pk).toBe("ACTIVITY");
      expect(e.expires_at).toBeGreaterThan(Date.parse(e.at as string) / 1000 + 399 * 86_400);
    }
  });

  it("reports the first record it cannot read and every record after it", async () => {
    const event = sample();
    const [a, b, c] = event.Records;
    if (!a || !b || !c) throw new Error("the sample holds three records");
    const broken = { ...b, eventName: "UPSERT" } as unknown as typeof b;
    const out = await handler({ Records: [a, broken, c] }, context());
    expect(out.batchItemFailures).toEqual([
      { itemIdentifier: "4421584500000000017450439092" },
      { itemIdentifier: "4421584500000000017450439093" },
    ]);
  });
});
