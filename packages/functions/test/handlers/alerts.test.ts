/**
 * The alerts consumer Lambda (`alerts.handler`) with its resources linked as SST links them: real messages
 * that `Alerts.onEvents` put on the alerts queue, handed over in AWS's SQS event shape. A delivery the target
 * accepts is reported done; one it answers 500 is reported in `batchItemFailures` (SQS brings it back at its
 * retry time) and its attempt is logged; a body that is no alert message is reported too.
 */
import { ReceiveMessageCommand } from "@aws-sdk/client-sqs";
import type { ActivityEvent } from "@dashboard/core/activity/schema";
import { Alerts } from "@dashboard/core/alerts";
import type { Ctx } from "@dashboard/core/context";
import { createLambdaContext } from "@dashboard/local/lambda-context";
import { type Receiver, startReceiver } from "@dashboard/testing/alerts";
import type { SQSBatchResponse, SQSEvent, SQSRecord } from "aws-lambda";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fixture, type LinkedEnv, linkTestResources } from "./env";

type Handler = (
  event: SQSEvent,
  context: ReturnType<typeof createLambdaContext>,
) => Promise<SQSBatchResponse>;

let env: LinkedEnv;
let handler: Handler;
let ctx: Ctx;
let ok: Receiver;
let down: Receiver;

beforeAll(async () => {
  env = await linkTestResources("alerts-handler", { alerts: true });
  handler = (await import("@dashboard/functions/alerts")).handler as unknown as Handler;
  ctx = (await import("@dashboard/functions/shared/ctx")).ctx;
  [ok, down] = await Promise.all([startReceiver(), startReceiver([500, 500, 500])]);
});

afterAll(async () => {
  await Promise.all([ok?.close(), down?.close()]);
  await env?.close();
});

const sold: ActivityEvent = {
  event_id: "evt-handler-1",
  kind: "painting_sold",
  site_id: "atelier-claire",
  // After the test's subscription is made: a subscription gets what happens after its creation.
  at: new Date(Date.now() + 60_000).toISOString(),
  params: {},
  message: { fr: "« Marine » est vendue", en: '"Marine" was sold' },
};

describe("alerts handler", () => {
  it("delivers, reports a failed delivery for its retry, and refuses a body that is no alert message", async () => {
    expect(ctx.alerts?.queueUrl).toBe(env.alertQueues?.queueUrl);
    const good = await Alerts.create(ctx, { name: "OK", target: { type: "url", url: ok.url } });
    const bad = await Alerts.create(ctx, { name: "En panne", target: { type: "url", url: down.url } });
    await Alerts.onEvents(ctx, [sold]);
    const { Messages = [] } = await ctx.sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: env.alertQueues?.queueUrl,
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: 1,
      }),
    );
    expect(Messages).toHaveLength(2);
    const template = fixture<SQSEvent>("sqs-base.json").Records[0] as SQSRecord;
    const records: SQSRecord[] = [
      ...Messages.map((m) => ({
        ...template,
        messageId: m.MessageId ?? "",
        receiptHandle: m.ReceiptHandle ?? "",
        body: m.Body ?? "",
      })),
      { ...template, messageId: "not-an-alert" },
    ];
    const failedId = Messages.find((m) =>
      (m.Body ?? "").includes(bad.subscription.subscription_id),
    )?.MessageId;

    const response = await handler(
      { Records: records },
      createLambdaContext({ functionName: "AlertsConsumer", timeoutMs: 60_000 }),
    );

    expect(response.batchItemFailures.map((f) => f.itemIdentifier).sort()).toEqual(
      [failedId, "not-an-alert"].sort(),
    );
    expect(ok.received).toHaveLength(1);
    expect(down.received).toHaveLength(1);
    const [delivered] = (await Alerts.listDeliveries(ctx, good.subscription.subscription_id, {})).items;
    expect(delivered?.status).toBe("delivered");
    const [retrying] = (await Alerts.listDeliveries(ctx, bad.subscription.subscription_id, {})).items;
    expect(retrying).toMatchObject({
      status: "retrying",
      attempts: [{ status_code: 500, outcome: "retrying" }],
    });
    expect(Date.parse(retrying?.next_attempt_at ?? "")).toBeGreaterThan(Date.now() + 15_000);
  });
});
