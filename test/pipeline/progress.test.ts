/**
 * The console's sync progress (`startProgress`) over real runs in DynamoDB Local: what it prints as runs
 * start, fail and finish, and what it leaves out (runs from before it started, anything twice).
 */
import type { Ctx } from "@dashboard/core/context";
import * as RunStore from "@dashboard/core/run";
import * as SiteStore from "@dashboard/core/site";
import { startProgress } from "@dashboard/local/progress";
import { createTestStage, type TestStage } from "@dashboard/testing/aws";
import { afterAll, beforeAll, expect, it } from "vitest";

let stage: TestStage;
let ctx: Ctx;

beforeAll(async () => {
  stage = await createTestStage("progress");
  ctx = stage.ctx;
  await SiteStore.create(ctx, {
    id: "atelier",
    name: "Atelier Lumière",
    template_url: "http://127.0.0.1:9",
    api_key: "k-1",
  });
});

afterAll(async () => {
  await stage?.drop();
});

const done = (valid: number): RunStore.EntityResult => ({
  ...RunStore.emptyResult("succeeded"),
  fetched: valid,
  valid,
  written: valid,
});
const failed = (code: string, message: string): RunStore.EntityResult => ({
  ...RunStore.emptyResult("failed"),
  error: { code, message },
});

it("prints a run's start, its failures once per reason, and its end, and nothing from before", async () => {
  const old = await RunStore.create(ctx, { siteId: "atelier", trigger: "manual", entities: ["stats"] });
  const lines: string[] = [];
  const progress = startProgress(ctx, {
    print: (line) => lines.push(line),
    intervalMs: 60_000,
    heartbeatMs: 60_000,
    since: new Date(Date.now() + 5),
  });
  try {
    await new Promise((resolve) => setTimeout(resolve, 10));
    const run = await RunStore.create(ctx, {
      siteId: "atelier",
      trigger: "webhook",
      entities: ["paintings", "users", "orders"],
    });
    await progress.poll();
    expect(lines).toEqual([
      `[sync] Atelier Lumière (atelier): webhook sync started, 3 entities (${run.run_id})`,
    ]);

    for (const entity of ["users", "orders"] as const) {
      await RunStore.startEntity(ctx, run.run_id, entity);
      await RunStore.completeEntity(ctx, run.run_id, entity, failed("template_unavailable", "HTTP 503"));
    }
    await progress.poll();
    await progress.poll();
    expect(lines.slice(1)).toEqual([
      "[sync] Atelier Lumière (atelier): users, orders failed (template_unavailable: HTTP 503)",
    ]);

    await RunStore.startEntity(ctx, run.run_id, "paintings");
    await RunStore.completeEntity(ctx, run.run_id, "paintings", done(12));
    // The run from before `since` finishes too: still not reported.
    await RunStore.startEntity(ctx, old.run_id, "stats");
    await RunStore.completeEntity(ctx, old.run_id, "stats", done(1));
    await progress.poll();
    await progress.poll();
    expect(lines).toHaveLength(3);
    expect(lines[2]).toMatch(
      /^\[sync\] Atelier Lumière \(atelier\): failed in [\d.]+ s: paintings 12, users ✗, orders ✗ \(12 written, 0 unchanged, 0 deleted\)$/,
    );
    expect(lines.join("\n")).not.toContain(old.run_id);
  } finally {
    await progress.stop();
  }
});
