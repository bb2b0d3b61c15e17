/**
 * The sync engine's write queue against DynamoDB Local: the memory its writes hold is bounded by
 * `concurrency` requests of 25 items in flight plus fewer than 25 items waiting, whatever is pushed.
 */
import { QueryCommand } from "@aws-sdk/lib-dynamodb";
import { createTestStage, type TestStage, type TestTable } from "@dashboard/testing/aws";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Ctx } from "../src/context";
import { batchWrite, putRequest } from "../src/store/db";
import { WriteQueue } from "../src/sync";

let middlewares = 0;

/** Watches BatchWriteItem calls at the client: how many run at once, and their sizes; may fail some. */
function watchWrites(table: TestTable, failAt?: number) {
  const seen = { calls: 0, inFlight: 0, maxInFlight: 0, sizes: [] as number[], afterFailure: 0 };
  let failed = false;
  table.client.middlewareStack.add(
    (next, context) => async (args) => {
      if (context.commandName !== "BatchWriteItemCommand") return next(args);
      const input = args.input as { RequestItems?: Record<string, unknown[]> };
      seen.calls++;
      if (failed) seen.afterFailure++;
      seen.sizes.push(Object.values(input.RequestItems ?? {}).flat().length);
      seen.inFlight++;
      seen.maxInFlight = Math.max(seen.maxInFlight, seen.inFlight);
      try {
        if (seen.calls === failAt) {
          failed = true;
          throw Object.assign(new Error("injected failure"), { name: "InternalServerError" });
        }
        return await next(args);
      } finally {
        seen.inFlight--;
      }
    },
    { step: "initialize", name: `watchWrites${++middlewares}` },
  );
  return seen;
}

const items = (pk: string, from: number, n: number) =>
  Array.from({ length: n }, (_, i) => ({ pk, sk: `R#${String(from + i).padStart(6, "0")}`, n: from + i }));

async function countItems(ctx: Ctx, pk: string): Promise<number> {
  let count = 0;
  let start: Record<string, unknown> | undefined;
  do {
    const out = await ctx.db.send(
      new QueryCommand({
        TableName: ctx.table,
        KeyConditionExpression: "pk = :pk",
        ExpressionAttributeValues: { ":pk": pk },
        Select: "COUNT",
        ExclusiveStartKey: start,
      }),
    );
    count += out.Count ?? 0;
    start = out.LastEvaluatedKey;
  } while (start);
  return count;
}

describe("WriteQueue", () => {
  let stage: TestStage;
  let table: TestTable;
  let ctx: Ctx;

  beforeAll(async () => {
    stage = await createTestStage("write-queue");
    ({ table, ctx } = stage);
  });
  afterAll(() => stage?.drop());

  it("holds at most `concurrency` requests of 25 in flight and fewer than 25 items waiting", async () => {
    // Prepare
    const seen = watchWrites(table);
    const queue = new WriteQueue(ctx, 3);
    const pk = "WQ#bounded";
    const pages = [200, 200, 37, 0, 500, 13, 1];
    // Act
    let from = 0;
    for (const size of pages) {
      await queue.push(items(pk, from, size));
      from += size;
      // Assess, after every page: the bound holds whatever the page size.
      expect(queue.inFlight).toBeLessThanOrEqual(3);
      expect(queue.waiting).toBeLessThan(25);
    }
    const sent = await queue.drain();
    // Assess
    expect(seen.maxInFlight).toBeLessThanOrEqual(3);
    expect(seen.maxInFlight).toBeGreaterThan(1); // the writes do overlap
    expect(Math.max(...seen.sizes)).toBe(25);
    expect(sent).toBe(Math.ceil(from / 25));
    expect(queue.inFlight).toBe(0);
    expect(queue.waiting).toBe(0);
    expect(await countItems(ctx, pk)).toBe(from);
  });

  it("starts no request after a failure, and rejects once the requests in flight have ended", async () => {
    // Prepare
    const seen = watchWrites(table, 5);
    const queue = new WriteQueue(ctx, 2);
    const pk = "WQ#failing";
    // Act
    const outcome = await (async () => {
      for (let page = 0; page < 10; page++) await queue.push(items(pk, page * 200, 200));
      return queue.drain();
    })().catch((error: Error) => error);
    await queue.settle();
    // Assess
    expect(outcome).toBeInstanceOf(Error);
    expect((outcome as Error).message).toBe("injected failure");
    expect(seen.afterFailure).toBeLessThanOrEqual(1); // only a request already started when it failed
    expect(queue.inFlight).toBe(0);
    await expect(queue.push(items(pk, 5_000, 30))).rejects.toThrow("injected failure");
  });

  it("batchWrite reports every request its concurrent workers sent", async () => {
    // Prepare
    const seen = watchWrites(table);
    const pk = "WQ#batch-write";
    // Act
    const sent = await batchWrite(ctx, items(pk, 0, 1_010).map(putRequest), { concurrency: 4 });
    // Assess
    expect(seen.maxInFlight).toBeGreaterThan(1);
    expect(sent).toBe(seen.calls);
    expect(sent).toBe(Math.ceil(1_010 / 25));
    expect(await countItems(ctx, pk)).toBe(1_010);
  });
});
