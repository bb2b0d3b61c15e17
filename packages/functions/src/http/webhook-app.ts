/**
 * The signed Template webhook (API-CONTRACT.md "Webhook signature"; docs/webhooks.md): its own app and
 * Lambda, public but signed. The body is read raw, because the signature covers its exact bytes, and its
 * size is checked before anything else is done with it. Its OpenAPI description (webhook-route.ts) is the
 * admin API's, which documents all of /api: this app's Lambda does not load it.
 */
import type { Ctx } from "@dashboard/core/context";
import * as Webhook from "@dashboard/core/webhook";
import { Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import { errorHandler, noStore, notFoundHandler, payloadTooLarge } from "./errors";
import { type HttpLogger, type RequestIdVariables, requestIdOf, requestLogging } from "./logging";
import type { WebhookAccepted } from "./webhook-route";

export const WEBHOOK_PATH = "/api/sync/webhook/template";

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
