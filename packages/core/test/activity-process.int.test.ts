/**
 * activity/process.ts against DynamoDB Local, with stream records in Lambda's shape built from the items the
 * stores really write: event items INSERTed reach `hooks.onEvents` (and a failing hook makes the stream deliver
 * them again), an outage raises `site_unreachable` once and its end `site_recovered`, a failed run
 * `sync_failed`.
 */
import { QueryCommand } from "@aws-sdk/lib-dynamodb";
import { marshall } from "@aws-sdk/util-dynamodb";
import { processChanges } from "@dashboard/core/activity/process";
import type { ActivityEvent } from "@dashboard/core/activity/schema";
import type { Ctx } from "@dashboard/core/context";
import * as SiteStore from "@dashboard/core/site";
import { EventItem, SiteEntity } from "@dashboard/core/store/entities";
import { createTestStage, type TestStage } from "@dashboard/testing/aws";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

let stage: TestStage;
let ctx: Ctx;
beforeAll(async () => {
  stage = await createTestStage("activity");
  ctx = stage.ctx;
});
afterAll(() => stage?.drop());

let seq = 1000;
const record = (
  eventName: "INSERT" | "MODIFY" | "REMOVE",
  old: Record<string, unknown> | undefined,
  next: Record<string, unknown> | undefined,
) => ({
  eventID: `e${seq}`,
  eventName,
  dynamodb: {
    SequenceNumber: String(seq++),
    ...(old ? { OldImage: marshall(old, { removeUndefinedValues: true }) } : {}),
    ...(next ? { NewImage: marshall(next, { removeUndefinedValues: true }) } : {}),
  },
});

const site = (lastRun: Record<string, unknown>, failingSince?: string) => ({
  pk: "SITE#atelier",
  sk: "SITE",
  type: "site",
  id: "atelier",
  last_run: lastRun,
  ...(failingSince ? { failing_since: failingSince } : {}),
});

describe("the site's failing_since, written with its last_run", () => {
  it("starts at the first failure of an outage, stays while it fails, and goes with a success", async () => {
    await SiteStore.create(ctx, {
      id: "failing",
      name: "Failing",
      template_url: "http://127.0.0.1:9/",
      api_key: "key-failing-0001",
    });
    const since = async () => (await SiteEntity.get(ctx, ["failing"]))?.failing_since;
    const error = { entity: "paintings" as const, code: "timeout", message: "timed out" };
    await SiteStore.recordRun(ctx, "failing", { run_id: "run_1", status: "running", retrying: true, error });
    const first = await since();
    expect(first).toEqual(expect.any(String));
    await SiteStore.recordRun(ctx, "failing", {
      run_id: "run_1",
      status: "failed",
      finished_at: "2099-01-01T00:00:00.000Z",
      error,
    });
    await SiteStore.recordRun(ctx, "failing", { run_id: "run_2", status: "queued" });
    expect(await since()).toBe(first);
    await SiteStore.recordRun(ctx, "failing", {
      run_id: "run_2",
      status: "partial",
      finished_at: "2099-01-01T01:00:00.000Z",
    });
    expect(await since()).toBeUndefined();
    await SiteStore.recordRun(ctx, "failing", {
      run_id: "run_3",
      status: "failed",
      finished_at: "2099-01-01T02:00:00.000Z",
      error,
    });
    expect(await since()).toBe("2099-01-01T02:00:00.000Z");
  });
});

describe("processChanges", () => {
  it("hands the event items the batch INSERTed to onEvents; a failing hook makes them come again", async () => {
    const run = {
      pk: "RUN#run_1",
      sk: "RUN",
      type: "run",
      run_id: "run_1",
      site_id: "atelier",
      trigger: "schedule",
      started_at: "2026-12-07T09:00:00.000Z",
      entities: { orders: { status: "failed", error: { code: "timeout" } } },
    };
    const failed = { ...run, status: "failed", finished_at: "2026-12-07T09:05:00.000Z" };
    const first = await processChanges(ctx, [record("MODIFY", { ...run, status: "running" }, failed)]);
    expect(first).toMatchObject({ batchItemFailures: [], written: { history: 0, events: 1 } });
    const again = await processChanges(ctx, [record("MODIFY", { ...run, status: "running" }, failed)]);
    expect(again.written.events).toBe(0);

    // The event item written above, as the stream then delivers it (an INSERT of `type: "event"`).
    const page = await EventItem.get(ctx, [(await eventIds())[0] as string]);
    const inserted = { ...page, type: "event", pk: "EVENT#x", sk: "EVENT" };
    const seen: ActivityEvent[] = [];
    const delivered = await processChanges(ctx, [record("INSERT", undefined, inserted)], {
      onEvents: async (_ctx, events) => {
        seen.push(...events);
      },
    });
    expect(delivered.batchItemFailures).toEqual([]);
    expect(seen.map((e) => [e.kind, e.run_id, e.params])).toEqual([
      ["sync_failed", "run_1", { trigger: "schedule", code: "timeout", entity: "orders" }],
    ]);

    const before = record("MODIFY", { ...run, status: "running" }, { ...run, status: "running" });
    const eventRecord = record("INSERT", undefined, inserted);
    const after = record("MODIFY", { ...run, status: "running" }, { ...run, status: "running" });
    const refused = await processChanges(ctx, [before, eventRecord, after], {
      onEvents: async () => {
        throw new Error("alerts are down");
      },
    });
    expect(refused.batchItemFailures).toEqual([
      { itemIdentifier: eventRecord.dynamodb.SequenceNumber },
      { itemIdentifier: after.dynamodb.SequenceNumber },
    ]);
  });

  it("an outage: site_unreachable once past the threshold, then site_recovered at the first success", async () => {
    const since = "2026-12-07T10:00:00.000Z";
    const failedAt = (id: string, at: string) => ({ run_id: id, status: "failed", finished_at: at });
    const steps = [
      record("MODIFY", site({ run_id: "run_0", status: "succeeded" }), site(failedAt("run_a", since), since)),
      record(
        "MODIFY",
        site(failedAt("run_a", since), since),
        site(failedAt("run_b", "2026-12-07T10:20:00.000Z"), since),
      ),
      record(
        "MODIFY",
        site(failedAt("run_b", "2026-12-07T10:20:00.000Z"), since),
        site(failedAt("run_c", "2026-12-07T10:31:00.000Z"), since),
      ),
      record(
        "MODIFY",
        site(failedAt("run_c", "2026-12-07T10:31:00.000Z"), since),
        site(failedAt("run_d", "2026-12-07T10:45:00.000Z"), since),
      ),
      record(
        "MODIFY",
        site(failedAt("run_d", "2026-12-07T10:45:00.000Z"), since),
        site({ run_id: "run_e", status: "succeeded", finished_at: "2026-12-07T11:00:00.000Z" }),
      ),
    ];
    const out = await processChanges(ctx, steps, {}, { unreachableMinutes: 30 });
    expect(out).toMatchObject({ batchItemFailures: [], written: { events: 2 } });
    const kinds = await siteEvents();
    expect(kinds).toEqual([
      ["site_unreachable", "2026-12-07T10:31:00.000Z", { minutes: 31, since, code: null }],
      ["site_recovered", "2026-12-07T11:00:00.000Z", { minutes: 60, since }],
    ]);

    // A short outage (below the threshold) ends with no recovery event: nothing was raised.
    const short = "2026-12-07T12:00:00.000Z";
    await processChanges(
      ctx,
      [
        record(
          "MODIFY",
          site({ run_id: "run_e", status: "succeeded" }),
          site(failedAt("run_f", short), short),
        ),
        record(
          "MODIFY",
          site(failedAt("run_f", short), short),
          site({ run_id: "run_g", status: "succeeded", finished_at: "2026-12-07T12:10:00.000Z" }),
        ),
      ],
      {},
      { unreachableMinutes: 30 },
    );
    expect(await siteEvents()).toHaveLength(2);
  });
});

async function eventIds(): Promise<string[]> {
  const out = await ctx.db.send(
    new QueryCommand({
      TableName: ctx.table,
      IndexName: "gsi1",
      KeyConditionExpression: "gsi1pk = :pk",
      ExpressionAttributeValues: { ":pk": "ACTIVITY" },
    }),
  );
  return (out.Items ?? []).filter((i) => i.kind === "sync_failed").map((i) => String(i.event_id));
}

async function siteEvents() {
  const out = await ctx.db.send(
    new QueryCommand({
      TableName: ctx.table,
      IndexName: "gsi2",
      KeyConditionExpression: "gsi2pk = :pk",
      ExpressionAttributeValues: { ":pk": "SITE#atelier#ACTIVITY" },
    }),
  );
  return (out.Items ?? [])
    .filter((i) => i.kind === "site_unreachable" || i.kind === "site_recovered")
    .map((i) => [i.kind, i.at, i.params]);
}
