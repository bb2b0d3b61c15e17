/**
 * The webhook's answer and its OpenAPI description. The webhook is served by its own app and Lambda
 * (webhook-app.ts); the admin API lists it in its document, which covers all of /api. Kept apart from the
 * webhook's app so that its Lambda does not build OpenAPI schemas it never serves.
 */
import { Entity } from "@dashboard/core/entity";
import * as Webhook from "@dashboard/core/webhook";
import { createRoute, z } from "@hono/zod-openapi";
import { json, named, publicErrors } from "./openapi";
import { WEBHOOK_PATH } from "./webhook-app";

export const WebhookAccepted = z
  .object({
    accepted: z.literal(true),
    entities: z.array(Entity).openapi({ description: "The entities the event refreshes" }),
    run_id: z.string().optional().openapi({ description: "The run started, when one was" }),
    joined_run_id: z.string().optional().openapi({
      description: "The site's run in progress this event joined (no second run for what it covers)",
    }),
    duplicate: z.boolean().optional().openapi({ description: "This event_id was already accepted: ignored" }),
    coalesced: z
      .array(Entity)
      .optional()
      .openapi({ description: "Entities already queued by an earlier event, not queued again" }),
    delayed_seconds: z.number().int().optional().openapi({
      description:
        "The run waits this long: a webhook-triggered sync of the site started less than the minimum interval ago",
    }),
  })
  .openapi("WebhookAccepted");
export type WebhookAccepted = z.infer<typeof WebhookAccepted>;

/** For the OpenAPI document only: the handler reads the raw body itself. */
export const webhookRoute = createRoute({
  method: "post",
  path: WEBHOOK_PATH,
  tags: ["Sync"],
  summary: "Signed webhook a Template calls when its data changes",
  description:
    'Signed with the site\'s webhook secret: `X-Template-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>`. See docs/webhooks.md.',
  request: {
    headers: z.object({
      [Webhook.SIGNATURE_HEADER]: z.string().openapi({ example: "t=1735689600,v1=5257a869e7..." }),
    }),
    body: { required: true, ...json(named(Webhook.WebhookBody, "WebhookEvent"), "The event") },
  },
  responses: {
    202: json(
      WebhookAccepted,
      "Accepted (also for a repeated event_id, which is ignored; and within a burst, folded or delayed)",
    ),
    ...publicErrors(400, 401, 413, 429),
  },
});
