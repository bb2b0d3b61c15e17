import { ProvisionedThroughputExceededException } from "@aws-sdk/client-dynamodb";
import {
  BatchWriteCommand,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
} from "@aws-sdk/lib-dynamodb";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { countingMiddleware, createTestTable, injectFaults, type TestTable } from "../src/aws";

describe("test/setup/services.ts", () => {
  it("hands the run-wide endpoints to test workers, by inject and by the SDK's standard variables", () => {
    const dynamo = inject("dynamoEndpoint");
    const sqs = inject("sqsEndpoint");
    expect(dynamo).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(sqs).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(process.env.AWS_ENDPOINT_URL_DYNAMODB).toBe(dynamo);
    expect(process.env.AWS_ENDPOINT_URL_SQS).toBe(sqs);
    expect(process.env.AWS_REGION).toBe(inject("awsRegion"));
    expect(process.env.AWS_ACCESS_KEY_ID).toBe("local");
  });
});

describe("@dashboard/testing/aws", () => {
  let table: TestTable;
  beforeAll(async () => {
    table = await createTestTable("harness");
  });
  afterAll(async () => {
    await table.drop();
  });

  const item = (id: number) => ({
    pk: "SITE#h",
    sk: `PAINTING#${String(id).padStart(3, "0")}`,
    title: `n${id}`,
  });
  const stored = async () =>
    (
      await table.doc.send(
        new QueryCommand({
          TableName: table.tableName,
          KeyConditionExpression: "pk = :pk",
          ExpressionAttributeValues: { ":pk": "SITE#h" },
        }),
      )
    ).Items ?? [];

  it("creates a table per call with the production definition", async () => {
    const other = await createTestTable("harness");
    expect(other.tableName).not.toBe(table.tableName);
    await other.doc.send(
      new PutCommand({ TableName: other.tableName, Item: { ...item(1), gsi1pk: "a", gsi1sk: "b" } }),
    );
    const found = await other.doc.send(
      new GetCommand({ TableName: other.tableName, Key: { pk: "SITE#h", sk: "PAINTING#001" } }),
    );
    expect(found.Item?.title).toBe("n1");
    await other.drop();
  });

  it("counts commands and attempts by operation, on the document client too", async () => {
    const counter = countingMiddleware(table.doc);
    await table.doc.send(new PutCommand({ TableName: table.tableName, Item: item(900) }));
    await table.doc.send(
      new UpdateCommand({
        TableName: table.tableName,
        Key: { pk: "SITE#h", sk: "PAINTING#900" },
        UpdateExpression: "SET title = :t",
        ExpressionAttributeValues: { ":t": "x" },
      }),
    );
    await table.doc.send(
      new BatchWriteCommand({ RequestItems: { [table.tableName]: [{ PutRequest: { Item: item(901) } }] } }),
    );
    await table.doc.send(
      new GetCommand({ TableName: table.tableName, Key: { pk: "SITE#h", sk: "PAINTING#900" } }),
    );
    expect(counter.all()).toEqual({ PutItem: 1, UpdateItem: 1, BatchWriteItem: 1, GetItem: 1 });
    expect(counter.writes()).toBe(3);
    expect(counter.attempts("PutItem")).toBe(1);
    counter.reset();
    expect(counter.writes()).toBe(0);
    counter.remove();
    await table.doc.send(new PutCommand({ TableName: table.tableName, Item: item(902) }));
    expect(counter.writes()).toBe(0);
  });

  it("injects throttling per attempt, which the SDK's retry sees as real", async () => {
    const counter = countingMiddleware(table.client);
    const faults = injectFaults(table.client);
    try {
      faults.throttle("PutItem", { times: 2 });
      const put = await table.doc.send(new PutCommand({ TableName: table.tableName, Item: item(100) }));
      expect(put.$metadata.attempts).toBe(3);
      expect(counter.count("PutItem")).toBe(1);
      expect(counter.attempts("PutItem")).toBe(3);

      // As many throttles as the client makes attempts (DynamoDB's default is 4): the command fails.
      const maxAttempts = await table.client.config.maxAttempts();
      faults.throttle("PutItem", { times: maxAttempts });
      const error = await table.doc
        .send(new PutCommand({ TableName: table.tableName, Item: item(101) }))
        .catch((e) => e);
      expect(error).toBeInstanceOf(ProvisionedThroughputExceededException);
      const missing = await table.doc.send(
        new GetCommand({ TableName: table.tableName, Key: { pk: "SITE#h", sk: "PAINTING#101" } }),
      );
      expect(missing.Item).toBeUndefined();
      expect(faults.injected().throttled).toBe(2 + maxAttempts);
    } finally {
      faults.remove();
      counter.remove();
    }
  });

  it("forces UnprocessedItems on BatchWriteItem: withheld requests are not written and come back as given", async () => {
    const faults = injectFaults(table.doc);
    try {
      faults.unprocessed("BatchWriteItem", { count: 2 });
      const requests = [10, 11, 12, 13].map((id) => ({ PutRequest: { Item: item(id) } }));
      const result = await table.doc.send(
        new BatchWriteCommand({ RequestItems: { [table.tableName]: requests } }),
      );
      // Document form, ready to be sent again as is.
      expect(result.UnprocessedItems).toEqual({ [table.tableName]: requests.slice(2) });
      const titles = (await stored()).map((i) => i.title);
      expect(titles).toEqual(expect.arrayContaining(["n10", "n11"]));
      expect(titles).not.toContain("n12");
      expect(titles).not.toContain("n13");

      // Retrying the unprocessed items (the rule was for one command) writes them.
      const retry = await table.doc.send(
        new BatchWriteCommand({ RequestItems: result.UnprocessedItems ?? {} }),
      );
      expect(retry.UnprocessedItems ?? {}).toEqual({});
      expect((await stored()).map((i) => i.title)).toEqual(expect.arrayContaining(["n12", "n13"]));

      // Everything withheld: nothing reaches DynamoDB, everything comes back.
      faults.unprocessed("BatchWriteItem", { count: 99 });
      const all = [20, 21].map((id) => ({ PutRequest: { Item: item(id) } }));
      const none = await table.doc.send(new BatchWriteCommand({ RequestItems: { [table.tableName]: all } }));
      expect(none.UnprocessedItems).toEqual({ [table.tableName]: all });
      expect((await stored()).map((i) => i.title)).not.toContain("n20");
      expect(faults.injected().unprocessedRequests).toBe(4);
    } finally {
      faults.remove();
    }
  });
});
