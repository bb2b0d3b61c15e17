/**
 * Retention of personal data on DynamoDB Local: a record the Template deleted carries a TTL of
 * `retention.deletedRecordsDays` from its deletion, a rejected record's raw copy one of
 * `retention.rejectedRecordsDays` (shorter than its run's), and a record still live carries none.
 */
import { GetCommand, QueryCommand } from "@aws-sdk/lib-dynamodb";
import { type Sim, startSim } from "@dashboard/template-sim";
import { createEngine, type Engine } from "@dashboard/testing/engine";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RUN_RETENTION_DAYS } from "../src/run";
import * as SiteStore from "../src/site";
import { Keys } from "../src/store/keys";

const API_KEY = "tpl-retention-key-3c4d5e";
const SITE = "atelier-retention";
const DAY = 86_400;

let engine: Engine;
let sim: Sim;

const itemOf = async (key: { pk: string; sk: string }) =>
  (await engine.ctx.db.send(new GetCommand({ TableName: engine.ctx.table, Key: key }))).Item;

beforeAll(async () => {
  engine = await createEngine("retention");
  sim = await startSim({ apiKey: API_KEY, seed: 5, sizes: { paintings: 5, users: 20, orders: 5 } });
  await SiteStore.create(engine.ctx, { id: SITE, name: "Atelier", template_url: sim.url, api_key: API_KEY });
  await engine.sync(SITE, ["users"]);
});

afterAll(async () => {
  await sim?.close();
});

describe("retention", () => {
  it("purges users the Template deleted after the configured days, and keeps live ones", async () => {
    const removed = sim.remove("users", 2);
    const kept = (sim.served("users") as { id: number }[])[0];
    await engine.sync(SITE, ["users"]);
    for (const user of removed) {
      const item = await itemOf(Keys.record(SITE, "users", user.id));
      expect(item?.deleted_at).toBeTruthy();
      const deletedAt = Date.parse(String(item?.deleted_at)) / 1000;
      const ttl = Number(item?.expires_at);
      expect(ttl - deletedAt).toBeGreaterThanOrEqual(engine.ctx.retention.deletedRecordsDays * DAY - 1);
      expect(ttl - deletedAt).toBeLessThanOrEqual(engine.ctx.retention.deletedRecordsDays * DAY + 1);
    }
    const live = await itemOf(Keys.record(SITE, "users", kept?.id ?? -1));
    expect(live?.deleted_at).toBeUndefined();
    expect(live?.expires_at).toBeUndefined();
    expect(engine.ctx.retention.deletedRecordsDays).toBe(30);
  });

  it("purges the raw copy of a rejected record sooner than its run", async () => {
    const victim = (sim.served("users") as { id: number }[])[1]?.id ?? -1;
    // An e-mail that is not text cannot be stored faithfully: rejected (an absent one is only flagged).
    sim.faults.set("users", {
      invalid: [{ ids: [victim], field: "email", kind: "value", value: { address: "x@example.com" } }],
    });
    const run = await engine.sync(SITE, ["users"]);
    sim.faults.reset();
    expect(run.entities.users?.invalid).toBe(1);
    const out = await engine.ctx.db.send(
      new QueryCommand({
        TableName: engine.ctx.table,
        KeyConditionExpression: "pk = :pk",
        ExpressionAttributeValues: { ":pk": Keys.runPartition(run.run_id) },
      }),
    );
    const items = out.Items ?? [];
    const invalid = items.find((i) => i.type === "invalid");
    const runItem = items.find((i) => i.type === "run");
    expect(invalid?.raw).toBeDefined();
    const now = Date.now() / 1000;
    const rejectedDays = engine.ctx.retention.rejectedRecordsDays;
    expect(Number(invalid?.expires_at) - now).toBeGreaterThan(rejectedDays * DAY - 120);
    expect(Number(invalid?.expires_at) - now).toBeLessThan(rejectedDays * DAY + 120);
    expect(Number(runItem?.expires_at) - now).toBeGreaterThan(RUN_RETENTION_DAYS * DAY - 120);
    expect(rejectedDays).toBeLessThan(RUN_RETENTION_DAYS);
  });
});
