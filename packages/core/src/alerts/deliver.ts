/**
 * From events to deliveries: `onEvents` matches a batch of events (from the table's stream, at least once)
 * to the subscriptions and queues what to send, once per (event, subscription); `handleMessage` is the alerts
 * queue's consumer: it sends, logs the attempt, and leaves a failed delivery on the queue for its next
 * attempt (the message's visibility, like retry.ts does for syncs) or closes it.
 */
import { SendMessageBatchCommand } from "@aws-sdk/client-sqs";
import type { ActivityEvent } from "../activity/schema";
import type { Ctx } from "../context";
import { VisibleError } from "../error";
import { expiresAfterDays } from "../retention";
import { delayRedelivery, retryDelaySeconds } from "../retry";
import { createId } from "../util/id";
import { pool } from "../util/pool";
import { epochSeconds, isoNow } from "../util/time";
import { DeliveryEntity, DigestEntity, SeenEntity, SubscriptionEntity } from "./entities";
import type { AlertMessage, Attempt, Delivery, SubscriptionItem } from "./schema";
import { type SendResult, sendOnce } from "./send";
import { getItem, listItems, signingSecret } from "./subscriptions";

/** Waits after the 1st, 2nd... failed attempt (`ALERT_RETRY_DELAYS_SECONDS`), the last repeating. */
export const DEFAULT_ALERT_RETRY_DELAYS_SECONDS: readonly number[] = [30, 120, 600, 1800, 7200];
/** Attempts of one delivery in all; then it is `failed` (the queue's redrive limit is above it). */
export const DEFAULT_ALERT_MAX_ATTEMPTS = 6;
/** SQS's longest message delay. */
const MAX_DELAY_SECONDS = 900;

export interface HandleOptions {
  /** The received message's handle: a failed attempt makes it visible again after the retry delay. */
  receiptHandle?: string;
  retryDelaysSeconds?: readonly number[];
  maxAttempts?: number;
  random?: () => number;
}

export type HandleOutcome =
  | { kind: "delivered" | "failed" | "skipped"; delivery_id?: string }
  | { kind: "digest_waiting"; due_at: number }
  | { kind: "digest_queued"; delivery_id: string };

/** Thrown when a delivery will be tried again: the message stays on the queue (partial batch failure). */
export class RetryLater extends Error {
  override readonly name = "RetryLater";
  constructor(
    readonly deliveryId: string,
    readonly delaySeconds: number,
  ) {
    super(`delivery ${deliveryId} failed; next attempt in ${delaySeconds} s`);
  }
}

const queueUrlOf = (ctx: Ctx): string => {
  const url = ctx.alerts?.queueUrl;
  if (!url) throw new Error("The alerts queue is not configured (AlertsQueue link)");
  return url;
};

/** Puts messages on the alerts queue, ten per request; throws when SQS refuses one. */
export async function enqueueAlerts(
  ctx: Ctx,
  messages: { body: AlertMessage; delaySeconds?: number }[],
): Promise<void> {
  const queueUrl = queueUrlOf(ctx);
  for (let i = 0; i < messages.length; i += 10) {
    const entries = messages.slice(i, i + 10).map((m, j) => ({
      Id: `m${j}`,
      MessageBody: JSON.stringify(m.body),
      ...(m.delaySeconds ? { DelaySeconds: Math.min(MAX_DELAY_SECONDS, m.delaySeconds) } : {}),
    }));
    const out = await ctx.sqs.send(new SendMessageBatchCommand({ QueueUrl: queueUrl, Entries: entries }));
    if (out.Failed?.length) throw new Error(`SQS refused ${out.Failed.length} alert messages`);
  }
}

/**
 * Whether a subscription wants an event: its kinds and sites (empty lists: all), and only what happened since
 * it was created (a stream replay of older events does not send them to a subscription made since).
 */
export const matches = (sub: SubscriptionItem, event: ActivityEvent): boolean =>
  sub.enabled &&
  event.at >= sub.created_at &&
  (sub.kinds.length === 0 || sub.kinds.includes(event.kind)) &&
  (sub.site_ids.length === 0 || sub.site_ids.includes(event.site_id));

const expiry = (ctx: Ctx) => expiresAfterDays(ctx.now(), ctx.retention.activityDays);

async function newDelivery(
  ctx: Ctx,
  sub: SubscriptionItem,
  kind: Delivery["kind"],
  events: ActivityEvent[],
): Promise<Delivery> {
  const delivery: Delivery = {
    delivery_id: createId("dlv"),
    subscription_id: sub.subscription_id,
    kind,
    status: "pending",
    created_at: isoNow(ctx.now()),
    events,
    attempts: [],
  };
  await DeliveryEntity.create(ctx, [sub.subscription_id, delivery.delivery_id], {
    ...delivery,
    expires_at: expiry(ctx),
  });
  return delivery;
}

const deliverMessage = (d: Delivery): { body: AlertMessage } => ({
  body: { v: 1, type: "deliver", subscription_id: d.subscription_id, delivery_id: d.delivery_id },
});

/** The events of the batch this subscription has not been given yet (a conditional write per event). */
async function firstSightings(ctx: Ctx, sub: SubscriptionItem, events: ActivityEvent[]) {
  const fresh: ActivityEvent[] = [];
  await pool(events, 8, async (event) => {
    if (await SeenEntity.create(ctx, [sub.subscription_id, event.event_id], { expires_at: expiry(ctx) })) {
      fresh.push(event);
    }
  });
  return fresh.sort((a, b) => a.at.localeCompare(b.at));
}

/** At most this many events in one digest: a fuller one goes out at once and a new window opens. */
export const MAX_DIGEST_EVENTS = 200;

/** Adds events to the subscription's digest; the ones that open a window send its (delayed) message. */
async function addToDigest(ctx: Ctx, sub: SubscriptionItem, events: ActivityEvent[]): Promise<void> {
  for (let tries = 0; tries < 5; tries++) {
    const now = epochSeconds(ctx.now());
    const dueAt = now + sub.digest_minutes * 60;
    const added = await DigestEntity.update(ctx, "add", [sub.subscription_id], {
      events,
      dueAt,
      expiresAt: expiry(ctx),
      max: MAX_DIGEST_EVENTS,
    });
    if (!added.applied) {
      await takeDigest(ctx, sub, undefined);
      continue;
    }
    const openDue = added.attributes?.due_at as number | undefined;
    // The events opened the window (or joined one whose message was lost): its message goes out now.
    if (openDue === undefined || openDue + 120 < now) {
      const due = openDue ?? dueAt;
      await enqueueAlerts(ctx, [
        {
          body: { v: 1, type: "digest", subscription_id: sub.subscription_id, due_at: due },
          delaySeconds: Math.max(0, due - now),
        },
      ]);
    }
    return;
  }
  throw new Error(`the digest of ${sub.subscription_id} kept filling while events were added`);
}

/**
 * Takes the digest as it is (the window `dueAt`, or whatever window when undefined) and queues it as one
 * delivery; undefined when there is none to take, or it changed meanwhile.
 */
async function takeDigest(
  ctx: Ctx,
  sub: SubscriptionItem,
  dueAt: number | undefined,
): Promise<{ delivery_id: string } | undefined> {
  const digest = await DigestEntity.get(ctx, [sub.subscription_id]);
  if (!digest || (dueAt !== undefined && digest.due_at !== dueAt)) return undefined;
  const taken = await DigestEntity.remove(ctx, "take", [sub.subscription_id], {
    dueAt: digest.due_at,
    count: digest.events.length,
  });
  if (!taken) return undefined;
  const delivery = await newDelivery(ctx, sub, "digest", digest.events);
  await enqueueAlerts(ctx, [deliverMessage(delivery)]);
  return { delivery_id: delivery.delivery_id };
}

/** Queues what the subscription sends for these (new) events: one delivery each, or into its digest. */
async function route(ctx: Ctx, sub: SubscriptionItem, events: ActivityEvent[]): Promise<void> {
  if (sub.digest_minutes > 0) {
    for (let i = 0; i < events.length; i += MAX_DIGEST_EVENTS / 2) {
      await addToDigest(ctx, sub, events.slice(i, i + MAX_DIGEST_EVENTS / 2));
    }
    return;
  }
  const deliveries: Delivery[] = [];
  for (const event of events) deliveries.push(await newDelivery(ctx, sub, "event", [event]));
  await enqueueAlerts(ctx, deliveries.map(deliverMessage));
}

/**
 * The stream's hook (activity/process.ts `hooks.onEvents`): every subscription gets each matching event
 * once, however often the batch is delivered. A failure throws, so the stream retries the batch; the events
 * of a subscription that failed are forgotten first, so the retry routes them again.
 */
export async function onEvents(ctx: Ctx, events: ActivityEvent[]): Promise<void> {
  if (events.length === 0) return;
  const subs = await listItems(ctx);
  for (const sub of subs) {
    const wanted = events.filter((e) => matches(sub, e));
    if (wanted.length === 0) continue;
    const fresh = await firstSightings(ctx, sub, wanted);
    if (fresh.length === 0) continue;
    try {
      await route(ctx, sub, fresh);
    } catch (error) {
      await pool(fresh, 8, async (e) => {
        await SeenEntity.remove(ctx, "any", [sub.subscription_id, e.event_id], undefined);
      });
      throw error;
    }
  }
}

const attemptOf = (ctx: Ctx, started: number, result: SendResult, outcome: Attempt["outcome"]): Attempt => ({
  at: new Date(started).toISOString(),
  duration_ms: Math.max(0, ctx.now().getTime() - started),
  ...(result.status_code !== undefined ? { status_code: result.status_code } : {}),
  ...(result.ok ? {} : { error: result.error, message: result.message }),
  outcome,
});

/** One attempt at a delivery, logged on it; a retryable failure with attempts left throws `RetryLater`. */
async function attempt(
  ctx: Ctx,
  sub: SubscriptionItem,
  delivery: Delivery,
  opts: HandleOptions & { retry: boolean },
): Promise<HandleOutcome> {
  const started = ctx.now().getTime();
  const result = await sendOnce(ctx, sub, signingSecret(ctx, sub), delivery);
  const number = delivery.attempts.length + 1;
  const max = opts.maxAttempts ?? DEFAULT_ALERT_MAX_ATTEMPTS;
  const retry = opts.retry && !result.ok && result.retryable && number < max;
  const outcome: Attempt["outcome"] = result.ok ? "delivered" : retry ? "retrying" : "failed";
  const delay = retry
    ? retryDelaySeconds(number, {
        delays: opts.retryDelaysSeconds ?? DEFAULT_ALERT_RETRY_DELAYS_SECONDS,
        ...(opts.random ? { random: opts.random } : {}),
      })
    : 0;
  await DeliveryEntity.update(ctx, "attempt", [sub.subscription_id, delivery.delivery_id], {
    attempt: attemptOf(ctx, started, result, outcome),
    status: outcome,
    ...(retry ? { nextAttemptAt: new Date(ctx.now().getTime() + delay * 1000).toISOString() } : {}),
  });
  if (retry) {
    // Should this fail, the message still comes back, after the queue's visibility timeout.
    if (opts.receiptHandle) {
      await delayRedelivery(ctx, opts.receiptHandle, delay, queueUrlOf(ctx)).catch(() => undefined);
    }
    throw new RetryLater(delivery.delivery_id, delay);
  }
  return { kind: outcome === "delivered" ? "delivered" : "failed", delivery_id: delivery.delivery_id };
}

/** A digest message: not due yet → back on the queue; due → its events become one delivery. */
async function handleDigest(
  ctx: Ctx,
  msg: Extract<AlertMessage, { type: "digest" }>,
): Promise<HandleOutcome> {
  for (let tries = 0; tries < 5; tries++) {
    const digest = await DigestEntity.get(ctx, [msg.subscription_id]);
    // Sent already, or another window with its own message.
    if (!digest || digest.due_at !== msg.due_at) return { kind: "skipped" };
    const now = epochSeconds(ctx.now());
    if (digest.due_at > now) {
      await enqueueAlerts(ctx, [{ body: msg, delaySeconds: digest.due_at - now }]);
      return { kind: "digest_waiting", due_at: digest.due_at };
    }
    const sub = await SubscriptionEntity.get(ctx, [msg.subscription_id]);
    if (!sub) {
      await DigestEntity.remove(ctx, "take", [msg.subscription_id], {
        dueAt: digest.due_at,
        count: digest.events.length,
      });
      return { kind: "skipped" };
    }
    const taken = await takeDigest(ctx, sub, msg.due_at);
    if (taken) return { kind: "digest_queued", delivery_id: taken.delivery_id };
  }
  throw new Error(`the digest of ${msg.subscription_id} kept changing while it was taken`);
}

/** A subscription's digest being gathered: how many events, and when it goes out (epoch seconds). */
export async function pendingDigest(
  ctx: Ctx,
  subscriptionId: string,
): Promise<{ due_at: number; events: number } | undefined> {
  const digest = await DigestEntity.get(ctx, [subscriptionId]);
  return digest ? { due_at: digest.due_at, events: digest.events.length } : undefined;
}

/** The alerts queue's consumer, one message. Idempotent: an ended delivery is not sent again. */
export async function handleMessage(
  ctx: Ctx,
  msg: AlertMessage,
  opts: HandleOptions = {},
): Promise<HandleOutcome> {
  if (msg.type === "digest") return handleDigest(ctx, msg);
  const [sub, delivery] = await Promise.all([
    SubscriptionEntity.get(ctx, [msg.subscription_id]),
    DeliveryEntity.get(ctx, [msg.subscription_id, msg.delivery_id]),
  ]);
  if (!sub || !delivery || delivery.status === "delivered" || delivery.status === "failed") {
    return { kind: "skipped", delivery_id: msg.delivery_id };
  }
  return attempt(ctx, sub, delivery, { ...opts, retry: true });
}

/** The test button: a sample event sent to the subscription now, one attempt, logged like any other. */
export async function sendTest(ctx: Ctx, subscriptionId: string): Promise<Delivery> {
  const sub = await getItem(ctx, subscriptionId);
  const now = isoNow(ctx.now());
  const sample: ActivityEvent = {
    event_id: `test_${createId("evt")}`,
    kind: sub.kinds[0] ?? "painting_sold",
    site_id: sub.site_ids[0] ?? "exemple",
    at: now,
    params: { test: true },
    message: {
      fr: `Test de l'alerte « ${sub.name} » : elle fonctionne.`,
      en: `Test of the alert "${sub.name}": it works.`,
    },
  };
  const delivery = await newDelivery(ctx, sub, "test", [sample]);
  await attempt(ctx, sub, delivery, { retry: false });
  const done = await DeliveryEntity.get(ctx, [sub.subscription_id, delivery.delivery_id]);
  if (!done) throw new VisibleError("internal", "delivery_missing", "The test delivery was not stored");
  return done;
}
