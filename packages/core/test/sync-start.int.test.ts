/**
 * Starting runs, against DynamoDB Local and fauxqs: the pending markers that coalesce syncs (one item per
 * site, claimed whole in one conditional write, partly in a second when some entities are held), and the
 * scheduler's fan-out, which starts sites in batches (one BatchWriteItem of runs, SQS batches across sites).
 */
import { ConditionalCheckFailedException } from "@aws-sdk/client-dynamodb";
import { ReceiveMessageCommand } from "@aws-sdk/client-sqs";
import { countingMiddleware, type RequestCounter } from "@dashboard/testing/aws";
import { createEngine, type Engine } from "@dashboard/testing/engine";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import type { Ctx } from "../src/context";
import { ALL_ENTITIES, type Entity } from "../src/entity";
import * as Pending from "../src/pending";
import * as RunStore from "../src/run";
import * as SiteStore from "../src/site";
import * as Sync from "../src/sync";
import { createId } from "../src/util/id";
import { epochSeconds } from "../src/util/time";
import * as Webhook from "../src/webhook";
import { refuseAt } from "./faults/support";

const OTHERS = ALL_ENTITIES.filter((e) => e !== "paintings" && e !== "stats");

const later = (ctx: Ctx, seconds: number): Ctx => ({
  ...ctx,
  now: () => new Date(ctx.now().getTime() + seconds * 1000),
});

async function createSites(ctx: Ctx, prefix: string, n: number, disabled: number[] = []) {
  const ids = Array.from({ length: n }, (_, i) => `${prefix}-${String(i).padStart(2, "0")}`);
  await Promise.all(
    ids.map((id, i) =>
      SiteStore.create(ctx, {
        id,
        name: id,
        template_url: `https://${id}.example.com`,
        api_key: `key-${id}`,
        enabled: !disabled.includes(i),
      }),
    ),
  );
  return ids;
}

/** Every message on the queue (received, so invisible to the next call for the visibility timeout). */
async function queued(ctx: Ctx): Promise<Sync.SyncMessage[]> {
  const messages: Sync.SyncMessage[] = [];
  for (;;) {
    const { Messages = [] } = await ctx.sqs.send(
      new ReceiveMessageCommand({ QueueUrl: ctx.queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }),
    );
    if (Messages.length === 0) return messages;
    for (const m of Messages) messages.push(Sync.parseMessage(m.Body ?? ""));
  }
}

describe("pending markers", () => {
  let engine: Engine;
  let counter: RequestCounter;

  beforeAll(async () => {
    engine = await createEngine("pending");
  });
  afterEach(() => counter?.remove());

  it("claims every entity of a site with one conditional write when none is held", async () => {
    const run = createId("run");
    counter = countingMiddleware(engine.dynamo);
    expect(await Pending.claim(engine.ctx, "site-free", ALL_ENTITIES, run)).toEqual([...ALL_ENTITIES]);
    expect(counter.all()).toEqual({ UpdateItem: 1 });

    const markers = await Pending.markers(engine.ctx, "site-free");
    expect(Object.keys(markers).sort()).toEqual([...ALL_ENTITIES].sort());
    const expiresAt = epochSeconds(engine.ctx.now()) + Pending.PENDING_TTL_SECONDS;
    for (const marker of Object.values(markers)) {
      expect(marker.run_id).toBe(run);
      expect(marker.expires_at).toBeGreaterThanOrEqual(expiresAt - 5);
      expect(marker.expires_at).toBeLessThanOrEqual(expiresAt);
    }
  });

  it("claims only what no other run holds, in a second write, and leaves the held markers alone", async () => {
    const first = createId("run");
    const second = createId("run");
    expect(await Pending.claim(engine.ctx, "site-partial", ["stats", "paintings"], first)).toEqual([
      "stats",
      "paintings",
    ]);
    counter = countingMiddleware(engine.dynamo);
    expect(await Pending.claim(engine.ctx, "site-partial", ALL_ENTITIES, second)).toEqual(OTHERS);
    expect(counter.all()).toEqual({ UpdateItem: 2 });

    const markers = await Pending.markers(engine.ctx, "site-partial");
    expect(markers.paintings?.run_id).toBe(first);
    expect(markers.stats?.run_id).toBe(first);
    for (const entity of OTHERS) expect(markers[entity]?.run_id, entity).toBe(second);

    // Everything held now: nothing claimed, in one write.
    counter.reset();
    expect(await Pending.claim(engine.ctx, "site-partial", ALL_ENTITIES, createId("run"))).toEqual([]);
    expect(counter.all()).toEqual({ UpdateItem: 1 });
  });

  it("takes over a marker past its TTL (its message was lost), and not one a second before", async () => {
    const lost = createId("run");
    await Pending.claim(engine.ctx, "site-ttl", ["users"], lost);
    const almost = later(engine.ctx, Pending.PENDING_TTL_SECONDS);
    expect(await Pending.claim(almost, "site-ttl", ["users"], createId("run"))).toEqual([]);
    const next = createId("run");
    const past = later(engine.ctx, Pending.PENDING_TTL_SECONDS + 1);
    expect(await Pending.claim(past, "site-ttl", ["users", "orders"], next)).toEqual(["users", "orders"]);
    expect((await Pending.markers(engine.ctx, "site-ttl")).users?.run_id).toBe(next);
  });

  it("releases only the marker of the run that holds it", async () => {
    const holder = createId("run");
    await Pending.claim(engine.ctx, "site-release", ["paintings", "users"], holder);
    await Pending.release(engine.ctx, "site-release", "paintings", createId("run"));
    expect((await Pending.markers(engine.ctx, "site-release")).paintings?.run_id).toBe(holder);
    await Pending.release(engine.ctx, "site-release", "paintings", holder);
    await Pending.release(engine.ctx, "site-nothing-pending", "paintings", holder);
    expect(await Pending.markers(engine.ctx, "site-release")).toEqual({
      users: expect.objectContaining({ run_id: holder }),
    });
    // Released: the next claim gets it at once.
    expect(await Pending.claim(engine.ctx, "site-release", ["paintings"], createId("run"))).toEqual([
      "paintings",
    ]);
  });

  it("claims racing for one site: every entity goes to exactly one run", async () => {
    const asks: Entity[][] = [
      [...ALL_ENTITIES],
      ["paintings", "stats"],
      ["users", "orders", "settings"],
      ["paintings", "users", "custom_requests"],
      [...ALL_ENTITIES].reverse(),
      ["exhibitions"],
    ];
    const runs = asks.map(() => createId("run"));
    const claimed = await Promise.all(
      asks.map((ask, i) => Pending.claim(engine.ctx, "site-race", ask, runs[i] as string)),
    );
    const markers = await Pending.markers(engine.ctx, "site-race");
    for (const entity of ALL_ENTITIES) {
      const owners = runs.filter((_, i) => claimed[i]?.includes(entity));
      expect(owners, entity).toHaveLength(1);
      expect(markers[entity]?.run_id, entity).toBe(owners[0]);
    }
  });

  it("reads the item when a failed write does not return it (an emulator without ReturnValuesOnConditionCheckFailure)", async () => {
    const first = createId("run");
    await Pending.claim(engine.ctx, "site-no-old", ["orders"], first);
    const name = "strip-item-from-condition-failures";
    engine.dynamo.middlewareStack.add(
      (next) => async (args) => {
        try {
          return await next(args);
        } catch (e) {
          if (e instanceof ConditionalCheckFailedException) delete e.Item;
          throw e;
        }
      },
      { step: "initialize", priority: "high", name },
    );
    try {
      counter = countingMiddleware(engine.dynamo);
      const claimed = await Pending.claim(engine.ctx, "site-no-old", ALL_ENTITIES, createId("run"));
      expect(claimed).toEqual(ALL_ENTITIES.filter((e) => e !== "orders"));
      expect(counter.all()).toEqual({ UpdateItem: 2, GetItem: 1 });
      expect((await Pending.markers(engine.ctx, "site-no-old")).orders?.run_id).toBe(first);
    } finally {
      engine.dynamo.middlewareStack.remove(name);
    }
  });
});

describe("the scheduler's fan-out", () => {
  let engine: Engine;
  let counter: RequestCounter;

  beforeAll(async () => {
    engine = await createEngine("fanout");
  });
  afterEach(() => counter?.remove());

  it("starts one run per enabled site without a run in progress and sends one message per (site, entity), with few requests per site", async () => {
    const ids = await createSites(engine.ctx, "fan", 31, [30]);
    const enabled = ids.slice(0, 30);
    // One site already has two entities pending (a webhook's run, not started yet).
    const webhook = await Sync.start(engine.ctx, {
      siteId: "fan-07",
      trigger: "webhook",
      entities: ["stats", "paintings"],
      coalesce: true,
    });
    await queued(engine.ctx);

    counter = countingMiddleware(engine.dynamo);
    const sqs = countingMiddleware(engine.ctx.sqs);
    try {
      const started = await Sync.startScheduled(engine.ctx);
      // fan-07's webhook run is in progress (queued): the tick joins it for paintings and stats, and starts a
      // run only for the entities it lacks.
      const messageCount = 30 * ALL_ENTITIES.length - 2;
      expect(started).toEqual({
        runs: 30,
        messages: messageCount,
        skipped: 1,
        joined: 1,
        deletions_finished: 0,
      });
      // The site list, one claim per site, the joined run read and written once, and the runs in batches of
      // 25 sites; the messages of each batch of sites in requests of ten.
      expect(counter.all()).toEqual({ Query: 1, GetItem: 1, UpdateItem: 30 + 1, BatchWriteItem: 2 });
      expect(sqs.all()).toEqual({
        SendMessageBatch:
          Math.ceil((25 * ALL_ENTITIES.length - 2) / 10) + Math.ceil((5 * ALL_ENTITIES.length) / 10),
      });
      const joined = await RunStore.get(engine.ctx, webhook.run?.run_id ?? "");
      expect(joined.joined?.map((j) => j.trigger)).toEqual(["schedule"]);

      const messages = await queued(engine.ctx);
      expect(messages).toHaveLength(messageCount);
      const runs = (await RunStore.list(engine.ctx, { limit: 100 })).items.filter(
        (r) => r.trigger === "schedule",
      );
      expect(runs.map((r) => r.site_id).sort()).toEqual(enabled);
      for (const run of runs) {
        const expected = run.site_id === "fan-07" ? OTHERS : [...ALL_ENTITIES];
        expect(Object.keys(run.entities).sort(), run.site_id).toEqual([...expected].sort());
        expect(run.status).toBe("queued");
        expect(
          messages
            .filter((m) => m.run_id === run.run_id)
            .map((m) => m.entity)
            .sort(),
          run.site_id,
        ).toEqual([...expected].sort());
        const markers = await Pending.markers(engine.ctx, run.site_id);
        for (const entity of expected) expect(markers[entity]?.run_id, entity).toBe(run.run_id);
      }
      expect((await Pending.markers(engine.ctx, "fan-07")).paintings?.run_id).toBe(webhook.run?.run_id);

      // A scheduled run shows on its site once the consumer starts it, not while it waits; the webhook's
      // run (and a manual one) shows at once, queued.
      const fan03 = runs.find((r) => r.site_id === "fan-03") as RunStore.Run;
      expect((await SiteStore.get(engine.ctx, "fan-03")).last_run).toBeUndefined();
      expect((await SiteStore.get(engine.ctx, "fan-07")).last_run).toEqual({
        run_id: webhook.run?.run_id,
        status: "queued",
      });
      await Sync.startEntity(engine.ctx, fan03, "users");
      expect((await SiteStore.get(engine.ctx, "fan-03")).last_run).toEqual({
        run_id: fan03.run_id,
        status: "running",
      });

      // The next tick, while all of it still waits: nothing new, one write per site (fan-03's run started,
      // so it is joined now, as fan-07's is).
      counter.reset();
      sqs.reset();
      expect(await Sync.startScheduled(engine.ctx)).toEqual({
        runs: 0,
        messages: 0,
        skipped: 1,
        joined: 2,
        deletions_finished: 0,
      });
      // fan-03 and fan-07 have a run in progress: each read and joined (a write), fan-07's claim for what
      // its run lacks finds it held; every other site one claim.
      expect(counter.all()).toEqual({ Query: 1, GetItem: 2, UpdateItem: 28 + 1 + 2 });
      expect(sqs.all()).toEqual({});
    } finally {
      sqs.remove();
    }
  });
});

describe("the scheduler when runs cannot be created", () => {
  it("releases the claims of the sites whose runs failed, so the next tick starts them", async () => {
    const engine = await createEngine("fanout-fail");
    const ids = await createSites(engine.ctx, "fail", 40);
    // The first batch of runs (25 sites) is refused.
    let batches = 0;
    const stop = refuseAt(
      engine.dynamo,
      (call) => call.command === "BatchWriteItemCommand" && ++batches === 1,
    );
    try {
      await expect(Sync.startScheduled(engine.ctx)).rejects.toThrow(/throughput/);
    } finally {
      stop();
    }
    const firstRuns = (await RunStore.list(engine.ctx, { limit: 100 })).items;
    const started = new Set(firstRuns.map((r) => r.site_id));
    expect(started.size).toBeLessThan(ids.length);
    // A site has a run with its messages sent and its markers held, or nothing at all.
    const messages = await queued(engine.ctx);
    for (const id of ids) {
      const markers = await Pending.markers(engine.ctx, id);
      const run = firstRuns.find((r) => r.site_id === id);
      if (run) {
        expect(
          messages.filter((m) => m.run_id === run.run_id),
          id,
        ).toHaveLength(ALL_ENTITIES.length);
        for (const entity of ALL_ENTITIES) expect(markers[entity]?.run_id, id).toBe(run.run_id);
      } else {
        expect(markers, id).toEqual({});
      }
    }

    const next = await Sync.startScheduled(engine.ctx);
    expect(next).toEqual({
      runs: ids.length - started.size,
      messages: (ids.length - started.size) * ALL_ENTITIES.length,
      skipped: 0,
      joined: 0,
      deletions_finished: 0,
    });
    const allRuns = (await RunStore.list(engine.ctx, { limit: 100 })).items;
    expect(allRuns.map((r) => r.site_id).sort()).toEqual(ids);
  });
});

describe("a webhook's start", () => {
  let engine: Engine;
  let counter: RequestCounter | undefined;

  beforeAll(async () => {
    engine = await createEngine("webhook-reads");
  });
  afterEach(() => counter?.remove());

  it("reads its site once: the secrets that check the signature and the site that starts the run", async () => {
    const { webhook_secret } = await SiteStore.create(engine.ctx, {
      id: "site-webhook",
      name: "Atelier du webhook",
      template_url: "https://site-webhook.example.com",
      api_key: "key-site-webhook",
    });
    const body = JSON.stringify({
      event: "painting_updated",
      site_id: "site-webhook",
      event_id: "evt-reads-1",
    });
    counter = countingMiddleware(engine.dynamo);
    const answer = await Webhook.receive(engine.ctx, body, Webhook.signatureHeader(webhook_secret, body));
    expect(answer.run_id).toBeDefined();
    // A painting event refreshes the paintings and the site's stats.
    expect(answer.entities).toEqual(["paintings", "stats"]);
    // The site item is the only item this path reads; everything else is a conditional write.
    expect(counter.count("GetItem")).toBe(1);
    expect(counter.count("Query")).toBe(0);
    const messages = await queued(engine.ctx);
    expect(messages.map((m) => [m.site_id, m.entity, m.run_id]).sort()).toEqual([
      ["site-webhook", "paintings", answer.run_id],
      ["site-webhook", "stats", answer.run_id],
    ]);
  });
});
