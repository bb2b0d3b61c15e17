/**
 * The signed Template webhook (API-CONTRACT.md "Webhook signature"; docs/webhooks.md): its own app and
 * Lambda, public but signed. The body is read raw, because the signature covers its exact bytes, and its
 * size is checked before anything else is done with it.
 */
import type { Ctx } from "@dashboard/core/context";
import { Entity } from "@dashboard/core/entity";
import * as Webhook from "@dashboard/core/webhook";
import { createRoute, z } from "@hono/zod-openapi";
import { Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import { errorHandler, noStore, notFoundHandler, payloadTooLarge } from "./errors";
import { type HttpLogger, type RequestIdVariables, requestIdOf, requestLogging } from "./logging";
import { json, named, publicErrors } from "./openapi";

export const WEBHOOK_PATH = "/api/sync/webhook/template";

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

export interface WebhookDeps {
  ctx: Ctx;
  logger: HttpLogger;
  /** Minimum interval between webhook-triggered syncs of a site (default `Webhook.MIN_SYNC_INTERVAL_SECONDS`). */
  minIntervalSeconds?: number;
}

export function createWebhookApp(deps: WebhookDeps): Hono<{ Variables: RequestIdVariables }> {
  const app = new Hono<{ Variables: RequestIdVariables }>();
  app.use("*", requestLogging(deps.logger));
  app.use("*", noStore);
  app.post(
    WEBHOOK_PATH,
    bodyLimit({ maxSize: Webhook.MAX_BODY_BYTES, onError: payloadTooLarge(Webhook.MAX_BODY_BYTES) }),
    async (c) => {
      const raw = await c.req.text();
      const result = await Webhook.receive(deps.ctx, raw, c.req.header(Webhook.SIGNATURE_HEADER), {
        ...(deps.minIntervalSeconds !== undefined ? { minIntervalSeconds: deps.minIntervalSeconds } : {}),
      });
      const body: WebhookAccepted = {
        accepted: true,
        entities: result.entities,
        ...(result.run_id ? { run_id: result.run_id } : {}),
        ...(result.joined_run_id ? { joined_run_id: result.joined_run_id } : {}),
        ...(result.duplicate ? { duplicate: true } : {}),
        ...(result.coalesced?.length ? { coalesced: result.coalesced } : {}),
        ...(result.delayed_seconds ? { delayed_seconds: result.delayed_seconds } : {}),
      };
      deps.logger.info("webhook accepted", {
        request_id: requestIdOf(c),
        entities: body.entities,
        run_id: body.run_id,
        duplicate: body.duplicate ?? false,
        delayed_seconds: body.delayed_seconds,
      });
      return c.json(body, 202);
    },
  );
  app.onError(errorHandler(deps.logger));
  app.notFound(notFoundHandler);
  return app;
}
