/**
 * Synced data through the admin API, after real syncs of two simulated Templates into DynamoDB Local:
 * lists with filters, cursors walked to the end, records gone from a Template (`include_deleted`), single
 * records, settings (secrets masked) and stats history.
 */
import type { Entity } from "@dashboard/core/entity";
import { RECORD_SCHEMAS } from "@dashboard/core/template/schema";
import { sortableDate } from "@dashboard/core/util/time";
import {
  CustomRequest,
  Exhibition,
  Order,
  Painting,
  SiteSettings,
  StatsHistory,
  User,
} from "@dashboard/functions/http/schemas";
import { type Sim, startSim } from "@dashboard/template-sim";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { call, errorOf, logText, parse, walk } from "./client";
import { createEnv, type TestEnv } from "./env";

const KEY_A = "tpl-records-a-5e6f7a8b9c0d";
const KEY_B = "tpl-records-b-1f2e3d4c5b6a";
const A = "atelier-a";
const B = "atelier-b";

let env: TestEnv;
let simA: Sim;
let simB: Sim;
const bodies: string[] = [];
const api = (method: string, path: string) => call(env.api, method, path, {}, bodies);
const list = <S extends Parameters<typeof walk>[2]>(path: string, schema: S) =>
  walk(env.api, path, schema, bodies);

async function syncSite(siteId: string, entities?: Entity[]) {
  const res = await call(
    env.api,
    "POST",
    `/api/sync/template/${siteId}`,
    entities ? { json: { entities } } : {},
  );
  expect(res.status).toBe(202);
  await env.drain();
}

/** Ids the Dashboard accepts from what a Template serves (the rest is quarantined). */
const validIds = (sim: Sim, entity: "paintings" | "users" | "orders" | "exhibitions" | "custom_requests") =>
  (sim.served(entity) as { id: number }[])
    .filter((r) => RECORD_SCHEMAS[entity].safeParse(r).success)
    .map((r) => r.id)
    .sort((a, b) => a - b);

const ids = (items: { id: number }[]) => items.map((i) => i.id).sort((a, b) => a - b);

beforeAll(async () => {
  env = await createEnv("api-records");
  simA = await startSim({ apiKey: KEY_A, siteName: "Atelier A", seed: 11 });
  simB = await startSim({ apiKey: KEY_B, siteName: "Atelier B", seed: 22, sizes: { paintings: 9 } });
  for (const [id, sim, key] of [
    [A, simA, KEY_A],
    [B, simB, KEY_B],
  ] as const) {
    const res = await call(env.api, "POST", "/api/sites", {
      json: { id, name: id, template_url: sim.url, api_key: key },
    });
    expect(res.status).toBe(201);
    await syncSite(id);
  }
});

afterAll(async () => {
  await env?.close();
  await simA?.close();
  await simB?.close();
});

describe("GET /api/paintings", () => {
  it("lists one site's paintings, with provenance and image_url", async () => {
    const { items, pages } = await list(`/api/paintings?site_id=${A}`, Painting);
    expect(pages).toBe(1);
    expect(ids(items)).toEqual(validIds(simA, "paintings"));
    for (const p of items) {
      expect(p).toMatchObject({ site_id: A, template_url: simA.url });
      // The Template serves images under its static folder.
      expect(p.image_url).toBe(p.image ? new URL(`static/${p.image}`, `${simA.url}/`).toString() : null);
      expect(Date.parse(p.sync_timestamp)).not.toBeNaN();
    }
  });

  it("walks every site's paintings page by page; the last page has no cursor", async () => {
    const { items, pages } = await list("/api/paintings?limit=5", Painting);
    const expected = validIds(simA, "paintings").length + validIds(simB, "paintings").length;
    expect(items).toHaveLength(expected);
    expect(pages).toBe(Math.ceil(expected / 5));
    expect(new Set(items.map((p) => `${p.site_id}:${p.id}`)).size).toBe(expected);
    expect(new Set(items.map((p) => p.site_id))).toEqual(new Set([A, B]));
  });

  it("filters by status and category, in any case", async () => {
    const served = simA.served("paintings").filter((p) => RECORD_SCHEMAS.paintings.safeParse(p).success);
    const status = served[0]?.status ?? "";
    const byStatus = await list(
      `/api/paintings?site_id=${A}&status=${encodeURIComponent(status.toUpperCase())}`,
      Painting,
    );
    const expected = served.filter((p) => p.status?.toLowerCase() === status.toLowerCase()).map((p) => p.id);
    expect(ids(byStatus.items)).toEqual(expected.sort((a, b) => a - b));
    const category = served[0]?.category ?? "";
    const byCategory = await list(
      `/api/paintings?site_id=${A}&category=${encodeURIComponent(category)}`,
      Painting,
    );
    expect(byCategory.items.length).toBeGreaterThan(0);
    for (const p of byCategory.items) expect(p.category?.toLowerCase()).toBe(category.toLowerCase());
    const none = await list(`/api/paintings?site_id=${A}&status=introuvable`, Painting);
    expect(none.items).toEqual([]);
  });

  it("searches names with q", async () => {
    const target = simA.served("paintings").find((p) => RECORD_SCHEMAS.paintings.safeParse(p).success);
    const word = target?.name.split(" ").find((w) => w.length > 3) ?? "";
    const { items } = await list(`/api/paintings?q=${encodeURIComponent(word.toUpperCase())}`, Painting);
    expect(items.map((p) => `${p.site_id}:${p.id}`)).toContain(`${A}:${target?.id}`);
    for (const p of items) {
      expect(`${p.name} ${p.category} ${p.technique} ${p.year}`.toLowerCase()).toContain(word.toLowerCase());
    }
  });

  it("refuses a cursor from another filter with 400", async () => {
    const first = await call(env.api, "GET", `/api/paintings?site_id=${A}&limit=2`);
    const cursor = (first.json as { next_cursor?: string }).next_cursor ?? "";
    expect(cursor).not.toBe("");
    const other = await call(
      env.api,
      "GET",
      `/api/paintings?site_id=${B}&limit=2&cursor=${encodeURIComponent(cursor)}`,
    );
    expect(other.status).toBe(400);
    expect(errorOf(other).reason).toBe("invalid_cursor");
  });
});

describe("GET /api/users, /api/orders, /api/exhibitions, /api/custom_requests", () => {
  it("lists users, filtered by role and searched by email", async () => {
    const all = await list(`/api/users?site_id=${A}&limit=7`, User);
    expect(ids(all.items)).toEqual(validIds(simA, "users"));
    const admins = await list(`/api/users?site_id=${A}&role=ADMIN`, User);
    const expected = simA.served("users").filter((u) => u.role?.toLowerCase() === "admin");
    expect(ids(admins.items)).toEqual(ids(expected));
    const someone = simA.served("users")[0];
    const found = await list(`/api/users?q=${encodeURIComponent(someone?.email ?? "")}`, User);
    expect(found.items.map((u) => `${u.site_id}:${u.id}`)).toContain(`${A}:${someone?.id}`);
  });

  it("lists orders newest first, with their items, and filters by date", async () => {
    const { items } = await list(`/api/orders?site_id=${A}&limit=10`, Order);
    expect(ids(items)).toEqual(validIds(simA, "orders"));
    const dates = items.map((o) => sortableDate(o.order_date) ?? "");
    expect([...dates].sort().reverse()).toEqual(dates);
    expect(items.some((o) => o.items.length > 0)).toBe(true);
    // A window holding the middle orders only: `from` inclusive, a bare `to` date includes its whole day.
    const days = items.map((o) => (o.order_date ?? "").slice(0, 10)).sort();
    const from = days[1] ?? "";
    const to = days[days.length - 2] ?? "";
    const window = await list(`/api/orders?site_id=${A}&from=${from}&to=${to}`, Order);
    const expected = items.filter((o) => {
      const day = (o.order_date ?? "").slice(0, 10);
      return day >= from && day <= to;
    });
    expect(ids(window.items)).toEqual(ids(expected));
    const bad = await api("GET", "/api/orders?from=not-a-date");
    expect(bad.status).toBe(400);
    expect(errorOf(bad).reason).toBe("invalid_date");
  });

  it("filters orders by status", async () => {
    const status = simA.served("orders")[0]?.status ?? "";
    const { items } = await list(`/api/orders?site_id=${A}&status=${encodeURIComponent(status)}`, Order);
    expect(items.length).toBeGreaterThan(0);
    for (const o of items) expect(o.status?.toLowerCase()).toBe(status.toLowerCase());
  });

  it("lists exhibitions and custom requests", async () => {
    const exhibitions = await list(`/api/exhibitions?site_id=${B}`, Exhibition);
    expect(ids(exhibitions.items)).toEqual(validIds(simB, "exhibitions"));
    const requests = await list(`/api/custom_requests?site_id=${B}`, CustomRequest);
    expect(ids(requests.items)).toEqual(validIds(simB, "custom_requests"));
  });
});

describe("records gone from the Template", () => {
  /** Paintings the Dashboard held that the Template then deleted. */
  let gone: number[];

  beforeAll(async () => {
    const stored = validIds(simB, "paintings");
    const removed = simB.remove("paintings", 3).map((p) => p.id);
    gone = stored.filter((id) => removed.includes(id));
    expect(gone.length).toBeGreaterThan(0);
    await syncSite(B, ["paintings"]);
  });

  it("are not listed by default", async () => {
    const { items } = await list(`/api/paintings?site_id=${B}`, Painting);
    expect(ids(items)).toEqual(validIds(simB, "paintings"));
    for (const id of gone) expect(ids(items)).not.toContain(id);
  });

  it("are listed with deleted_at when include_deleted=true", async () => {
    const { items } = await list(`/api/paintings?site_id=${B}&include_deleted=true&limit=3`, Painting);
    expect(ids(items)).toEqual([...validIds(simB, "paintings"), ...gone].sort((a, b) => a - b));
    const deleted = items.filter((p) => p.deleted_at !== undefined);
    expect(ids(deleted)).toEqual(gone);
    for (const p of deleted) expect(Date.parse(p.deleted_at ?? "")).not.toBeNaN();
    const explicitFalse = await list(`/api/paintings?site_id=${B}&include_deleted=false`, Painting);
    expect(ids(explicitFalse.items)).toEqual(validIds(simB, "paintings"));
  });
});

describe("single records", () => {
  it("reads one painting, user and order of a site", async () => {
    const painting = validIds(simA, "paintings")[0];
    const res = await api("GET", `/api/sites/${A}/paintings/${painting}`);
    expect(res.status).toBe(200);
    expect(parse(Painting, res)).toMatchObject({ id: painting, site_id: A });
    const user = validIds(simA, "users")[0];
    expect(parse(User, await api("GET", `/api/sites/${A}/users/${user}`)).id).toBe(user);
    const order = validIds(simA, "orders")[0];
    expect(parse(Order, await api("GET", `/api/sites/${A}/orders/${order}`)).id).toBe(order);
    const exhibition = validIds(simA, "exhibitions")[0];
    expect(parse(Exhibition, await api("GET", `/api/sites/${A}/exhibitions/${exhibition}`)).id).toBe(
      exhibition,
    );
  });

  it("answers 404 for an unknown record or site", async () => {
    for (const path of [`/api/sites/${A}/paintings/999999`, `/api/sites/no-such-site/users/1`]) {
      const res = await api("GET", path);
      expect(res.status).toBe(404);
      expect(errorOf(res)).toMatchObject({ code: "not_found", reason: "record_not_found" });
    }
  });
});

describe("GET /api/sites/{site_id}/settings", () => {
  it("serves the well-known settings and masks every secret", async () => {
    const res = await api("GET", `/api/sites/${A}/settings`);
    expect(res.status).toBe(200);
    const settings = parse(SiteSettings, res);
    expect(settings.site_name).toBe("Atelier A");
    const byKey = new Map(settings.items.map((s) => [s.key, s]));
    for (const key of ["smtp_password", "export_api_key", "stripe_secret_key"]) {
      if (byKey.has(key)) expect(byKey.get(key)?.value).toBe("***MASKED***");
    }
    expect(byKey.get("site_name")?.value).toBe("Atelier A");
    expect(res.text).not.toContain(KEY_A);
    const secrets = Object.entries(simA.data.settings)
      .filter(([k]) => /secret|password|api_key/.test(k))
      .map(([, v]) => String(v))
      .filter((v) => v.length > 6);
    expect(secrets.length).toBeGreaterThan(0);
    for (const secret of secrets) expect(res.text).not.toContain(secret);
  });

  it("answers 404 for an unknown site", async () => {
    expect((await api("GET", "/api/sites/no-such-site/settings")).status).toBe(404);
  });
});

describe("GET /api/sites/{site_id}/stats", () => {
  it("serves the latest figures and the history in a range", async () => {
    const res = await api("GET", `/api/sites/${A}/stats`);
    expect(res.status).toBe(200);
    const stats = parse(StatsHistory, res);
    expect(stats.latest).toMatchObject({ paintings_count: simA.served("paintings").length });
    expect(stats.history).toHaveLength(1);
    const future = parse(StatsHistory, await api("GET", `/api/sites/${A}/stats?from=2999-01-01`));
    expect(future.history).toEqual([]);
    expect(future.latest).not.toBeNull();
    const bad = await api("GET", `/api/sites/${A}/stats?from=yesterday`);
    expect(bad.status).toBe(400);
  });

  it("answers 404 for an unknown site", async () => {
    expect((await api("GET", "/api/sites/no-such-site/stats")).status).toBe(404);
  });
});

describe("secrets", () => {
  it("never returned a site's API key nor logged it", () => {
    expect(bodies.length).toBeGreaterThan(20);
    for (const body of bodies) {
      expect(body).not.toContain(KEY_A);
      expect(body).not.toContain(KEY_B);
    }
    expect(logText(env.logs)).not.toContain(KEY_A);
  });
});
