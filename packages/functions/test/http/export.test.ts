/**
 * CSV exports through the admin API on DynamoDB Local, after a real sync of a simulated Template: the
 * list's filters honoured (the export holds exactly what the list route lists), attachment headers, the
 * BOM and accents, masking for a viewer, the audit entry, 400s with stable codes; and the same route
 * streaming 3,000 orders stored with batch writes under a heap bound (100,000 through the same generator:
 * packages/core/test/export/memory.test.ts).
 */

import { toItem } from "@dashboard/core/record";
import { batchWrite, putRequest } from "@dashboard/core/store/db";
import { contentHash } from "@dashboard/core/util/hash";
import { AuditEntry, Order, Painting, TokenCreated, User } from "@dashboard/functions/http/schemas";
import { type Sim, startSim } from "@dashboard/template-sim";
import { sampleEvent, seedEvents } from "@dashboard/testing/activity";
import { parseCsv } from "@dashboard/testing/csv";
import { heapMeter } from "@dashboard/testing/exports";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { ADMIN_TOKEN, call, errorOf, type HttpResult, parse } from "./client";
import { createEnv, type TestEnv } from "./env";

const KEY = "tpl-export-key-7c6b5a4d3e2f";
const SITE = "atelier-export";
const BULK = "atelier-volume";
const BULK_ORDERS = 3_000;
const BOM = "\uFEFF";

let env: TestEnv;
let sim: Sim;
let viewer = "";
const bodies: string[] = [];
const get = (path: string, token?: string) => call(env.api, "GET", path, token ? { token } : {}, bodies);

/**
 * An export's answer with its bytes decoded as they are: `Response.text()` would drop the BOM (the Fetch
 * standard's UTF-8 decode does), and the BOM is what is checked here.
 */
async function getCsv(path: string, token = ADMIN_TOKEN): Promise<HttpResult> {
  const res = await env.api.request(path, { headers: { authorization: `Bearer ${token}` } });
  const text = Buffer.from(await res.arrayBuffer()).toString("utf8");
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, headers: res.headers, text, json };
}

/** A strict reading of the CSV (RFC 4180, CRLF): its header and its rows as objects. */
function table(res: HttpResult, separator = ","): { header: string[]; rows: Record<string, string>[] } {
  expect(res.text.startsWith(BOM)).toBe(true);
  const [header = [], ...rest] = parseCsv(res.text.slice(1), separator);
  return {
    header,
    rows: rest.map((values) => {
      expect(values).toHaveLength(header.length);
      return Object.fromEntries(header.map((h, i) => [h, values[i] ?? ""]));
    }),
  };
}

/** Every item the list route lists for `path` (cursors walked), as `token` sees it. */
async function listAll<S extends z.ZodType>(path: string, item: S, token?: string): Promise<z.output<S>[]> {
  const Page = z.object({ items: z.array(item), next_cursor: z.string().optional() });
  const items: z.output<S>[] = [];
  let cursor: string | undefined;
  do {
    const res = await get(`${path}&limit=200${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`, token);
    expect(res.status).toBe(200);
    const page = Page.parse(res.json);
    items.push(...page.items);
    cursor = page.next_cursor;
  } while (cursor);
  return items;
}

const today = () => new Date().toISOString().slice(0, 10);

beforeAll(async () => {
  env = await createEnv("api-export");
  sim = await startSim({ apiKey: KEY, siteName: "Atelier Été", seed: 31, sizes: { orders: 40, users: 30 } });
  const site = await call(env.api, "POST", "/api/sites", {
    json: { id: SITE, name: "Atelier Été", template_url: sim.url, api_key: KEY },
  });
  expect(site.status).toBe(201);
  expect((await call(env.api, "POST", `/api/sync/template/${SITE}`)).status).toBe(202);
  await env.drain();
  const created = await call(env.api, "POST", "/api/tokens", { json: { name: "Comptable", role: "viewer" } });
  expect(created.status).toBe(201);
  viewer = parse(TokenCreated, created).token;

  // Orders stored as a sync stores them, written 25 at a time (BatchWriteItem).
  const at = new Date().toISOString();
  const items = Array.from({ length: BULK_ORDERS }, (_, i) => {
    const record = {
      id: i + 1,
      customer_name: `Cliente n°${i + 1} Hélène`,
      email: `client.${i + 1}@example.fr`,
      total_price: 100 + i,
      order_date: `2024-${String((i % 12) + 1).padStart(2, "0")}-15 10:00:00`,
      status: "Livrée",
      items: [{ painting_id: i, name: "Étude", image: null, price: 100 + i, quantity: 1 }],
      site_name: "Atelier Volume",
    };
    return putRequest(toItem(BULK, "orders", record, "https://volume.example", at, contentHash(record)));
  });
  await batchWrite(env.ctx, items, { concurrency: 4 });

  const minute = (m: number) => new Date(Date.UTC(2026, 4, 10, 8, m)).toISOString();
  await seedEvents(env.ctx, [
    sampleEvent({ event_id: "evt_1", site_id: SITE, at: minute(1), kind: "order_created", entity: "orders" }),
    sampleEvent({ event_id: "evt_2", site_id: SITE, at: minute(2), kind: "painting_sold" }),
    sampleEvent({
      event_id: "evt_3",
      site_id: SITE,
      at: minute(3),
      kind: "user_registered",
      entity: "users",
      record_id: 4,
      record_label: "claire@atelier.fr",
      message: { fr: "Nouvel utilisateur claire@atelier.fr", en: "New user claire@atelier.fr" },
    }),
  ]);
});

afterAll(async () => {
  await env?.close();
  await sim?.close();
});

const orderIds = (rows: Record<string, string>[]) =>
  [...new Set(rows.map((r) => Number(r.order_id)))].sort((a, b) => a - b);
const ids = (items: { id: number }[]) => items.map((i) => i.id).sort((a, b) => a - b);

describe("GET /api/export/orders.csv", () => {
  it("is a UTF-8 attachment with a BOM, streamed, one line per order item", async () => {
    const res = await getCsv(`/api/export/orders.csv?site_id=${SITE}`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/csv; charset=utf-8");
    expect(res.headers.get("content-disposition")).toBe(`attachment; filename="orders-${today()}.csv"`);
    expect(res.headers.get("cache-control")).toBe("no-store");
    expect(res.headers.get("etag")).toBeNull();
    const { header, rows } = table(res);
    expect(header.slice(0, 4)).toEqual(["site_id", "site_name", "order_id", "order_date"]);
    const listed = await listAll(`/api/orders?site_id=${SITE}`, Order);
    expect(orderIds(rows)).toEqual(ids(listed));
    const lines = listed.reduce((n, o) => n + Math.max(1, o.items.length), 0);
    expect(rows).toHaveLength(lines);
    const first = listed.find((o) => o.items.length > 0);
    const itemRows = rows.filter((r) => Number(r.order_id) === first?.id);
    expect(itemRows.map((r) => r.item_name)).toEqual(first?.items.map((i) => i.name ?? ""));
    expect(itemRows[0]?.email).toBe(first?.email ?? "");
    expect(itemRows[0]?.site_name).toBe("Atelier Été");
  });

  it("holds what the list route lists with the same filters (status, dates), with ; as asked", async () => {
    const listed = await listAll(`/api/orders?site_id=${SITE}`, Order);
    const status = listed.find((o) => o.status)?.status ?? "";
    const filters = `site_id=${SITE}&status=${encodeURIComponent(status.toUpperCase())}`;
    const res = await getCsv(`/api/export/orders.csv?${filters}&separator=%3B`);
    expect(res.status).toBe(200);
    const { rows } = table(res, ";");
    const filtered = await listAll(`/api/orders?${filters}`, Order);
    expect(filtered.length).toBeGreaterThan(0);
    expect(filtered.length).toBeLessThan(listed.length);
    expect(orderIds(rows)).toEqual(ids(filtered));
    expect(new Set(rows.map((r) => r.status))).toEqual(new Set([status]));

    const range = `site_id=${BULK}&from=2024-03-01&to=2024-04-30`;
    const bulk = table(await getCsv(`/api/export/orders.csv?${range}`));
    const inRange = await listAll(`/api/orders?${range}`, Order);
    expect(orderIds(bulk.rows)).toEqual(ids(inRange));
    expect(bulk.rows).toHaveLength(BULK_ORDERS / 6);
    expect(bulk.rows.every((r) => /^2024-0[34]-15T10:00:00$/.test(r.order_date ?? ""))).toBe(true);
  });

  it("masks e-mail addresses for a viewer exactly as the list does", async () => {
    const res = await getCsv(`/api/export/users.csv?site_id=${SITE}`, viewer);
    expect(res.status).toBe(200);
    const { rows } = table(res);
    const listed = await listAll(`/api/users?site_id=${SITE}`, User, viewer);
    const byId = new Map(listed.map((u) => [u.id, u.email ?? ""]));
    expect(rows).toHaveLength(listed.length);
    for (const row of rows) expect(row.email).toBe(byId.get(Number(row.id)));
    expect(rows.some((r) => r.email?.includes("***@"))).toBe(true);
    expect(rows.every((r) => !/^[^*]+@/.test(r.email ?? ""))).toBe(true);

    const clear = table(await getCsv(`/api/export/users.csv?site_id=${SITE}`));
    expect(clear.rows.some((r) => /^[^*\s]+@[^*\s]+$/.test(r.email ?? ""))).toBe(true);
  });

  it("records every export in the audit log: who, which list, which filters", async () => {
    await getCsv(`/api/export/orders.csv?site_id=${SITE}&status=livree`, viewer);
    const res = await get("/api/audit?action=data.exported&limit=200");
    const entries = parse(z.object({ items: z.array(AuditEntry) }), res).items;
    const entry = entries.find((e) => e.actor.name === "Comptable" && e.target?.id === "orders");
    expect(entry).toMatchObject({
      action: "data.exported",
      target: { type: "records", id: "orders" },
      site_id: SITE,
      outcome: "success",
      status: 200,
    });
    expect(entry?.fields).toEqual(expect.arrayContaining(["site_id", "status", "separator"]));
  });
});

describe("other lists", () => {
  it("exports paintings with image_url and the list's search filter", async () => {
    const listed = await listAll(`/api/paintings?site_id=${SITE}`, Painting);
    const word = (listed.find((p) => p.category)?.category ?? "").toLowerCase();
    expect(word).not.toBe("");
    const filters = `site_id=${SITE}&q=${encodeURIComponent(word)}`;
    const { header, rows } = table(await getCsv(`/api/export/paintings.csv?${filters}`));
    expect(header).toContain("image_url");
    const filtered = await listAll(`/api/paintings?${filters}`, Painting);
    expect(rows.map((r) => Number(r.id)).sort((a, b) => a - b)).toEqual(ids(filtered));
    const byId = new Map(filtered.map((p) => [p.id, p.image_url ?? ""]));
    for (const row of rows) expect(row.image_url).toBe(byId.get(Number(row.id)));
  });

  it("exports exhibitions and runs", async () => {
    const exhibitions = await getCsv(`/api/export/exhibitions.csv?site_id=${SITE}`);
    expect(exhibitions.status).toBe(200);
    expect(table(exhibitions).header).toContain("title");
    const runs = table(await getCsv(`/api/export/runs.csv?site_id=${SITE}`));
    expect(runs.rows).toHaveLength(1);
    expect(runs.rows[0]).toMatchObject({ site_id: SITE, trigger: "manual" });
  });
});

describe("GET /api/export/activity.csv", () => {
  it("holds the feed's events with its filters, sentences in both languages, masked for a viewer", async () => {
    const all = table(await getCsv(`/api/export/activity.csv?site_id=${SITE}`));
    expect(all.header.slice(0, 5)).toEqual(["at", "site_id", "kind", "message_fr", "message_en"]);
    expect(all.rows.map((r) => r.event_id)).toEqual(["evt_3", "evt_2", "evt_1"]);
    expect(all.rows[0]).toMatchObject({ record_label: "claire@atelier.fr", kind: "user_registered" });

    const kinds = table(
      await getCsv(`/api/export/activity.csv?site_id=${SITE}&kind=order_created,user_registered`),
    );
    expect(kinds.rows.map((r) => r.event_id)).toEqual(["evt_3", "evt_1"]);

    const masked = table(await getCsv(`/api/export/activity.csv?site_id=${SITE}`, viewer));
    expect(masked.rows[0]?.record_label).toBe("c***@a***.fr");
    expect(masked.rows[0]?.message_en).toBe("New user c***@a***.fr");

    const bad = await getCsv("/api/export/activity.csv?kind=nope");
    expect(bad.status).toBe(400);
  });
});

describe("refused exports", () => {
  it("answers 400 with a stable code for an unknown list or filter", async () => {
    const unknown = await get("/api/export/invoices.csv");
    expect(unknown.status).toBe(400);
    expect(errorOf(unknown)).toMatchObject({ code: "invalid_request", reason: "unknown_export_list" });
    const quality = await get("/api/export/paintings.csv?quality=bad");
    expect(quality.status).toBe(400);
    expect(errorOf(quality).reason).toBe("validation_failed");
    const separator = await get("/api/export/orders.csv?separator=%7C");
    expect(separator.status).toBe(400);
    expect(errorOf(separator).reason).toBe("validation_failed");
    // Refused by core when it reads the first page: still a 400, before any byte of CSV.
    const date = await get("/api/export/orders.csv?from=hier");
    expect(date.status).toBe(400);
    expect(errorOf(date).reason).toBe("invalid_date");
    const range = await get("/api/export/orders.csv?from=2025-02-01&to=2025-01-01");
    expect(errorOf(range).reason).toBe("invalid_date_range");
  });

  it("refuses a request without a token", async () => {
    const res = await call(env.api, "GET", "/api/export/orders.csv", { token: null });
    expect(res.status).toBe(401);
  });
});

describe("streaming stored orders", () => {
  it(`streams ${BULK_ORDERS} stored orders chunk by chunk with the heap growing less than 16 MB`, async () => {
    const meter = heapMeter();
    const res = await env.api.request(`/api/export/orders.csv?site_id=${BULK}`, {
      headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
    });
    expect(res.status).toBe(200);
    const reader = (res.body as ReadableStream<Uint8Array>).getReader();
    let chunks = 0;
    let bytes = 0;
    let lines = 0;
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      chunks++;
      bytes += value.byteLength;
      for (const b of value) if (b === 10) lines++;
      meter.sample();
    }
    console.info(
      `export of ${BULK_ORDERS} stored orders: ${chunks} chunks, ${bytes} bytes, heap +${meter.peakMb().toFixed(1)} MB`,
    );
    expect(lines).toBe(1 + BULK_ORDERS);
    expect(chunks).toBeGreaterThanOrEqual(BULK_ORDERS / 1_000 + 1);
    expect(meter.peakMb()).toBeLessThan(16);
  });
});
