/**
 * Activity (docs/api.md "Activity"): the feed of business and operational events across sites, and each
 * record's field-level history, as the change processor stored them (core/src/activity). Lists are newest
 * first with opaque cursors; like every GET they carry an ETag, so the UI's live refresh costs a 304 while
 * nothing happened.
 */
import { listActivity, listHistory } from "@dashboard/core/activity/read";
import {
  ActivityEvent as CoreActivityEvent,
  HistoryEntry as CoreHistoryEntry,
  EVENT_KINDS,
  EventKind,
} from "@dashboard/core/activity/schema";
import type { Ctx } from "@dashboard/core/context";
import { RECORD_ENTITIES, type RecordEntity } from "@dashboard/core/entity";
import { maskPersonalData } from "@dashboard/core/privacy";
import { type Role, seesPersonalData } from "@dashboard/core/role";
import { z } from "@hono/zod-openapi";
import { type Access, type ApiApp, errors, json, named, routesOf } from "../openapi";
import { Paging, page, RecordParams } from "../schemas";

const route = routesOf("Activity");

export const ActivityEvent = named(CoreActivityEvent, "ActivityEvent");
export const HistoryEntry = named(CoreHistoryEntry, "HistoryEntry");

/** `kind=a&kind=b` or `kind=a,b`: the kinds, each one of `EventKind`. */
const Kinds = z
  .union([z.string(), z.array(z.string())])
  .transform((v) =>
    (Array.isArray(v) ? v : [v])
      .flatMap((s) => s.split(","))
      .map((s) => s.trim())
      .filter(Boolean),
  )
  .pipe(z.array(EventKind))
  .optional()
  .openapi({
    type: "array",
    items: { type: "string", enum: [...EVENT_KINDS] },
    description: "Only these kinds: repeat the parameter (`kind=a&kind=b`) or separate them with commas",
    param: { style: "form", explode: true },
  });

const Instant = (description: string) => z.iso.datetime({ offset: true }).optional().openapi({ description });

export const ActivityQuery = Paging.extend({
  site_id: z.string().min(1).max(128).optional().openapi({ description: "Only this site's events" }),
  kind: Kinds,
  from: Instant("Events at or after this instant (ISO 8601 with its offset)"),
  to: Instant("Events at or before this instant (ISO 8601 with its offset)"),
});

export const listActivityRoute = route({ role: "viewer" }, "GET /api/activity", {
  summary: "What happened across sites, newest first",
  description:
    "Business events (an order created, a painting sold, a price changed...) and operational ones (a site unreachable, a sync failed...), each with its site, time and a French and English sentence (`message.fr`, `message.en`). A `from` after `to` is a 400 (`invalid_date_range`); an unknown kind a 400 (`validation_failed`). E-mail addresses in sentences and labels come masked to a viewer.",
  request: { query: ActivityQuery },
  responses: { 200: json(page(ActivityEvent), "A page of events"), ...errors(400) },
});

const PERSONAL: ReadonlySet<RecordEntity> = new Set(["users", "orders", "custom_requests"]);

const historyAccess = (entity: RecordEntity): Access =>
  PERSONAL.has(entity) ? { role: "viewer", audit: "personal_data.read" } : { role: "viewer" };

export const HistoryQuery = Paging;

/** One route per record entity, like the record's own (`/api/sites/{site_id}/<entity>/{id}` + `/history`). */
export const historyRoute = (entity: RecordEntity) =>
  route(historyAccess(entity), `GET /api/sites/{site_id}/${entity}/{id}/history`, {
    summary: `A record's history (${entity}), newest first`,
    description: [
      "Each change the syncs stored: `created`, `updated` with the fields that changed (`from` → `to`, a value not set is `null`), `deleted` at the Template, `restored`. An unknown site is a 404 (`site_not_found`); a record with no history an empty list.",
      PERSONAL.has(entity)
        ? "E-mail addresses come masked to a viewer; a read in clear (operator, owner) is recorded in the audit log."
        : undefined,
    ]
      .filter(Boolean)
      .join(" "),
    request: { params: RecordParams, query: HistoryQuery },
    responses: { 200: json(page(HistoryEntry), "A page of history entries"), ...errors(400, 404) },
  });

/** What a role may see: a viewer gets e-mail addresses masked. */
const shown = <T>(role: Role, listed: { items: T[]; next_cursor?: string }) =>
  seesPersonalData(role) ? listed : { ...listed, items: listed.items.map((item) => maskPersonalData(item)) };

export function registerActivityRoutes(app: ApiApp, ctx: Ctx): void {
  app.openapi(listActivityRoute, async (c) => {
    const { site_id, kind, from, to, limit, cursor } = c.req.valid("query");
    const listed = await listActivity(ctx, { site_id, kinds: kind, from, to }, { limit, cursor });
    return c.json(shown(c.get("actor").role, listed), 200);
  });

  for (const entity of RECORD_ENTITIES) {
    app.openapi(historyRoute(entity), async (c) => {
      const { site_id, id } = c.req.valid("param");
      const { limit, cursor } = c.req.valid("query");
      const listed = await listHistory(ctx, site_id, entity, id, { limit, cursor });
      return c.json(shown(c.get("actor").role, listed), 200);
    });
  }
}
