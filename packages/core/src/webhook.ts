/**
 * The signed webhook a Template calls when its data changes (API-CONTRACT.md "Webhook signature";
 * docs/webhooks.md tells Template maintainers how to send it).
 *
 *   X-Template-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(webhook_secret, "<t>.<raw body>")>
 *
 * Several `v1=` may be present (during a rotation both secrets work for 24 h). A stale timestamp, a bad
 * signature and an unknown site all get the same 401 after the same work (one read, one HMAC per secret
 * tried), so a caller learns nothing about which sites exist, not even from the time the answer takes.
 *
 * Replays: `event_id` is required and remembered for 48 h, and a signature is only good for 300 s, so the
 * same signed call sent again is accepted once. Bursts: webhook-triggered syncs of a site start at most once
 * per `minIntervalSeconds`; an event inside the interval queues its sync to start when the interval ends
 * (SQS delay), and every later event of the burst for the same entities folds into that waiting sync.
 */
import { randomBytes } from "node:crypto";
import * as z from "zod";
import type { Ctx } from "./context";
import { ALL_ENTITIES, type Entity } from "./entity";
import { VisibleError } from "./error";
import { verify } from "./signature";
import * as SiteStore from "./site";
import { defineEntity } from "./store/entity";
import { Keys } from "./store/keys";
import { type Started, start } from "./sync";
import { epochSeconds } from "./util/time";

/** The signature scheme, shared with the alerts the Dashboard sends (signature.ts). */
export { parseSignature, sign, signatureHeader, TOLERANCE_SECONDS, verify } from "./signature";

export const SIGNATURE_HEADER = "x-template-signature";
export const MAX_BODY_BYTES = 64 * 1024;
/** Accepted events per site per minute; more get 429. */
export const RATE_LIMIT_PER_MINUTE = 120;
/** How long an `event_id` is remembered. */
const EVENT_TTL_SECONDS = 48 * 3600;
/** Webhook-triggered syncs of one site start at most once per this many seconds (SQS delays up to 900). */
export const MIN_SYNC_INTERVAL_SECONDS = 30;

/** Checked against when the site is unknown, so that case costs one HMAC like a known site's. */
const DECOY_SECRET = `whsec_${randomBytes(32).toString("base64url")}`;

export const WebhookEvent = z.string().regex(/^[a-z_]{1,64}$/, "lowercase words joined by _");

export const WebhookBody = z.object({
  event: WebhookEvent,
  site_id: z.string().min(1).max(64),
  event_id: z.string().min(1).max(128),
});
export type WebhookBody = z.infer<typeof WebhookBody>;

/** Which entities an event refreshes (API-CONTRACT.md). */
export function entitiesFor(event: string): Entity[] | undefined {
  if (event === "sync_requested") return [...ALL_ENTITIES];
  if (event === "settings_updated") return ["settings"];
  if (event.startsWith("painting_")) return ["paintings", "stats"];
  if (event.startsWith("order_")) return ["orders", "paintings", "stats"];
  if (event.startsWith("user_")) return ["users"];
  if (event.startsWith("exhibition_")) return ["exhibitions"];
  return undefined;
}

const unauthorized = () =>
  new VisibleError("unauthorized", "invalid_signature", "Missing, invalid or expired X-Template-Signature");

export interface WebhookResult {
  accepted: true;
  entities: Entity[];
  duplicate?: boolean;
  run_id?: string;
  coalesced?: Entity[];
  /** The site's run in progress that this event joined (for the entities it covers). */
  joined_run_id?: string;
  /** The sync waits this long: another webhook-triggered sync of the site started less than the interval ago. */
  delayed_seconds?: number;
}

export interface ReceiveOptions {
  /** Minimum interval between webhook-triggered sync starts of one site (0 turns it off). */
  minIntervalSeconds?: number;
}

/**
 * Verifies, deduplicates and starts the sync a webhook asks for. `rawBody` is the body exactly as
 * received (the signature covers its bytes).
 */
export async function receive(
  ctx: Ctx,
  rawBody: string,
  signature: string | undefined,
  opts: ReceiveOptions = {},
): Promise<WebhookResult> {
  if (Buffer.byteLength(rawBody) > MAX_BODY_BYTES) {
    throw new VisibleError(
      "payload_too_large",
      "payload_too_large",
      `The webhook body is over ${MAX_BODY_BYTES} bytes`,
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(rawBody);
  } catch {
    throw new VisibleError("invalid_request", "invalid_json", "The webhook body is not JSON");
  }
  // Only the site id is read before the signature is checked: it says which secret to check with.
  const siteId = z.object({ site_id: z.string().min(1).max(64) }).safeParse(json);
  if (!siteId.success) throw new VisibleError("invalid_request", "invalid_body", "site_id is required");
  // The one read of the site: its secrets verify the signature, the site itself starts the sync.
  const { site, secrets } = await SiteStore.getWithWebhookSecrets(ctx, siteId.data.site_id);
  const verified = verify(secrets.length > 0 ? secrets : [DECOY_SECRET], signature, rawBody, ctx.now());
  if (!site || secrets.length === 0 || !verified) throw unauthorized();

  const body = WebhookBody.safeParse(json);
  if (!body.success) {
    throw new VisibleError(
      "invalid_request",
      "invalid_body",
      "The webhook body must be {event, site_id, event_id}: event_id (a unique id of the event, e.g. a UUID) is required",
      {
        issues: body.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`),
      },
    );
  }
  const { event, site_id, event_id } = body.data;
  const entities = entitiesFor(event);
  if (!entities) {
    throw new VisibleError("invalid_request", "unknown_event", `Unknown event "${event}"`, {
      known: ["painting_*", "order_*", "user_*", "exhibition_*", "settings_updated", "sync_requested"],
    });
  }
  await rateLimit(ctx, site_id);
  if (!(await firstSighting(ctx, site_id, event_id))) {
    return { accepted: true, entities, duplicate: true };
  }
  if (!site.enabled) return { accepted: true, entities: [], coalesced: entities };
  const interval = opts.minIntervalSeconds ?? MIN_SYNC_INTERVAL_SECONDS;
  const slot = interval > 0 ? await nextSlot(ctx, site_id, interval) : { delay: 0 };
  const started: Started = await start(
    ctx,
    {
      siteId: site_id,
      trigger: "webhook",
      entities,
      coalesce: true,
      ...(slot.delay > 0 ? { delaySeconds: slot.delay } : {}),
    },
    site,
  );
  // A sync queued for the end of the interval counts as that interval's start: the next one waits after it.
  if (started.run && slot.startsAt !== undefined) await pushSlot(ctx, site_id, slot.startsAt, interval);
  return {
    accepted: true,
    entities,
    ...(started.run ? { run_id: started.run.run_id } : {}),
    ...(started.joined ? { joined_run_id: started.joined } : {}),
    ...(started.coalesced.length ? { coalesced: started.coalesced } : {}),
    ...(started.run && slot.delay > 0 ? { delayed_seconds: slot.delay } : {}),
  };
}

/** When the next webhook-triggered sync of a site may start (epoch seconds), kept an hour past it. */
const WebhookSlot = defineEntity({
  type: "webhook_slot",
  schema: z.looseObject({ next_at: z.number().optional() }),
  key: (siteId: string) => Keys.webhookSlot(siteId),
  updates: {
    /** The slot is free (never taken, or its time has come): the next one is `interval` from now. */
    take: (p: { now: number; interval: number }) => ({
      update: "SET next_at = :next, expires_at = :exp, #type = :type",
      condition: "attribute_not_exists(next_at) OR next_at <= :now",
      names: { "#type": "type" },
      values: {
        ":now": p.now,
        ":next": p.now + p.interval,
        ":exp": p.now + p.interval + 3600,
        ":type": "webhook_slot",
      },
    }),
    /** The sync waiting for `was` holds it: the next one moves one interval further. */
    push: (p: { was: number; interval: number }) => ({
      update: "SET next_at = :next, expires_at = :exp",
      condition: "next_at = :was",
      values: { ":was": p.was, ":next": p.was + p.interval, ":exp": p.was + p.interval + 3600 },
    }),
  },
});

/** A webhook `event_id` already accepted (replay protection), kept `EVENT_TTL_SECONDS`. */
const AcceptedEvent = defineEntity({
  type: "webhook_event",
  schema: z.looseObject({}),
  key: (siteId: string, eventId: string) => Keys.webhookEvent(siteId, eventId),
});

/** Webhooks received in one minute of a site; refused past `RATE_LIMIT_PER_MINUTE`. */
const WebhookRate = defineEntity({
  type: "rate",
  schema: z.looseObject({}),
  key: (siteId: string, minute: number) => Keys.webhookRate(siteId, minute),
  updates: {
    count: (p: { minute: number }) => ({
      update: "ADD hits :one SET expires_at = :exp, #type = :type",
      condition: "attribute_not_exists(hits) OR hits < :max",
      names: { "#type": "type" },
      values: { ":one": 1, ":max": RATE_LIMIT_PER_MINUTE, ":exp": (p.minute + 2) * 60, ":type": "rate" },
    }),
  },
});

/**
 * When a webhook-triggered sync of the site may start: now (and the next one not before `interval`
 * seconds), or at `startsAt`, the end of the interval of the last one, `delay` seconds from now.
 */
async function nextSlot(
  ctx: Ctx,
  siteId: string,
  interval: number,
): Promise<{ delay: number; startsAt?: number }> {
  const now = epochSeconds(ctx.now());
  if ((await WebhookSlot.update(ctx, "take", [siteId], { now, interval })).applied) return { delay: 0 };
  const slot = await WebhookSlot.get(ctx, [siteId]);
  const nextAt = Number(slot?.next_at ?? now);
  const delay = Math.min(900, Math.max(0, nextAt - now));
  return delay > 0 ? { delay, startsAt: nextAt } : { delay: 0 };
}

async function pushSlot(ctx: Ctx, siteId: string, startsAt: number, interval: number): Promise<void> {
  await WebhookSlot.update(ctx, "push", [siteId], { was: startsAt, interval });
}

const firstSighting = (ctx: Ctx, siteId: string, eventId: string): Promise<boolean> =>
  AcceptedEvent.create(ctx, [siteId, eventId], { expires_at: epochSeconds(ctx.now()) + EVENT_TTL_SECONDS });

async function rateLimit(ctx: Ctx, siteId: string): Promise<void> {
  const minute = Math.floor(epochSeconds(ctx.now()) / 60);
  if (!(await WebhookRate.update(ctx, "count", [siteId, minute], { minute })).applied) {
    throw new VisibleError(
      "rate_limited",
      "rate_limited",
      `More than ${RATE_LIMIT_PER_MINUTE} webhooks a minute for this site`,
    );
  }
}
