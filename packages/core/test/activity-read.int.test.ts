/**
 * The activity read side on DynamoDB Local: events and history entries seeded as the change processor writes
 * them (keys, `type`, `expires_at`), listed newest first, filtered by site, kinds and time range, paged with
 * cursors that skip and repeat nothing, and parsed without their storage attributes.
 */
import { sampleEvent, seedEvents, seedHistory } from "@dashboard/testing/activity";
import { createTestStage, type TestStage } from "@dashboard/testing/aws";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { listActivity, listHistory } from "../src/activity/read";
import type { ActivityEvent } from "../src/activity/schema";
import * as SiteStore from "../src/site";

const A = "atelier-a";
const B = "atelier-b";
let stage: TestStage;

/** 30 events, one a minute from 2026-03-01T10:00Z, alternating sites and kinds. */
const events: ActivityEvent[] = Array.from({ length: 30 }, (_, i) =>
  sampleEvent({
    event_id: `evt_${String(i).padStart(3, "0")}`,
    site_id: i % 2 === 0 ? A : B,
    at: new Date(Date.UTC(2026, 2, 1, 10, i)).toISOString(),
    kind: i % 3 === 0 ? "order_created" : i % 3 === 1 ? "painting_sold" : "painting_price_changed",
    record_id: i,
  }),
);
const ids = (items: ActivityEvent[]) => items.map((e) => e.event_id);
const newestFirst = (list: ActivityEvent[]) => ids([...list].reverse());

async function all(
  filters: Parameters<typeof listActivity>[1],
  limit: number,
): Promise<{ items: ActivityEvent[]; pages: number }> {
  const items: ActivityEvent[] = [];
  let cursor: string | undefined;
  let pages = 0;
  do {
    const page = await listActivity(stage.ctx, filters, { limit, cursor });
    items.push(...page.items);
    cursor = page.next_cursor;
    pages++;
  } while (cursor && pages < 100);
  return { items, pages };
}

beforeAll(async () => {
  stage = await createTestStage("activity-read");
  for (const id of [A, B]) {
    await SiteStore.create(stage.ctx, {
      id,
      name: id,
      template_url: "http://127.0.0.1:9",
      api_key: "k-12345678",
    });
  }
  await seedEvents(stage.ctx, events);
});

afterAll(async () => {
  await stage?.drop();
});

describe("listActivity", () => {
  it("lists every site's events newest first, parsed without keys, type or TTL", async () => {
    const page = await listActivity(stage.ctx, {}, { limit: 5 });
    expect(ids(page.items)).toEqual(newestFirst(events).slice(0, 5));
    expect(page.next_cursor).toBeTruthy();
    expect(page.items[0]).toEqual(events[29]);
    expect(Object.keys(page.items[0] ?? {})).not.toContain("pk");
    expect(Object.keys(page.items[0] ?? {})).not.toContain("expires_at");
  });

  it("pages to the end with cursors, each event once", async () => {
    const { items, pages } = await all({}, 7);
    expect(ids(items)).toEqual(newestFirst(events));
    expect(pages).toBe(5);
  });

  it("filters by site, on the site's own index", async () => {
    const { items } = await all({ site_id: B }, 4);
    expect(ids(items)).toEqual(newestFirst(events.filter((e) => e.site_id === B)));
    expect((await listActivity(stage.ctx, { site_id: "nowhere" })).items).toEqual([]);
  });

  it("filters by several kinds, and pages full pages through the filter", async () => {
    const kinds = ["order_created", "painting_sold"] as const;
    const first = await listActivity(stage.ctx, { kinds: [...kinds] }, { limit: 6 });
    expect(first.items).toHaveLength(6);
    const { items } = await all({ kinds: [...kinds] }, 6);
    expect(ids(items)).toEqual(
      newestFirst(events.filter((e) => (kinds as readonly string[]).includes(e.kind))),
    );
    const { items: mine } = await all({ site_id: A, kinds: ["order_created"] }, 2);
    expect(ids(mine)).toEqual(
      newestFirst(events.filter((e) => e.site_id === A && e.kind === "order_created")),
    );
  });

  it("keeps the events of a time range, both ends included, in any offset", async () => {
    const { items } = await all({ from: "2026-03-01T10:05:00Z", to: "2026-03-01T12:09:00+02:00" }, 3);
    expect(ids(items)).toEqual(newestFirst(events.slice(5, 10)));
    const { items: since } = await all({ from: "2026-03-01T10:25:00.000Z" }, 50);
    expect(ids(since)).toEqual(newestFirst(events.slice(25)));
    const { items: until } = await all({ to: "2026-03-01T10:01:00Z" }, 50);
    expect(ids(until)).toEqual(newestFirst(events.slice(0, 2)));
  });

  it("refuses a reversed range, an unknown kind, and a cursor of another filter", async () => {
    await expect(
      listActivity(stage.ctx, { from: "2026-03-02T00:00:00Z", to: "2026-03-01T00:00:00Z" }),
    ).rejects.toMatchObject({ code: "invalid_date_range", status: 400 });
    await expect(listActivity(stage.ctx, { kinds: ["painting_stolen" as never] })).rejects.toThrow();
    const page = await listActivity(stage.ctx, { site_id: A }, { limit: 2 });
    await expect(
      listActivity(stage.ctx, { site_id: B }, { limit: 2, cursor: page.next_cursor }),
    ).rejects.toMatchObject({ code: "invalid_cursor" });
  });
});

describe("listHistory", () => {
  const at = (minute: number) => new Date(Date.UTC(2026, 2, 2, 9, minute)).toISOString();

  beforeAll(async () => {
    await seedHistory(stage.ctx, [
      { site_id: A, entity: "paintings", record_id: 7, at: at(0), change: "created", fields: [] },
      {
        site_id: A,
        entity: "paintings",
        record_id: 7,
        at: at(5),
        change: "updated",
        fields: [{ field: "price", from: 820, to: 990 }],
        run_id: "run_1",
      },
      {
        site_id: A,
        entity: "paintings",
        record_id: 7,
        at: at(9),
        change: "updated",
        fields: [
          { field: "status", from: "Disponible", to: "Vendu" },
          { field: "description", from: null, to: "Huile sur toile" },
        ],
      },
      // The same id on another entity and on another site: other records.
      { site_id: A, entity: "orders", record_id: 7, at: at(6), change: "created", fields: [] },
      { site_id: B, entity: "paintings", record_id: 7, at: at(7), change: "deleted", fields: [] },
    ]);
  });

  it("lists one record's entries newest first, with their field changes", async () => {
    const page = await listHistory(stage.ctx, A, "paintings", 7);
    expect(page.items.map((e) => [e.at, e.change])).toEqual([
      [at(9), "updated"],
      [at(5), "updated"],
      [at(0), "created"],
    ]);
    expect(page.items[0]?.fields).toEqual([
      { field: "status", from: "Disponible", to: "Vendu" },
      { field: "description", from: null, to: "Huile sur toile" },
    ]);
    expect(page.items[1]).toEqual({
      site_id: A,
      entity: "paintings",
      record_id: 7,
      at: at(5),
      change: "updated",
      fields: [{ field: "price", from: 820, to: 990 }],
      run_id: "run_1",
    });
    expect(page.next_cursor).toBeUndefined();
  });

  it("pages with cursors", async () => {
    const first = await listHistory(stage.ctx, A, "paintings", 7, { limit: 2 });
    expect(first.items).toHaveLength(2);
    const second = await listHistory(stage.ctx, A, "paintings", 7, { limit: 2, cursor: first.next_cursor });
    expect(second.items.map((e) => e.change)).toEqual(["created"]);
    expect(second.next_cursor).toBeUndefined();
  });

  it("answers an empty history for a record without one, and 404 for an unknown site", async () => {
    expect((await listHistory(stage.ctx, A, "users", 7)).items).toEqual([]);
    await expect(listHistory(stage.ctx, "nowhere", "paintings", 7)).rejects.toMatchObject({
      code: "site_not_found",
      status: 404,
    });
  });
});
