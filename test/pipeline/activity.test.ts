/**
 * Change capture end to end (issue 14): a Template (template-sim over HTTP) synced by the local runtime, whose
 * table's stream (DynamoDB Local) is read by the stream poller into the change processor Lambda. Each change at
 * the Template yields exactly the expected history entries and events, once: when the whole stream is
 * delivered a second time, and when a sync finds nothing changed.
 */
import { DescribeTableCommand } from "@aws-sdk/client-dynamodb";
import { DynamoDBStreamsClient } from "@aws-sdk/client-dynamodb-streams";
import { QueryCommand } from "@aws-sdk/lib-dynamodb";
import { RECORD_EVENT_KINDS } from "@dashboard/core/activity/schema";
import { fold } from "@dashboard/core/record";
import { verify } from "@dashboard/core/signature";
import { Keys } from "@dashboard/core/store/keys";
import { LOCAL_CREDENTIALS } from "@dashboard/local/resources";
import { type StreamBatchHandler, startStreamPoller } from "@dashboard/local/streams";
import { ensureSorted, type Sim, startSim } from "@dashboard/template-sim";
import { type Receiver, startReceiver } from "@dashboard/testing/alerts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestRuntime, type TestRuntime } from "./support";

const SITE = "capture-site";
const API_KEY = "key-capture-site-0001";

let t: TestRuntime;
let sim: Sim;
let receiver: Receiver | undefined;

beforeAll(async () => {
  t = await startTestRuntime({ demoSites: 0 });
  sim = await startSim({
    apiKey: API_KEY,
    seed: 14,
    sizes: { paintings: 12, users: 8, orders: 6, exhibitions: 2 },
  });
  const created = await t.api.post("/api/sites", {
    id: SITE,
    name: "Capture",
    template_url: sim.url,
    api_key: API_KEY,
  });
  if (created.status !== 201) throw new Error(`POST /api/sites: ${created.status} ${created.text}`);
  await syncAndCapture();
});

afterAll(async () => {
  await receiver?.close();
  await t?.close();
  await sim?.close();
});

/** A manual sync to its end, then the stream read to its end by the change processor. */
async function syncAndCapture(): Promise<void> {
  const run = await t.api.post<{ status: string }>(`/api/sync/template/${SITE}?wait=25`);
  if (run.status !== 200 || run.json.status !== "succeeded") {
    throw new Error(`sync: ${run.status} ${run.text}`);
  }
  await t.runtime.streams.idle({ timeoutMs: 30_000 });
}

async function query(key: { index?: string; pk: string }): Promise<Record<string, unknown>[]> {
  const items: Record<string, unknown>[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const out = await t.runtime.ctx.db.send(
      new QueryCommand({
        TableName: t.runtime.tableName,
        ...(key.index ? { IndexName: key.index } : {}),
        KeyConditionExpression: `${key.index ? `${key.index}pk` : "pk"} = :pk`,
        ExpressionAttributeValues: { ":pk": key.pk },
        ...(start ? { ExclusiveStartKey: start } : {}),
      }),
    );
    items.push(...(out.Items ?? []));
    start = out.LastEvaluatedKey;
  } while (start);
  return items;
}

const events = () => query(Keys.siteActivityIndex(SITE));
const historyOf = async (entity: "paintings" | "orders" | "users", id: number) =>
  (await query({ pk: Keys.historyPartition(SITE, entity, id) })).map((h) => [h.change, h.fields]);
const eventsOf = async (id: number, entity: string) =>
  (await events())
    .filter((e) => e.record_id === id && e.entity === entity)
    .map((e) => [e.kind, e.params])
    .sort((a, b) => String(a[0]).localeCompare(String(b[0])));

/** Events and history entries of the site, counted (what a duplicate would change). */
async function counts() {
  const feed = await events();
  const history = await Promise.all(
    (["paintings", "orders", "users"] as const).flatMap((entity) =>
      sim.data[entity].map((r) => query({ pk: Keys.historyPartition(SITE, entity, r.id) })),
    ),
  );
  return { events: feed.length, history: history.reduce((n, h) => n + h.length, 0) };
}

describe("change capture through the local runtime", () => {
  it("the first sync: every record's history starts, and the site's existing data raises no event", async () => {
    // Only what the sync noticed about the site itself (its settings export is open) is news.
    expect(
      (await events()).filter((e) => (RECORD_EVENT_KINDS as readonly unknown[]).includes(e.kind)),
    ).toEqual([]);
    for (const entity of ["paintings", "users", "orders"] as const) {
      for (const record of sim.data[entity]) {
        expect(await historyOf(entity, record.id)).toEqual([["created", []]]);
      }
    }
  });

  it("a painting's price change and another's sale: one history entry and the events each, once", async () => {
    const [repriced, sold] = sim.data.paintings.filter((p) => fold(p.status ?? "") !== "vendu");
    if (!repriced || !sold) throw new Error("the seed has no unsold paintings");
    const oldPrice = repriced.price;
    const oldStatus = sold.status;
    repriced.price = oldPrice + 170;
    sold.status = "Vendu";
    ensureSorted(sim.data, "paintings");
    await syncAndCapture();

    expect(await historyOf("paintings", repriced.id)).toEqual([
      ["created", []],
      ["updated", [{ field: "price", from: oldPrice, to: oldPrice + 170 }]],
    ]);
    expect(await eventsOf(repriced.id, "paintings")).toEqual([
      ["painting_price_changed", { from: oldPrice, to: oldPrice + 170 }],
    ]);
    expect(await historyOf("paintings", sold.id)).toEqual([
      ["created", []],
      ["updated", [{ field: "status", from: oldStatus, to: "Vendu" }]],
    ]);
    expect((await eventsOf(sold.id, "paintings")).map(([kind]) => kind)).toEqual(["painting_sold"]);
  });

  it("an order created, then shipped", async () => {
    const [added] = sim.add("orders", 1);
    const order = sim.data.orders.find((o) => o.id === added?.id);
    if (!order) throw new Error("no order added");
    order.status = "En cours";
    await syncAndCapture();
    order.status = "Expédiée";
    await syncAndCapture();

    expect(await historyOf("orders", order.id)).toEqual([
      ["created", []],
      ["updated", [{ field: "status", from: "En cours", to: "Expédiée" }]],
    ]);
    expect(await eventsOf(order.id, "orders")).toEqual([
      ["order_created", { total_price: order.total_price, status: "En cours" }],
      ["order_status_changed", { from: "En cours", to: "Expédiée" }],
    ]);
  });

  it("a user deleted at the Template: its history says deleted, and no event is raised", async () => {
    const [user] = sim.remove("users", 1);
    if (!user) throw new Error("no user removed");
    await syncAndCapture();
    expect(await historyOf("users", user.id)).toEqual([
      ["created", []],
      ["deleted", []],
    ]);
    expect(await eventsOf(user.id, "users")).toEqual([]);
  });

  it("a resync with no change writes no history and no event", async () => {
    const before = await counts();
    await syncAndCapture();
    expect(await counts()).toEqual(before);
  });

  it("an alert subscription gets the next price change, and only it, as one signed POST", async () => {
    receiver = await startReceiver();
    const created = await t.api.post<{ secret: string; subscription: { id: string } }>(
      "/api/alerts/subscriptions",
      {
        name: "Prix",
        kinds: ["painting_price_changed"],
        site_ids: [SITE],
        target: { type: "url", url: receiver.url },
      },
    );
    expect(created.status).toBe(201);
    const painting = sim.data.paintings.find((p) => fold(p.status ?? "") !== "vendu");
    if (!painting) throw new Error("no unsold painting");
    const oldPrice = painting.price;
    painting.price = oldPrice + 10;
    // A new user too: an event the subscription does not ask for.
    sim.data.users.push({
      ...(sim.data.users[0] as (typeof sim.data.users)[number]),
      id: 9_001,
      email: "new@example.org",
    });
    ensureSorted(sim.data, "users");
    await syncAndCapture();

    const deadline = Date.now() + 30_000;
    while (receiver.received.length === 0 && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 200));
    expect(receiver.received).toHaveLength(1);
    const [post] = receiver.received;
    if (!post) throw new Error("no POST");
    const header = post.headers["x-dashboard-signature"];
    expect(verify([created.json.secret], String(header), post.body, new Date())).toBe(true);
    expect(verify(["another-secret"], String(header), post.body, new Date())).toBe(false);
    const body = JSON.parse(post.body) as { events: { kind: string; record_id: number; params: unknown }[] };
    expect(body.events.map((e) => [e.kind, e.record_id, e.params])).toEqual([
      ["painting_price_changed", painting.id, { from: oldPrice, to: oldPrice + 10 }],
    ]);
  });

  it("the whole stream delivered a second time writes nothing twice", async () => {
    const before = await counts();
    const { Table } = await t.runtime.ctx.db.send(
      new DescribeTableCommand({ TableName: t.runtime.tableName }),
    );
    const client = new DynamoDBStreamsClient({
      endpoint: t.runtime.dynamoEndpoint,
      region: t.runtime.region,
      credentials: LOCAL_CREDENTIALS,
    });
    const { handler } = await import("@dashboard/functions/changes");
    const replay = startStreamPoller({
      client,
      streamArn: Table?.LatestStreamArn as string,
      handler: handler as unknown as StreamBatchHandler,
      batchSize: 25,
    });
    try {
      await replay.idle({ timeoutMs: 60_000 });
      expect(replay.stats().records).toBeGreaterThan(before.history);
      expect(replay.stats().dropped).toBe(0);
    } finally {
      await replay.stop();
      client.destroy();
    }
    await t.runtime.streams.idle({ timeoutMs: 30_000 });
    expect(await counts()).toEqual(before);
    // The events came back on the stream too: the subscription was not sent them again, nor the older ones.
    await new Promise((r) => setTimeout(r, 3_000));
    expect(receiver?.received).toHaveLength(1);
  });
});
