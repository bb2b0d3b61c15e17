/**
 * The manual sync and the runs through the admin API, on DynamoDB Local, fauxqs and a simulated Template:
 * 202 and one queue message per entity when nothing consumes the queue, 200 with the seed's summary when a
 * consumer finishes the run within `wait`, and runs listed, paged and read with their log and rejects.
 */
import { ALL_ENTITIES } from "@dashboard/core/entity";
import { TemplatePainting } from "@dashboard/core/template/schema";
import { InvalidRecord, page, Run, SyncAccepted, SyncSummary } from "@dashboard/functions/http/schemas";
import { type Sim, startSim } from "@dashboard/template-sim";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { call, errorOf, logText, parse, walk } from "./client";
import { createEnv, type TestEnv } from "./env";

const API_KEY = "tpl-sync-key-0c1d2e3f4a5b";
const SITE = "atelier-sync";

let env: TestEnv;
let sim: Sim;
const bodies: string[] = [];
const api = (method: string, path: string, opts: Parameters<typeof call>[3] = {}) =>
  call(env.api, method, path, opts, bodies);

beforeAll(async () => {
  env = await createEnv("api-sync");
  sim = await startSim({ apiKey: API_KEY, sizes: { paintings: 12, users: 8, orders: 6 } });
  const res = await api("POST", "/api/sites", {
    json: { id: SITE, name: "Atelier Sync", template_url: sim.url, api_key: API_KEY },
  });
  expect(res.status).toBe(201);
});

afterAll(async () => {
  await env?.close();
  await sim?.close();
});

describe("POST /api/sync/template/{site_id}", () => {
  it("queues one message per entity and answers 202 when not asked to wait", async () => {
    const res = await api("POST", `/api/sync/template/${SITE}`);
    expect(res.status).toBe(202);
    const accepted = parse(SyncAccepted, res);
    expect(accepted).toMatchObject({ status: "queued", entities: [...ALL_ENTITIES] });
    const messages = await env.takeMessages();
    expect(messages.map((m) => m.entity).sort()).toEqual([...ALL_ENTITIES].sort());
    for (const m of messages)
      expect(m).toMatchObject({ run_id: accepted.run_id, site_id: SITE, trigger: "manual" });
  });

  it("answers 202 once `wait` is over when nothing consumes the queue", async () => {
    const res = await api("POST", `/api/sync/template/${SITE}?wait=0.5`, {
      json: { entities: ["orders", "paintings"] },
    });
    expect(res.status).toBe(202);
    const accepted = parse(SyncAccepted, res);
    expect(accepted.status).toBe("queued");
    expect(accepted.entities).toEqual(["paintings", "orders"]);
    const messages = await env.takeMessages();
    expect(messages.map((m) => m.entity).sort()).toEqual(["orders", "paintings"]);
    expect(new Set(messages.map((m) => m.run_id))).toEqual(new Set([accepted.run_id]));
    const run = parse(Run, await api("GET", `/api/sync/runs/${accepted.run_id}`));
    expect(run).toMatchObject({ status: "queued", trigger: "manual", site_id: SITE });
  });

  it("answers 200 with the seed's summary when the run finishes within `wait`", async () => {
    const entities = ["paintings", "users", "orders", "settings", "stats"];
    const [res] = await Promise.all([
      api("POST", `/api/sync/template/${SITE}?wait=25`, { json: { entities } }),
      env.drainUntilIdle(),
    ]);
    expect(res.status).toBe(200);
    const summary = parse(SyncSummary, res);
    expect(summary.success).toBe(true);
    expect(summary.run_id).toMatch(/^run_/);
    expect(Object.keys(summary.summary).sort()).toEqual([...entities].sort());
    expect(summary.summary.paintings).toMatchObject({ success: true });
    expect(summary.summary.paintings?.count).toBeGreaterThan(0);
    expect(summary.summary.users).toMatchObject({ success: true, count: 8 });
    expect(summary.summary.orders).toMatchObject({ success: true });
    expect(summary.summary.stats?.data).toMatchObject({ paintings_count: 12 });
    expect(summary.log.some((l) => l.entity === "paintings" && l.level === "SUCCESS")).toBe(true);
    expect(Date.parse(summary.timestamp)).not.toBeNaN();
  });

  it("answers 200 with the run's summary as soon as the run is cancelled within `wait`", async () => {
    // A site of its own, so the runs counted below stay this file's other runs.
    const site = "atelier-sync-cancel";
    const created = await api("POST", "/api/sites", {
      json: { id: site, name: "Atelier annulé", template_url: sim.url, api_key: API_KEY },
    });
    expect(created.status).toBe(201);
    const newest = async () =>
      parse(page(Run), await api("GET", `/api/sync/runs?site_id=${site}&limit=1`)).items[0]?.run_id;
    const waiting = api("POST", `/api/sync/template/${site}?wait=25`, {
      json: { entities: ["exhibitions"] },
    });
    await expect.poll(newest).toBeDefined();
    const runId = (await newest()) as string;
    expect((await api("POST", `/api/sync/runs/${runId}/cancel`)).status).toBe(200);
    // The wait ends with the run, not with its 25 s: a cancelled run is finished.
    const res = await waiting;
    expect(res.status).toBe(200);
    const summary = parse(SyncSummary, res);
    expect(summary).toMatchObject({ run_id: runId, success: false });
    expect(summary.summary.exhibitions?.status).toBe("cancelled");
    await env.takeMessages();
  });

  it("answers 404 for an unknown site and queues nothing", async () => {
    const res = await api("POST", "/api/sync/template/no-such-site");
    expect(res.status).toBe(404);
    expect(errorOf(res)).toMatchObject({ code: "not_found", reason: "site_not_found" });
    expect(await env.takeMessages()).toEqual([]);
  });
});

describe("runs", () => {
  let runIds: string[];

  beforeAll(async () => {
    // Three more runs for this site, newest last.
    for (let i = 0; i < 3; i++) {
      const res = await api("POST", `/api/sync/template/${SITE}`, { json: { entities: ["exhibitions"] } });
      expect(res.status).toBe(202);
    }
    await env.takeMessages();
    runIds = [];
  });

  it("lists a site's runs newest first, walking the pages to the end", async () => {
    let cursor: string | undefined;
    let pages = 0;
    do {
      const res = await api(
        "GET",
        `/api/sync/runs?site_id=${SITE}&limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`,
      );
      expect(res.status).toBe(200);
      const body = parse(page(Run), res);
      expect(body.items.length).toBeLessThanOrEqual(2);
      runIds.push(...body.items.map((r) => r.run_id));
      cursor = body.next_cursor;
      pages++;
    } while (cursor && pages < 20);
    expect(cursor).toBeUndefined();
    // 1 + 1 + 1 runs above, then 3: six in all, ids sortable by time, newest first, no repeats.
    expect(runIds).toHaveLength(6);
    expect(new Set(runIds).size).toBe(6);
    expect([...runIds].sort().reverse()).toEqual(runIds);
    const all = parse(page(Run), await api("GET", `/api/sync/runs?site_id=${SITE}`));
    expect(all.items.map((r) => r.run_id)).toEqual(runIds);
    expect(all.next_cursor).toBeUndefined();
  });

  it("lists runs of every site when no site is given, and none for an unknown site", async () => {
    const all = parse(page(Run), await api("GET", "/api/sync/runs?limit=200"));
    expect(all.items.map((r) => r.run_id)).toEqual(expect.arrayContaining(runIds));
    const none = parse(page(Run), await api("GET", "/api/sync/runs?site_id=no-such-site"));
    expect(none.items).toEqual([]);
  });

  it("refuses a tampered cursor, or one from another list, with 400", async () => {
    const first = parse(page(Run), await api("GET", `/api/sync/runs?site_id=${SITE}&limit=1`));
    const cursor = first.next_cursor ?? "";
    expect(cursor).not.toBe("");
    const [body = "", mac = ""] = cursor.split(".");
    const forged = Buffer.from(
      JSON.stringify({ ...JSON.parse(Buffer.from(body, "base64url").toString()), gsi2sk: "run_zzzz" }),
    ).toString("base64url");
    for (const bad of [`${forged}.${mac}`, `${body}.${mac.slice(0, -2)}xx`, "garbage", `${body}`]) {
      const res = await api(
        "GET",
        `/api/sync/runs?site_id=${SITE}&limit=1&cursor=${encodeURIComponent(bad)}`,
      );
      expect(res.status).toBe(400);
      expect(errorOf(res)).toMatchObject({ code: "invalid_request", reason: "invalid_cursor" });
    }
    const otherList = await api("GET", `/api/sync/runs?limit=1&cursor=${encodeURIComponent(cursor)}`);
    expect(otherList.status).toBe(400);
  });

  it("answers a repeated GET with 304 while the list is unchanged, and 200 once a run is added", async () => {
    const path = `/api/sync/runs?site_id=${SITE}&limit=5`;
    const first = await api("GET", path);
    expect(first.status).toBe(200);
    const tag = first.headers.get("etag") ?? "";
    expect(tag).toMatch(/^"[^"]+"$/);
    expect(first.headers.get("cache-control")).toBe("no-store");

    const same = await call(env.api, "GET", path, { headers: { "if-none-match": tag } });
    expect(same.status).toBe(304);
    expect(same.text).toBe("");
    expect(same.headers.get("etag")).toBe(tag);
    // The tag does not let an unauthenticated caller learn anything.
    const anonymous = await call(env.api, "GET", path, { token: null, headers: { "if-none-match": tag } });
    expect(anonymous.status).toBe(401);

    const started = await api("POST", `/api/sync/template/${SITE}`, { json: { entities: ["exhibitions"] } });
    expect(started.status).toBe(202);
    await env.takeMessages();
    const changed = await call(env.api, "GET", path, { headers: { "if-none-match": tag } });
    expect(changed.status).toBe(200);
    expect(changed.headers.get("etag")).not.toBe(tag);
    expect(parse(page(Run), changed).items[0]?.run_id).toBe((started.json as { run_id: string }).run_id);
  });

  it("reads a run with its log, or 404", async () => {
    const finished = parse(page(Run), await api("GET", `/api/sync/runs?site_id=${SITE}`)).items.find(
      (r) => r.status !== "queued",
    );
    expect(finished).toBeDefined();
    const res = await api("GET", `/api/sync/runs/${finished?.run_id}`);
    expect(res.status).toBe(200);
    const run = parse(Run, res);
    expect(run.log?.length).toBeGreaterThan(0);
    expect(run.entities.paintings?.status).toBe("succeeded");
    const missing = await api("GET", "/api/sync/runs/run_00000000000000000000000000");
    expect(missing.status).toBe(404);
    expect(errorOf(missing)).toMatchObject({ code: "not_found", reason: "run_not_found" });
  });
});

describe("GET /api/sync/runs/{run_id}/invalid", () => {
  let runId: string;
  /** Paintings the simulated Template serves broken: some by nature (no category), three by a fault. */
  let expected: number[];
  let priceBroken: number[];

  beforeAll(async () => {
    const served = sim.served("paintings");
    const valid = served.filter((p) => TemplatePainting.safeParse(p).success).map((p) => p.id);
    priceBroken = valid.slice(0, 3);
    expected = [...served.filter((p) => !valid.includes(p.id)).map((p) => p.id), ...priceBroken].sort();
    sim.faults.set("paintings", { invalid: [{ ids: priceBroken, field: "price", kind: "nonNumeric" }] });
    const [res] = await Promise.all([
      api("POST", `/api/sync/template/${SITE}?wait=25`, { json: { entities: ["paintings"] } }),
      env.drainUntilIdle(),
    ]);
    expect(res.status).toBe(200);
    runId = parse(SyncSummary, res).run_id;
    sim.faults.reset();
  });

  it("lists the records a run rejected, with why, paging to the end", async () => {
    const { items, pages } = await walk(
      env.api,
      `/api/sync/runs/${runId}/invalid?limit=2`,
      InvalidRecord,
      bodies,
    );
    expect(pages).toBe(Math.ceil(expected.length / 2));
    expect(items.map((r) => r.record_id as number).sort()).toEqual(expected);
    for (const record of items) {
      expect(record.entity).toBe("paintings");
      expect(record.raw).toMatchObject({ id: record.record_id });
      const why = record.reasons.join("; ");
      expect(why).toMatch(priceBroken.includes(record.record_id as number) ? /price/ : /category/);
    }
  });

  it("filters by entity", async () => {
    const paintings = parse(
      page(InvalidRecord),
      await api("GET", `/api/sync/runs/${runId}/invalid?entity=paintings`),
    );
    expect(paintings.items).toHaveLength(expected.length);
    const none = parse(page(InvalidRecord), await api("GET", `/api/sync/runs/${runId}/invalid?entity=users`));
    expect(none.items).toEqual([]);
    const bad = await api("GET", `/api/sync/runs/${runId}/invalid?entity=tableaux`);
    expect(bad.status).toBe(400);
  });

  it("answers 404 for an unknown run", async () => {
    const res = await api("GET", "/api/sync/runs/run_00000000000000000000000000/invalid");
    expect(res.status).toBe(404);
  });
});

describe("secrets", () => {
  it("never returned the site's API key nor logged it", () => {
    for (const body of bodies) expect(body).not.toContain(API_KEY);
    expect(logText(env.logs)).not.toContain(API_KEY);
  });
});
