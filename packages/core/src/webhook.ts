/**
 * The signed webhook a Template calls when its data changes (API-CONTRACT.md "Webhook signature";
 * docs/webhooks.md tells Template maintainers how to send it).
 *
 *   X-Template-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(webhook_secret, "<t>.<raw body>")>
 *
 * Several `v1=` may be present (during a rotation both secrets work for 24 h). A stale timestamp, a bad
 * signature and an unknown site all get the same 401, so a caller learns nothing about which sites exist.
 */
import { createHmac, timingSafeEqual } from "node:crypto";
import { PutCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import * as z from "zod";
import type { Ctx } from "./context";
import { ALL_ENTITIES, type Entity } from "./entity";
import { VisibleError } from "./error";
import * as SiteStore from "./site";
import { Keys } from "./store/keys";
import { type Started, start } from "./sync";
import { epochSeconds } from "./util/time";

export const SIGNATURE_HEADER = "x-template-signature";
export const TOLERANCE_SECONDS = 300;
export const MAX_BODY_BYTES = 64 * 1024;
/** Accepted events per site per minute; more get 429. */
export const RATE_LIMIT_PER_MINUTE = 120;
/** How long an `event_id` is remembered. */
const EVENT_TTL_SECONDS = 48 * 3600;

export const WebhookEvent = z.string().regex(/^[a-z_]{1,64}$/, "lowercase words joined by _");

export const WebhookBody = z.object({
  event: WebhookEvent,
  site_id: z.string().min(1).max(64),
  event_id: z.string().min(1).max(128).optional(),
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

/** `t=...,v1=...,v1=...` → the timestamp and every v1 signature. */
export function parseSignature(header: string | undefined): { t: number; v1: string[] } | undefined {
  if (!header || header.length > 2048) return undefined;
  let t: number | undefined;
  const v1: string[] = [];
  for (const part of header.split(",")) {
    const [k, v] = part.trim().split("=", 2);
    if (k === "t" && v && /^\d{1,12}$/.test(v)) t = Number(v);
    else if (k === "v1" && v && /^[0-9a-f]{64}$/i.test(v)) v1.push(v.toLowerCase());
  }
  return t === undefined || v1.length === 0 ? undefined : { t, v1 };
}

export const sign = (secret: string, timestamp: number, rawBody: string): string =>
  createHmac("sha256", secret).update(`${timestamp}.${rawBody}`).digest("hex");

/** The header a Template sends; used by tests, the local demo and docs/webhooks.md. */
export const signatureHeader = (secret: string, rawBody: string, now = new Date()): string => {
  const t = epochSeconds(now);
  return `t=${t},v1=${sign(secret, t, rawBody)}`;
};

/** True when one of the signatures matches one of the secrets, within the tolerance. */
export function verify(secrets: string[], header: string | undefined, rawBody: string, now: Date): boolean {
  const parsed = parseSignature(header);
  if (!parsed) return false;
  if (Math.abs(epochSeconds(now) - parsed.t) > TOLERANCE_SECONDS) return false;
  let ok = false;
  for (const secret of secrets) {
    const expected = Buffer.from(sign(secret, parsed.t, rawBody), "hex");
    for (const candidate of parsed.v1) {
      // Every comparison runs, so timing does not tell which secret or signature matched.
      if (timingSafeEqual(expected, Buffer.from(candidate, "hex"))) ok = true;
    }
  }
  return ok;
}

export interface WebhookResult {
  accepted: true;
  entities: Entity[];
  duplicate?: boolean;
  run_id?: string;
  coalesced?: Entity[];
  /** True when the site's run in progress (`run_id`) was joined instead of starting another. */
  joined?: boolean;
}

/**
 * Verifies, deduplicates and starts the sync a webhook asks for. `rawBody` is the body exactly as
 * received (the signature covers its bytes).
 */
export async function receive(
  ctx: Ctx,
  rawBody: string,
  signature: string | undefined,
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
  const secrets = await SiteStore.webhookSecrets(ctx, siteId.data.site_id);
  if (secrets.length === 0 || !verify(secrets, signature, rawBody, ctx.now())) throw unauthorized();

  const body = WebhookBody.safeParse(json);
  if (!body.success) {
    throw new VisibleError(
      "invalid_request",
      "invalid_body",
      "The webhook body must be {event, site_id, event_id?}",
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
  if (event_id && !(await firstSighting(ctx, site_id, event_id))) {
    return { accepted: true, entities, duplicate: true };
  }
  const site = await SiteStore.get(ctx, site_id);
  if (!site.enabled) return { accepted: true, entities: [], coalesced: entities };
  const started: Started = await start(ctx, {
    siteId: site_id,
    trigger: "webhook",
    entities,
    coalesce: true,
  });
  return {
    accepted: true,
    entities,
    ...(started.run ? { run_id: started.run.run_id } : {}),
    ...(started.joined ? { run_id: started.joined, joined: true } : {}),
    ...(started.coalesced.length ? { coalesced: started.coalesced } : {}),
  };
}

async function firstSighting(ctx: Ctx, siteId: string, eventId: string): Promise<boolean> {
  try {
    await ctx.db.send(
      new PutCommand({
        TableName: ctx.table,
        Item: {
          ...Keys.webhookEvent(siteId, eventId),
          type: "webhook_event",
          expires_at: epochSeconds(ctx.now()) + EVENT_TTL_SECONDS,
        },
        ConditionExpression: "attribute_not_exists(pk)",
      }),
    );
    return true;
  } catch (e) {
    if ((e as Error).name === "ConditionalCheckFailedException") return false;
    throw e;
  }
}

async function rateLimit(ctx: Ctx, siteId: string): Promise<void> {
  const minute = Math.floor(epochSeconds(ctx.now()) / 60);
  try {
    await ctx.db.send(
      new UpdateCommand({
        TableName: ctx.table,
        Key: Keys.webhookRate(siteId, minute),
        UpdateExpression: "ADD hits :one SET expires_at = :exp, #type = :type",
        ConditionExpression: "attribute_not_exists(hits) OR hits < :max",
        ExpressionAttributeNames: { "#type": "type" },
        ExpressionAttributeValues: {
          ":one": 1,
          ":max": RATE_LIMIT_PER_MINUTE,
          ":exp": (minute + 2) * 60,
          ":type": "rate",
        },
      }),
    );
  } catch (e) {
    if ((e as Error).name === "ConditionalCheckFailedException") {
      throw new VisibleError(
        "rate_limited",
        "rate_limited",
        `More than ${RATE_LIMIT_PER_MINUTE} webhooks a minute for this site`,
      );
    }
    throw e;
  }
}
