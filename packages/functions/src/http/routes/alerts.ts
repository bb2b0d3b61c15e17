/**
 * Alerts (docs/api.md "Alerts", docs/alerts.md): an owner's subscriptions to activity events, their
 * deliveries with every attempt, the test button, and the local outbox. Every change is audited.
 */
import { Alerts } from "@dashboard/core/alerts";
import type { Ctx } from "@dashboard/core/context";
import { z } from "@hono/zod-openapi";
import { type ApiApp, errors, json, named, routesOf } from "../openapi";
import { Paging, page } from "../schemas";

const route = routesOf("Alerts");

const Subscription = named(Alerts.Subscription, "AlertSubscription");
const NewSubscription = named(Alerts.NewSubscription, "NewAlertSubscription");
const SubscriptionPatch = named(Alerts.SubscriptionPatch, "AlertSubscriptionPatch");
const SubscriptionCreated = named(
  Alerts.SubscriptionCreated.extend({
    secret: z.string().optional().describe("URL targets: the signing secret, shown this once"),
  }),
  "AlertSubscriptionCreated",
);
const Delivery = named(Alerts.Delivery, "AlertDelivery");
const OutboxMessage = named(Alerts.OutboxMessage, "AlertOutboxMessage");
const SubscriptionList = z.object({ items: z.array(Subscription) });
const SubscriptionParams = z.object({
  subscription_id: z
    .string()
    .min(1)
    .max(64)
    .openapi({ param: { name: "subscription_id", in: "path" } }),
});

export const listSubscriptionsRoute = route({ role: "owner" }, "GET /api/alerts/subscriptions", {
  summary: "Every alert subscription",
  responses: { 200: json(SubscriptionList, "The subscriptions, never their secrets"), ...errors() },
});

export const createSubscriptionRoute = route(
  { role: "owner", audit: "alert.subscription_created" },
  "POST /api/alerts/subscriptions",
  {
    summary: "Subscribe an e-mail address or a URL to activity events",
    description:
      "Empty `kinds` or `site_ids`: every kind, every site. A URL target receives a JSON POST signed like the inbound webhook (`X-Dashboard-Signature: t=…,v1=…`); its secret is in this answer only. In production the URL must be https and public; locally http to a loopback address is allowed. `digest_minutes` > 0: at most one message per that many minutes, listing what happened.",
    request: { body: { required: true, ...json(NewSubscription, "The subscription") } },
    responses: { 201: json(SubscriptionCreated, "Created"), ...errors(400, 413) },
  },
);

export const getSubscriptionRoute = route(
  { role: "owner" },
  "GET /api/alerts/subscriptions/{subscription_id}",
  {
    summary: "One alert subscription",
    request: { params: SubscriptionParams },
    responses: { 200: json(Subscription, "The subscription"), ...errors(404) },
  },
);

export const updateSubscriptionRoute = route(
  { role: "owner", audit: "alert.subscription_updated" },
  "PATCH /api/alerts/subscriptions/{subscription_id}",
  {
    summary: "Change a subscription's name, kinds, sites, digest, language or enabled flag",
    request: {
      params: SubscriptionParams,
      body: { required: true, ...json(SubscriptionPatch, "The fields") },
    },
    responses: { 200: json(Subscription, "The subscription, updated"), ...errors(400, 404, 413) },
  },
);

export const deleteSubscriptionRoute = route(
  { role: "owner", audit: "alert.subscription_deleted" },
  "DELETE /api/alerts/subscriptions/{subscription_id}",
  {
    summary: "Delete a subscription (its delivery log expires with the activity retention)",
    request: { params: SubscriptionParams },
    responses: { 204: { description: "Deleted" }, ...errors(404) },
  },
);

export const testSubscriptionRoute = route(
  { role: "owner", audit: "alert.test_sent" },
  "POST /api/alerts/subscriptions/{subscription_id}/test",
  {
    summary: "Send a sample event to the subscription's target now",
    description:
      "One attempt, not retried; the answer is the delivery with that attempt (status code or error).",
    request: { params: SubscriptionParams },
    responses: { 200: json(Delivery, "The test delivery"), ...errors(404) },
  },
);

export const listDeliveriesRoute = route(
  { role: "owner" },
  "GET /api/alerts/subscriptions/{subscription_id}/deliveries",
  {
    summary: "A subscription's deliveries, newest first, each with every attempt",
    request: { params: SubscriptionParams, query: Paging },
    responses: { 200: json(page(Delivery), "A page of deliveries"), ...errors(400, 404) },
  },
);

export const outboxRoute = route({ role: "owner" }, "GET /api/alerts/outbox", {
  summary: "The e-mails alerts would have sent (local runtime only)",
  description:
    "Outside production e-mails are not sent: they land here and in `DATA_DIR/outbox`. 404 in production.",
  request: { query: Paging },
  responses: { 200: json(page(OutboxMessage), "A page of e-mails"), ...errors(400, 404) },
});

export function registerAlertRoutes(app: ApiApp, ctx: Ctx): void {
  app.openapi(listSubscriptionsRoute, async (c) => c.json({ items: await Alerts.list(ctx) }, 200));
  app.openapi(createSubscriptionRoute, async (c) => {
    const created = await Alerts.create(ctx, c.req.valid("json"));
    c.set("auditTarget", { type: "alert_subscription", id: created.subscription.subscription_id });
    return c.json(created, 201);
  });
  app.openapi(getSubscriptionRoute, async (c) =>
    c.json(await Alerts.get(ctx, c.req.valid("param").subscription_id), 200),
  );
  app.openapi(updateSubscriptionRoute, async (c) =>
    c.json(await Alerts.update(ctx, c.req.valid("param").subscription_id, c.req.valid("json")), 200),
  );
  app.openapi(deleteSubscriptionRoute, async (c) => {
    await Alerts.remove(ctx, c.req.valid("param").subscription_id);
    return c.body(null, 204);
  });
  app.openapi(testSubscriptionRoute, async (c) =>
    c.json(await Alerts.sendTest(ctx, c.req.valid("param").subscription_id), 200),
  );
  app.openapi(listDeliveriesRoute, async (c) =>
    c.json(await Alerts.listDeliveries(ctx, c.req.valid("param").subscription_id, c.req.valid("query")), 200),
  );
  app.openapi(outboxRoute, async (c) => c.json(await Alerts.listOutbox(ctx, c.req.valid("query")), 200));
}
