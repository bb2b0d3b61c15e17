import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import {
  BatchWriteCommand,
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
} from "@aws-sdk/lib-dynamodb";
import { Keys } from "@dashboard/core/store/keys";
import { describe, expect, it } from "vitest";
import { classifyWrite, countWrites } from "./writes";

const record = { ...Keys.record("atelier", "paintings", 7), type: "record", data: { id: 7 } };
const setting = { ...Keys.record("atelier", "settings", "site_name"), type: "setting" };
const stats = { ...Keys.stats("atelier", "2026-01-01T00:00:00.000Z"), type: "stats" };
const log = { ...Keys.log("run_1", "2026#1"), type: "log" };
const wire = (item: Record<string, unknown>) =>
  Object.fromEntries(Object.entries(item).map(([k, v]) => [k, typeof v === "string" ? { S: v } : { M: {} }]));

describe("classifyWrite", () => {
  it("tells records and settings from stats history and bookkeeping, in document and wire form", () => {
    for (const form of [(i: Record<string, unknown>) => i, wire]) {
      expect(classifyWrite("PutItemCommand", { Item: form(record) })).toBe("record");
      expect(classifyWrite("PutItemCommand", { Item: form(setting) })).toBe("record");
      expect(classifyWrite("PutItemCommand", { Item: form(stats) })).toBe("stats");
      expect(classifyWrite("PutItemCommand", { Item: form(log) })).toBe("bookkeeping");
    }
  });

  it("counts an update or delete of a record key (marking a record deleted) as a record write", () => {
    const key = Keys.record("atelier", "users", 12);
    expect(classifyWrite("UpdateItemCommand", { Key: key })).toBe("record");
    expect(classifyWrite("DeleteItemCommand", { Key: wire(key) })).toBe("record");
    expect(classifyWrite("UpdateItemCommand", { Key: { pk: "RUN#run_1", sk: "RUN" } })).toBe("bookkeeping");
    expect(classifyWrite("DeleteItemCommand", { Key: Keys.lease("atelier", "users") })).toBe("bookkeeping");
  });

  it("counts a batch as a record write when any request in it carries a record", () => {
    const batch = (...items: Record<string, unknown>[]) => ({
      RequestItems: { t: items.map((Item) => ({ PutRequest: { Item } })) },
    });
    expect(classifyWrite("BatchWriteItemCommand", batch(log, log, record))).toBe("record");
    expect(classifyWrite("BatchWriteItemCommand", batch(log, stats))).toBe("stats");
    expect(classifyWrite("BatchWriteItemCommand", batch(log))).toBe("bookkeeping");
    expect(
      classifyWrite("BatchWriteItemCommand", {
        RequestItems: { t: [{ DeleteRequest: { Key: Keys.record("atelier", "orders", 3) } }] },
      }),
    ).toBe("record");
  });

  it("is not a write for reads", () => {
    expect(classifyWrite("QueryCommand", { KeyConditionExpression: "pk = :pk" })).toBeUndefined();
    expect(classifyWrite("GetItemCommand", { Key: Keys.record("a", "paintings", 1) })).toBeUndefined();
    expect(classifyWrite("BatchGetItemCommand", {})).toBeUndefined();
  });
});

describe("countWrites", () => {
  it("counts every command a document client sends, once per send, by kind and by operation", async () => {
    const db = DynamoDBDocumentClient.from(
      new DynamoDBClient({ region: "us-east-1", credentials: { accessKeyId: "x", secretAccessKey: "x" } }),
    );
    // Answers every request before it reaches the network.
    db.middlewareStack.add(() => async () => ({ output: { $metadata: {} }, response: {} }) as never, {
      step: "finalizeRequest",
      name: "noNetwork",
    });
    const counter = countWrites(db);
    await db.send(new PutCommand({ TableName: "t", Item: record }));
    await db.send(
      new BatchWriteCommand({
        RequestItems: { t: [{ PutRequest: { Item: log } }, { PutRequest: { Item: setting } }] },
      }),
    );
    await db.send(new PutCommand({ TableName: "t", Item: stats }));
    await db.send(
      new UpdateCommand({
        TableName: "t",
        Key: { pk: "RUN#r", sk: "RUN" },
        UpdateExpression: "SET a = :a",
        ExpressionAttributeValues: { ":a": 1 },
      }),
    );
    await db.send(new GetCommand({ TableName: "t", Key: { pk: "a", sk: "b" } }));
    await db.send(
      new QueryCommand({
        TableName: "t",
        KeyConditionExpression: "pk = :p",
        ExpressionAttributeValues: { ":p": "a" },
      }),
    );
    expect(counter.counts()).toEqual({ record: 2, stats: 1, bookkeeping: 1 });
    expect(counter.operations()).toEqual({
      PutItem: 2,
      BatchWriteItem: 1,
      UpdateItem: 1,
      GetItem: 1,
      Query: 1,
    });
    counter.reset();
    expect(counter.counts()).toEqual({ record: 0, stats: 0, bookkeeping: 0 });
    expect(counter.operations()).toEqual({});
  });
});
