/**
 * Alerts (issue 14): an owner subscribes an e-mail address or an HTTPS URL to some activity events; each
 * matching event is delivered once (or grouped in a digest), retried with backoff, every attempt logged.
 */
import * as z from "zod";
import { ActivityEvent, EventKind } from "../activity/schema";

/** Where a subscription sends: an e-mail address (SES) or a URL receiving a signed JSON POST. */
export const Target = z.discriminatedUnion("type", [
  z.object({ type: z.literal("email"), email: z.email().max(254) }),
  z.object({ type: z.literal("url"), url: z.url({ protocol: /^https?$/ }).max(2048) }),
]);
export type Target = z.infer<typeof Target>;

/** At most one digest per this many minutes (a day at most); 0 or absent: each event at once. */
export const DigestMinutes = z.number().int().min(0).max(1440);

export const Lang = z.enum(["fr", "en"]);

export const NewSubscription = z.object({
  name: z.string().trim().min(1).max(100),
  /** Event kinds (empty: every kind). */
  kinds: z.array(EventKind).max(EventKind.options.length).default([]),
  /** Site ids (empty: every site). */
  site_ids: z.array(z.string().min(1).max(64)).max(100).default([]),
  target: Target,
  digest_minutes: DigestMinutes.default(0),
  /** The language of the e-mail (a POST carries both). */
  lang: Lang.default("fr"),
});
export type NewSubscription = z.input<typeof NewSubscription>;

export const SubscriptionPatch = NewSubscription.pick({
  name: true,
  kinds: true,
  site_ids: true,
  digest_minutes: true,
  lang: true,
})
  .partial()
  .extend({ enabled: z.boolean().optional() });
export type SubscriptionPatch = z.infer<typeof SubscriptionPatch>;

export const Subscription = z.object({
  subscription_id: z.string(),
  name: z.string(),
  kinds: z.array(EventKind),
  site_ids: z.array(z.string()),
  target: Target,
  digest_minutes: z.number().int(),
  lang: Lang,
  enabled: z.boolean(),
  created_at: z.string(),
  updated_at: z.string(),
  /** The last 4 characters of the signing secret (URL targets), to tell secrets apart. */
  secret_last4: z.string().optional(),
});
export type Subscription = z.infer<typeof Subscription>;

/** The stored item: the subscription and its sealed signing secret (never returned). */
export const SubscriptionItem = Subscription.extend({ secret_sealed: z.string().optional() });
export type SubscriptionItem = z.infer<typeof SubscriptionItem>;

/** The answer to a creation: the signing secret, shown this once. */
export const SubscriptionCreated = z.object({
  subscription: Subscription,
  secret: z.string().optional(),
});
export type SubscriptionCreated = z.infer<typeof SubscriptionCreated>;

/** One try of a delivery: when, how long, and the answer (HTTP status) or the error. */
export const Attempt = z.object({
  at: z.string(),
  duration_ms: z.number().int(),
  status_code: z.number().int().optional(),
  /** A stable code: `timeout`, `network`, `http_error`, `not_allowed`, `email_failed`... */
  error: z.string().optional(),
  message: z.string().optional(),
  outcome: z.enum(["delivered", "retrying", "failed"]),
});
export type Attempt = z.infer<typeof Attempt>;

export const DeliveryStatus = z.enum(["pending", "retrying", "delivered", "failed"]);

export const Delivery = z.object({
  delivery_id: z.string(),
  subscription_id: z.string(),
  /** `event`: one event; `digest`: a window's events; `test`: the test button's sample. */
  kind: z.enum(["event", "digest", "test"]),
  status: DeliveryStatus,
  created_at: z.string(),
  events: z.array(ActivityEvent),
  attempts: z.array(Attempt).default([]),
  next_attempt_at: z.string().optional(),
});
export type Delivery = z.infer<typeof Delivery>;

/** An e-mail in the local outbox (never sent: `npm start` and tests). */
export const OutboxMessage = z.object({
  message_id: z.string(),
  at: z.string(),
  from: z.string(),
  to: z.string(),
  subject: z.string(),
  text: z.string(),
  subscription_id: z.string(),
  delivery_id: z.string(),
});
export type OutboxMessage = z.infer<typeof OutboxMessage>;

/** The alerts queue's message: deliver one delivery, or look at a subscription's pending digest. */
export const AlertMessage = z.discriminatedUnion("type", [
  z.object({
    v: z.literal(1),
    type: z.literal("deliver"),
    subscription_id: z.string(),
    delivery_id: z.string(),
  }),
  z.object({
    v: z.literal(1),
    type: z.literal("digest"),
    subscription_id: z.string(),
    /** When the digest is due (epoch seconds); the message comes back until then (SQS delays are ≤ 15 min). */
    due_at: z.number().int(),
  }),
]);
export type AlertMessage = z.infer<typeof AlertMessage>;

/** The JSON body a URL target receives (signed: `X-Dashboard-Signature`). */
export const AlertPayload = z.object({
  type: z.literal("dashboard.alert"),
  subscription_id: z.string(),
  delivery_id: z.string(),
  kind: z.enum(["event", "digest", "test"]),
  sent_at: z.string(),
  events: z.array(ActivityEvent),
});
export type AlertPayload = z.infer<typeof AlertPayload>;
