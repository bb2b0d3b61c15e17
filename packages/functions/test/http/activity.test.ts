/**
 * `GET /api/activity` and `GET /api/sites/{site_id}/{entity}/{id}/history` on DynamoDB Local, over events and
 * history entries seeded as the change processor writes them: filters (site, kinds repeated or comma-separated,
 * time range), cursors, the 400s with their stable reasons, the 404 of an unknown site, conditional GETs for
 * the live refresh, masking for viewers and the audit of a personal history read in clear.
 */
import type { ActivityEvent } from "@dashboard/core/activity/schema";
import * as Audit from "@dashboard/core/audit";
import * as SiteStore from "@dashboard/core/site";
import { ActivityEvent as EventSchema, HistoryEntry } from "@dashboard/functions/http/routes/activity";
import { TokenCreated } from "@dashboard/functions/http/schemas";
import { sampleEvent, seedEvents, seedHistory } from "@dashboard/testing/activity";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { call, errorOf, parse, walk } from "./client";
import { createEnv, type TestEnv } from "./env";

const A = "atelier-nord";
const B = "atelier-sud";
let env: TestEnv;
let viewer = "";

const minute = (m: number) => new Date(Date.UTC(2026, 4, 10, 8, m)).toISOString();
const events: ActivityEvent[] = [
  sampleEvent({ event_id: "evt_a1", site_id: A, at: minute(1), kind: "order_created", entity: "orders" }),
  sampleEvent({ event_id: "evt_b1", site_id: B, at: minute(2) }),
  sampleEvent({ event_id: "evt_a2", site_id: A, at: minute(3), kind: "painting_sold" }),
  sampleEvent({
    event_id: "evt_a3",
    site_id: A,
    at: minute(4),
    kind: "user_registered",
    entity: "users",
    record_id: 4,
    record_label: "claire@atelier.fr",
    message: { fr: "Nouvel utilisateur claire@atelier.fr", en: "New user claire@atelier.fr" },
  }),
  sampleEvent({
    event_id: "evt_b2",
    site_id: B,
    at: minute(5),
    kind: "sync_failed",
    entity: undefined,
    record_id: undefined,
    record_label: undefined,
    run_id: "run_x",
    params: {},
    message: { fr: "La synchronisation a échoué", en: "The sync failed" },
  }),
];
const ids = (res: { json: unknown }) => (res.json as { items: ActivityEvent[] }).items.map((e) => e.event_id);

beforeAll(async () => {
  env = await createEnv("api-activity");
  for (const id of [A, B]) {
    await SiteStore.create(env.ctx, {
      id,
      name: id,
      template_url: "http://127.0.0.1:9",
      api_key: "k-12345678",
    });
  }
  await seedEvents(env.ctx, events);
  await seedHistory(env.ctx, [
    { site_id: A, entity: "paintings", record_id: 1, at: minute(0), change: "created", fields: [] },
    {
      site_id: A,
      entity: "paintings",
      record_id: 1,
      at: minute(6),
      change: "updated",
      fields: [{ field: "price", from: 820, to: 990 }],
    },
    {
      site_id: A,
      entity: "users",
      record_id: 4,
      at: minute(7),
      change: "updated",
      fields: [{ field: "email", from: "claire@atelier.fr", to: "claire@ex.com" }],
    },
  ]);
  const created = await call(env.api, "POST", "/api/tokens", { json: { name: "Lecture", role: "viewer" } });
  viewer = parse(TokenCreated, created).token;
});

afterAll(async () => {
  await env?.close();
});

describe("GET /api/activity", () => {
  it("lists every site's events newest first, each as the schema says", async () => {
    const { items, pages } = await walk(env.api, "/api/activity?limit=2", EventSchema);
    expect(items.map((e) => e.event_id)).toEqual(["evt_b2", "evt_a3", "evt_a2", "evt_b1", "evt_a1"]);
    expect(pages).toBe(3);
    expect(items[3]).toEqual(events[1]);
  });

  it("filters by site, by kinds (repeated or comma-separated) and by time range", async () => {
    expect(ids(await call(env.api, "GET", `/api/activity?site_id=${B}`))).toEqual(["evt_b2", "evt_b1"]);
    const repeated = await call(env.api, "GET", "/api/activity?kind=order_created&kind=painting_sold");
    expect(ids(repeated)).toEqual(["evt_a2", "evt_a1"]);
    const comma = await call(env.api, "GET", "/api/activity?kind=order_created,sync_failed");
    expect(ids(comma)).toEqual(["evt_b2", "evt_a1"]);
    const range = await call(
      env.api,
      "GET",
      `/api/activity?from=${encodeURIComponent(minute(2))}&to=${encodeURIComponent("2026-05-10T10:04:00+02:00")}`,
    );
    expect(ids(range)).toEqual(["evt_a3", "evt_a2", "evt_b1"]);
  });

  it("answers 400 with a stable reason for an unknown kind, a bad instant, a reversed range, a bad cursor", async () => {
    const kind = await call(env.api, "GET", "/api/activity?kind=painting_sold,painting_stolen");
    expect(kind.status).toBe(400);
    expect(errorOf(kind)).toMatchObject({ code: "invalid_request", reason: "validation_failed" });
    expect(JSON.stringify(errorOf(kind).details)).toContain("kind");
    const instant = await call(env.api, "GET", "/api/activity?from=yesterday");
    expect(errorOf(instant)).toMatchObject({ code: "invalid_request", reason: "validation_failed" });
    const reversed = await call(
      env.api,
      "GET",
      `/api/activity?from=${encodeURIComponent(minute(5))}&to=${encodeURIComponent(minute(1))}`,
    );
    expect(reversed.status).toBe(400);
    expect(errorOf(reversed).reason).toBe("invalid_date_range");
    const first = await call(env.api, "GET", `/api/activity?site_id=${A}&limit=1`);
    const cursor = (first.json as { next_cursor: string }).next_cursor;
    const other = await call(
      env.api,
      "GET",
      `/api/activity?site_id=${B}&cursor=${encodeURIComponent(cursor)}`,
    );
    expect(other.status).toBe(400);
    expect(errorOf(other).reason).toBe("invalid_cursor");
  });

  it("answers 304 to a repeated request while nothing happened, and 200 once an event arrives", async () => {
    const path = `/api/activity?site_id=${A}&limit=10`;
    const first = await call(env.api, "GET", path);
    const tag = first.headers.get("etag") ?? "";
    expect(tag).not.toBe("");
    const same = await call(env.api, "GET", path, { headers: { "if-none-match": tag } });
    expect(same.status).toBe(304);
    expect(same.text).toBe("");
    await seedEvents(env.ctx, [sampleEvent({ event_id: "evt_a4", site_id: A, at: minute(8) })]);
    const changed = await call(env.api, "GET", path, { headers: { "if-none-match": tag } });
    expect(changed.status).toBe(200);
    expect(ids(changed)[0]).toBe("evt_a4");
  });

  it("masks e-mail addresses for a viewer", async () => {
    const asViewer = await call(env.api, "GET", "/api/activity?kind=user_registered", { token: viewer });
    const [event] = (asViewer.json as { items: ActivityEvent[] }).items;
    expect(event?.message.fr).toBe("Nouvel utilisateur c***@a***.fr");
    expect(event?.record_label).toBe("c***@a***.fr");
    expect(asViewer.text).not.toContain("claire@atelier.fr");
    const asOwner = await call(env.api, "GET", "/api/activity?kind=user_registered");
    expect(asOwner.text).toContain("claire@atelier.fr");
  });
});

describe("GET /api/sites/{site_id}/{entity}/{id}/history", () => {
  it("lists a record's entries newest first", async () => {
    const { items } = await walk(env.api, `/api/sites/${A}/paintings/1/history?limit=1`, HistoryEntry);
    expect(items.map((e) => e.change)).toEqual(["updated", "created"]);
    expect(items[0]?.fields).toEqual([{ field: "price", from: 820, to: 990 }]);
  });

  it("answers an empty list for a record without history, 404 for an unknown site or entity, 400 for a bad id", async () => {
    const none = await call(env.api, "GET", `/api/sites/${A}/exhibitions/9/history`);
    expect(none.status).toBe(200);
    expect(none.json).toEqual({ items: [] });
    const site = await call(env.api, "GET", "/api/sites/nowhere/paintings/1/history");
    expect(site.status).toBe(404);
    expect(errorOf(site).reason).toBe("site_not_found");
    const entity = await call(env.api, "GET", `/api/sites/${A}/settings/1/history`);
    expect(entity.status).toBe(404);
    expect(errorOf(entity).reason).toBe("route_not_found");
    const id = await call(env.api, "GET", `/api/sites/${A}/paintings/abc/history`);
    expect(id.status).toBe(400);
    expect(errorOf(id).reason).toBe("validation_failed");
  });

  it("masks e-mail changes for a viewer, and audits a personal history read in clear", async () => {
    const path = `/api/sites/${A}/users/4/history`;
    const asViewer = await call(env.api, "GET", path, { token: viewer });
    expect(asViewer.status).toBe(200);
    expect(asViewer.text).not.toContain("claire@atelier.fr");
    expect(asViewer.text).toContain("c***@a***.fr");
    const asOwner = await call(env.api, "GET", path);
    expect(asOwner.text).toContain("claire@atelier.fr");
    const log = await Audit.list(env.ctx, { action: "personal_data.read", site_id: A, limit: 50 });
    expect(log.items.filter((e) => e.outcome === "success").map((e) => e.actor.role)).toEqual(["owner"]);
    await call(env.api, "GET", `/api/sites/${A}/paintings/1/history`);
    const after = await Audit.list(env.ctx, { action: "personal_data.read", site_id: A, limit: 50 });
    expect(after.items).toHaveLength(log.items.length);
  });

  it("is documented in the OpenAPI document, with the activity components", async () => {
    const doc = (await call(env.api, "GET", "/api/openapi.json", { token: null })).json as {
      paths: Record<string, unknown>;
      components: { schemas: Record<string, unknown> };
    };
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        "/api/activity",
        "/api/sites/{site_id}/paintings/{id}/history",
        "/api/sites/{site_id}/orders/{id}/history",
      ]),
    );
    expect(Object.keys(doc.components.schemas)).toEqual(
      expect.arrayContaining(["ActivityEvent", "HistoryEntry"]),
    );
  });
});
