/** The alerts' items (store/entity.ts): subscriptions, deliveries, seen events, pending digests, outbox. */
import * as z from "zod";
import { ActivityEvent } from "../activity/schema";
import { defineEntity } from "../store/entity";
import { Keys } from "../store/keys";
import { type Attempt, Delivery, OutboxMessage, SubscriptionItem, type SubscriptionPatch } from "./schema";

export const SubscriptionEntity = defineEntity({
  type: "alert_subscription",
  schema: SubscriptionItem,
  key: (subscriptionId: string) => Keys.alertSubscription(subscriptionId),
  updates: {
    /** The fields given, on a subscription that exists. */
    edit: (p: { patch: SubscriptionPatch; now: string }) => {
      const names: Record<string, string> = {};
      const values: Record<string, unknown> = { ":now": p.now };
      const sets = ["updated_at = :now"];
      for (const [field, value] of Object.entries(p.patch)) {
        if (value === undefined) continue;
        names[`#${field}`] = field;
        values[`:${field}`] = value;
        sets.push(`#${field} = :${field}`);
      }
      return {
        update: `SET ${sets.join(", ")}`,
        condition: "attribute_exists(pk)",
        ...(Object.keys(names).length ? { names } : {}),
        values,
        returnValues: "ALL_NEW" as const,
      };
    },
  },
  deletes: { existing: () => ({ condition: "attribute_exists(pk)" }) },
});

const STATUS = { "#status": "status" };

export const DeliveryEntity = defineEntity({
  type: "alert_delivery",
  schema: Delivery,
  key: (subscriptionId: string, deliveryId: string) => Keys.alertDelivery(subscriptionId, deliveryId),
  updates: {
    /** One more attempt and the status it leaves; refused once the delivery has ended. */
    attempt: (p: { attempt: Attempt; status: Delivery["status"]; nextAttemptAt?: string }) => ({
      update: `SET attempts = list_append(if_not_exists(attempts, :none), :a), #status = :status${
        p.nextAttemptAt ? ", next_attempt_at = :next" : " REMOVE next_attempt_at"
      }`,
      condition: "attribute_exists(pk) AND #status IN (:pending, :retrying)",
      names: STATUS,
      values: {
        ":none": [],
        ":a": [p.attempt],
        ":status": p.status,
        ":pending": "pending",
        ":retrying": "retrying",
        ...(p.nextAttemptAt ? { ":next": p.nextAttemptAt } : {}),
      },
    }),
  },
});

/** An event already matched to a subscription (the conditional create is the deduplication). */
export const SeenEntity = defineEntity({
  type: "alert_seen",
  schema: z.looseObject({}),
  key: (subscriptionId: string, eventId: string) => Keys.alertSeen(subscriptionId, eventId),
  deletes: { any: () => ({ condition: "attribute_exists(pk)" }) },
});

export const DigestItem = z.object({ due_at: z.number().int(), events: z.array(ActivityEvent) });

/** A subscription's digest being gathered: its events and when it is due. */
export const DigestEntity = defineEntity({
  type: "alert_digest",
  schema: DigestItem,
  key: (subscriptionId: string) => Keys.alertDigest(subscriptionId),
  updates: {
    /** Adds events; the first ones open the window (`due_at`). The old item says whether it was open. */
    add: (p: { events: ActivityEvent[]; dueAt: number; expiresAt: number; max: number }) => ({
      update:
        "SET events = list_append(if_not_exists(events, :none), :e), due_at = if_not_exists(due_at, :due), expires_at = :exp, #type = :type",
      // A full digest is sent as it is before more events join (the item and the POST stay small).
      condition: "attribute_not_exists(events) OR size(events) <= :room",
      names: { "#type": "type" },
      values: {
        ":none": [],
        ":e": p.events,
        ":due": p.dueAt,
        ":exp": p.expiresAt,
        ":type": "alert_digest",
        ":room": p.max - p.events.length,
      },
      returnValues: "ALL_OLD" as const,
    }),
  },
  deletes: {
    /** Taken for sending: only as it was read (an event added meanwhile keeps it for the next read). */
    take: (p: { dueAt: number; count: number }) => ({
      condition: "due_at = :due AND size(events) = :n",
      values: { ":due": p.dueAt, ":n": p.count },
    }),
  },
});

export const OutboxEntity = defineEntity({
  type: "alert_outbox",
  schema: OutboxMessage,
  key: (at: string, id: string) => Keys.alertOutbox(at, id),
});
