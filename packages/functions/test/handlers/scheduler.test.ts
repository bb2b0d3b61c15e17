/**
 * The scheduler Lambda (`scheduler.handler`) on AWS's EventBridge event sample (eventbridge-base.json)
 * turned into the "Scheduled Event" a schedule sends: one run per enabled site, one message per (site,
 * entity) on the sync queue, disabled sites skipped; a tick that comes while the previous one's work still
 * waits adds nothing.
 */
import { ReceiveMessageCommand } from "@aws-sdk/client-sqs";
import type { Ctx } from "@dashboard/core/context";
import { ALL_ENTITIES } from "@dashboard/core/entity";
import * as RunStore from "@dashboard/core/run";
import * as SiteStore from "@dashboard/core/site";
import { SyncMessage } from "@dashboard/core/sync";
import { createLambdaContext } from "@dashboard/local/lambda-context";
import type { ScheduledEvent } from "aws-lambda";
import { afterAll, beforeAll, expect, it } from "vitest";
import { fixture, type LinkedEnv, linkTestResources } from "./env";

type Handler = (
  event: ScheduledEvent,
  context: ReturnType<typeof createLambdaContext>,
) => Promise<{ runs: number; messages: number; skipped: number }>;

let env: LinkedEnv;
let handler: Handler;
let ctx: Ctx;

beforeAll(async () => {
  env = await linkTestResources("scheduler");
  handler = (await import("@dashboard/functions/scheduler")).handler as unknown as Handler;
  ctx = (await import("@dashboard/functions/shared/ctx")).ctx;
});

afterAll(async () => {
  await env?.close();
});

/** The sample as a schedule sends it. */
function scheduledEvent(): ScheduledEvent {
  const sample = fixture<ScheduledEvent & { "replay-name"?: string }>("eventbridge-base.json");
  const { "replay-name": _replay, ...event } = sample;
  return {
    ...event,
    "detail-type": "Scheduled Event",
    source: "aws.events",
    resources: [`arn:aws:events:${sample.region}:${sample.account}:rule/SyncSchedule`],
    detail: {},
  };
}

async function drainQueue(): Promise<SyncMessage[]> {
  const messages: SyncMessage[] = [];
  for (;;) {
    const { Messages = [] } = await env.queues.sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: env.queues.queueUrl,
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: 0,
      }),
    );
    if (Messages.length === 0) return messages;
    for (const m of Messages) messages.push(SyncMessage.parse(JSON.parse(m.Body ?? "")));
  }
}

it("starts one run per enabled site and queues one message per entity; disabled sites are skipped", async () => {
  for (const [id, enabled] of [
    ["gallery-a", true],
    ["gallery-b", true],
    ["gallery-off", false],
  ] as const) {
    await SiteStore.create(ctx, {
      id,
      name: id,
      template_url: `https://${id}.example.com`,
      api_key: `key-${id}`,
      enabled,
    });
  }
  const event = scheduledEvent();
  expect(event["detail-type"]).toBe("Scheduled Event");

  const result = await handler(
    event,
    createLambdaContext({ functionName: "SyncScheduler", timeoutMs: 60_000 }),
  );
  expect(result).toEqual({
    runs: 2,
    messages: 2 * ALL_ENTITIES.length,
    skipped: 1,
    joined: 0,
    deletions_finished: 0,
  });

  const messages = await drainQueue();
  expect(messages).toHaveLength(2 * ALL_ENTITIES.length);
  expect(new Set(messages.map((m) => m.site_id))).toEqual(new Set(["gallery-a", "gallery-b"]));
  expect(messages.every((m) => m.trigger === "schedule" && m.continuation === undefined)).toBe(true);
  for (const site of ["gallery-a", "gallery-b"]) {
    expect(
      messages
        .filter((m) => m.site_id === site)
        .map((m) => m.entity)
        .sort(),
    ).toEqual([...ALL_ENTITIES].sort());
  }

  const runs = (await RunStore.list(ctx, { limit: 50 })).items;
  expect(runs.map((r) => r.site_id).sort()).toEqual(["gallery-a", "gallery-b"]);
  expect(runs.every((r) => r.trigger === "schedule" && r.status === "queued")).toBe(true);
  expect(new Set(messages.map((m) => m.run_id))).toEqual(new Set(runs.map((r) => r.run_id)));

  // The next tick, while that work still waits to be picked up: nothing new is queued.
  const again = await handler(
    scheduledEvent(),
    createLambdaContext({ functionName: "SyncScheduler", timeoutMs: 60_000 }),
  );
  expect(again).toEqual({ runs: 0, messages: 0, skipped: 1, joined: 0, deletions_finished: 0 });
  expect(await drainQueue()).toEqual([]);
});
