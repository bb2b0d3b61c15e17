/** Sites (API-CONTRACT.md "Sites"): CRUD, webhook-secret rotation, a site's settings and stats history. */
import type { Ctx } from "@dashboard/core/context";
import * as Control from "@dashboard/core/control";
import * as Settings from "@dashboard/core/settings";
import * as Sites from "@dashboard/core/site";
import * as Stats from "@dashboard/core/stats";
import { type ApiApp, errors, json, routesOf } from "../openapi";
import {
  CreateSite,
  Site,
  SiteCreated,
  SiteList,
  SiteParams,
  SiteSettings,
  StatsHistory,
  StatsQuery,
  UpdateSite,
  WebhookSecret,
} from "../schemas";

const route = routesOf("Sites");
/** A site's synced settings and stats, documented with the other synced data. */
const syncedDataRoute = routesOf("Synced data");

export const createSiteRoute = route({ role: "operator", audit: "site.created" }, "POST /api/sites", {
  summary: "Register a Template site",
  description:
    "The answer carries the site's webhook secret, shown this once. The API key is stored encrypted and never returned.",
  request: { body: { required: true, ...json(CreateSite, "The site") } },
  responses: { 201: json(SiteCreated, "Created"), ...errors(400, 409, 413) },
});

export const listSitesRoute = route({ role: "viewer" }, "GET /api/sites", {
  summary: "Every site",
  responses: { 200: json(SiteList, "The sites"), ...errors() },
});

export const getSiteRoute = route({ role: "viewer" }, "GET /api/sites/{site_id}", {
  summary: "One site",
  request: { params: SiteParams },
  responses: { 200: json(Site, "The site"), ...errors(404) },
});

export const updateSiteRoute = route(
  { role: "operator", audit: "site.updated" },
  "PATCH /api/sites/{site_id}",
  {
    summary: "Change a site's name, Template URL, API key, enabled flag or scan limits",
    description:
      "A `template_url` on another origin (scheme, host or port) needs the site's `api_key` in the same request (400 `api_key_required` otherwise): a stored key is never sent to a new host. Disabling a site (`enabled: false`) also cancels its runs in progress.",
    request: { params: SiteParams, body: { required: true, ...json(UpdateSite, "The fields to change") } },
    responses: { 200: json(Site, "The site, updated"), ...errors(400, 404, 413) },
  },
);

export const deleteSiteRoute = route(
  { role: "owner", audit: "site.deleted" },
  "DELETE /api/sites/{site_id}",
  {
    summary: "Remove a site and everything synced from it",
    description:
      "Cancels the site's runs, refuses any further write for it and removes its data. Answers at once; when a sync was still writing, the last of the data goes in the background as soon as that sync stops (at its next page).",
    request: { params: SiteParams },
    responses: { 204: { description: "Removed" }, ...errors(404) },
  },
);

export const rotateWebhookSecretRoute = route(
  { role: "owner", audit: "site.webhook_secret_rotated" },
  "POST /api/sites/{site_id}/webhook-secret",
  {
    summary: "Rotate the site's webhook secret",
    description: "Returns the new secret, shown this once. The previous secret keeps working for 24 hours.",
    request: { params: SiteParams },
    responses: { 200: json(WebhookSecret, "The new secret"), ...errors(404) },
  },
);

export const siteSettingsRoute = syncedDataRoute({ role: "viewer" }, "GET /api/sites/{site_id}/settings", {
  summary: "A site's synced settings (sensitive values masked)",
  request: { params: SiteParams },
  responses: { 200: json(SiteSettings, "The settings"), ...errors(404) },
});

export const siteStatsRoute = syncedDataRoute({ role: "viewer" }, "GET /api/sites/{site_id}/stats", {
  summary: "A site's latest stats and their history",
  request: { params: SiteParams, query: StatsQuery },
  responses: { 200: json(StatsHistory, "Latest figures and history, oldest first"), ...errors(400, 404) },
});

export function registerSiteRoutes(app: ApiApp, ctx: Ctx): void {
  app.openapi(createSiteRoute, async (c) => {
    const created = await Sites.create(ctx, c.req.valid("json"));
    c.set("auditTarget", { type: "site", id: created.site.id });
    return c.json(created, 201);
  });

  app.openapi(listSitesRoute, async (c) => c.json({ items: await Sites.list(ctx) }, 200));

  app.openapi(getSiteRoute, async (c) => c.json(await Sites.get(ctx, c.req.valid("param").site_id), 200));

  app.openapi(updateSiteRoute, async (c) =>
    c.json(await Control.updateSite(ctx, c.req.valid("param").site_id, c.req.valid("json")), 200),
  );

  app.openapi(deleteSiteRoute, async (c) => {
    await Control.deleteSite(ctx, c.req.valid("param").site_id);
    return c.body(null, 204);
  });

  app.openapi(rotateWebhookSecretRoute, async (c) =>
    c.json({ webhook_secret: await Sites.rotateWebhookSecret(ctx, c.req.valid("param").site_id) }, 200),
  );

  app.openapi(siteSettingsRoute, async (c) => {
    const { site_id } = c.req.valid("param");
    await Sites.get(ctx, site_id);
    return c.json(await Settings.get(ctx, site_id), 200);
  });

  app.openapi(siteStatsRoute, async (c) => {
    const { site_id } = c.req.valid("param");
    await Sites.get(ctx, site_id);
    return c.json(await Stats.history(ctx, site_id, c.req.valid("query")), 200);
  });
}
