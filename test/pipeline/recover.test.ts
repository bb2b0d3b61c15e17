/**
 * A restart after an interrupted sync: the in-memory queue lost the run's messages while DynamoDB Local
 * kept the run, its lease and its pending markers. `recoverInterruptedRuns` finishes such runs as
 * interrupted and frees the entities, so the next sync of the site is not held back.
 */
import { GetCommand, PutCommand } from "@aws-sdk/lib-dynamodb";
import type { Ctx } from "@dashboard/core/context";
import * as Pending from "@dashboard/core/pending";
import * as RunStore from "@dashboard/core/run";
import * as SiteStore from "@dashboard/core/site";
import { Keys } from "@dashboard/core/store/keys";
import * as Sync from "@dashboard/core/sync";
import { INTERRUPTED, recoverInterruptedRuns } from "@dashboard/local/recover";
import { createTestStage, type TestStage } from "@dashboard/testing/aws";
import { afterAll, beforeAll, expect, it } from "vitest";

let stage: TestStage;
let ctx: Ctx;

beforeAll(async () => {
  stage = await createTestStage("recover");
  ctx = stage.ctx;
  await SiteStore.create(ctx, {
    id: "site-a",
    name: "A",
    template_url: "http://127.0.0.1:9",
    api_key: "key-a",
  });
});

afterAll(async () => {
  await stage?.drop();
});

const item = async (key: { pk: string; sk: string }) =>
  (await ctx.db.send(new GetCommand({ TableName: ctx.table, Key: key, ConsistentRead: true }))).Item;

it("finishes the runs a stop interrupted, releases their leases and pending markers, and leaves the rest alone", async () => {
  // A finished run: history, untouched.
  const done = await Sync.start(ctx, { siteId: "site-a", trigger: "manual", entities: ["stats"] });
  const doneId = done.run?.run_id as string;
  await Sync.startEntity(ctx, { run_id: doneId, site_id: "site-a" }, "stats");
  await Sync.completeEntity(ctx, doneId, "stats", {
    ...RunStore.emptyResult("succeeded"),
    fetched: 1,
    valid: 1,
  });

  // An interrupted scheduled run: users was being synced (lease held), paintings still waited (pending).
  const cut = await Sync.start(ctx, {
    siteId: "site-a",
    trigger: "schedule",
    entities: ["paintings", "users"],
    coalesce: true,
  });
  const runId = cut.run?.run_id as string;
  expect(cut.entities).toEqual(["paintings", "users"]);
  await Sync.startEntity(ctx, { run_id: runId, site_id: "site-a" }, "users");
  await ctx.db.send(
    new PutCommand({
      TableName: ctx.table,
      Item: {
        ...Keys.lease("site-a", "users"),
        type: "lease",
        owner: runId,
        seq: 0,
        expires_at: Date.now() / 1000 + 360,
      },
    }),
  );
  // Without recovery, the next scheduled sync of paintings would be folded into the dead run.
  const blocked = await Sync.start(ctx, {
    siteId: "site-a",
    trigger: "schedule",
    entities: ["paintings"],
    coalesce: true,
  });
  expect(blocked.coalesced).toEqual(["paintings"]);

  const recovered = await recoverInterruptedRuns(ctx);
  expect(recovered.map((r) => r.run_id)).toEqual([runId]);
  const run = await RunStore.get(ctx, runId, { withLog: true });
  expect(run.status).toBe("failed");
  expect(run.finished_at).toBeDefined();
  for (const entity of ["paintings", "users"] as const) {
    expect(run.entities[entity]).toMatchObject({
      status: "failed",
      error: { code: INTERRUPTED.code, message: INTERRUPTED.message },
    });
    expect(run.log?.some((l) => l.entity === entity && l.level === "ERROR")).toBe(true);
  }
  expect(await item(Keys.lease("site-a", "users"))).toBeUndefined();
  expect(await Pending.markers(ctx, "site-a")).toEqual({});
  expect((await RunStore.get(ctx, doneId)).status).toBe("succeeded");
  expect((await SiteStore.get(ctx, "site-a")).last_run?.status).toBeDefined();

  // The entities are free again: the next scheduled sync gets a run of its own.
  const next = await Sync.start(ctx, {
    siteId: "site-a",
    trigger: "schedule",
    entities: ["paintings"],
    coalesce: true,
  });
  expect(next.run).toBeDefined();
  expect(next.coalesced).toEqual([]);
  // Another recovery finishes only what is still open (that new run), then finds nothing to do.
  expect((await recoverInterruptedRuns(ctx)).map((r) => r.run_id)).toEqual([next.run?.run_id]);
  expect(await recoverInterruptedRuns(ctx)).toEqual([]);
});

it("does not release a lease or marker another run holds", async () => {
  const a = await Sync.start(ctx, { siteId: "site-a", trigger: "manual", entities: ["orders"] });
  const runA = a.run?.run_id as string;
  await ctx.db.send(
    new PutCommand({
      TableName: ctx.table,
      Item: {
        ...Keys.lease("site-a", "orders"),
        type: "lease",
        owner: "run_someone_else",
        seq: 0,
        expires_at: 9e9,
      },
    }),
  );
  await recoverInterruptedRuns(ctx);
  expect((await RunStore.get(ctx, runA)).status).toBe("failed");
  expect((await item(Keys.lease("site-a", "orders")))?.owner).toBe("run_someone_else");
});
