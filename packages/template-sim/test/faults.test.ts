import { afterEach, describe, expect, it } from "vitest";
import { ZodError } from "zod";
import { DEFAULT_ERROR_TEXT, type Sim, type SimOptions, startSim } from "../src/index";
import { call, KEY, MASTER, scan } from "./helpers";

const open: Sim[] = [];
async function sim(opts: Partial<SimOptions> = {}): Promise<Sim> {
  const s = await startSim({ apiKey: KEY, masterKey: MASTER, ...opts });
  open.push(s);
  return s;
}
afterEach(async () => {
  await Promise.all(open.splice(0).map((s) => s.close()));
});

describe("latencyMs", () => {
  it("delays every response; endpoint and 'all' delays add up", async () => {
    const s = await sim();
    s.faults.set("users", { latencyMs: 120 });
    s.faults.set("all", { latencyMs: 80 });
    let started = performance.now();
    expect((await call(s, "/api/export/users")).status).toBe(200);
    expect(performance.now() - started).toBeGreaterThanOrEqual(190);
    started = performance.now();
    expect((await call(s, "/api/export/stats")).status).toBe(200);
    expect(performance.now() - started).toBeGreaterThanOrEqual(75);
    // Still there for the next request: latency is not a counted fault.
    expect(s.faults.get("users")).toEqual({ latencyMs: 120 });
  });
});

describe("hang", () => {
  it("accepts the next N requests and never answers them", async () => {
    const s = await sim();
    s.faults.set("orders", { hang: 1 });
    const aborter = new AbortController();
    const pending = call(s, "/api/export/orders", { signal: aborter.signal });
    // The request is in the log (status 0) once the server has taken it; then give up on it.
    await expect.poll(() => s.requests.length).toBe(1);
    aborter.abort();
    await expect(pending).rejects.toThrow();
    expect(s.requests[0]).toMatchObject({ path: "/api/export/orders", status: 0, fault: "hang" });
    expect((await call(s, "/api/export/orders")).status).toBe(200);
  });

  it("does not keep close() waiting", async () => {
    const s = await startSim({ apiKey: KEY });
    s.faults.set("all", { hang: 5 });
    const pending = call(s, "/api/export/users").catch((error: unknown) => error);
    await expect.poll(() => s.requests.length).toBe(1);
    await s.close();
    expect(await pending).toBeInstanceOf(Error);
  });
});

describe("status", () => {
  it("answers the next `times` requests with a 5xx and the Template's error body", async () => {
    const s = await sim();
    s.faults.set("paintings", { status: 503, times: 2 });
    for (let i = 0; i < 2; i++) {
      const got = await call(s, "/api/export/paintings");
      expect(got.status).toBe(503);
      expect(got.json()).toEqual({ error: DEFAULT_ERROR_TEXT });
    }
    expect((await call(s, "/api/export/paintings")).status).toBe(200);
    expect(s.faults.get("paintings")).toBeUndefined();
    expect(s.requests.map((r) => r.fault ?? null)).toEqual(["status", "status", null]);
  });

  it("defaults to one time and takes a custom exception text", async () => {
    const s = await sim();
    const stored = s.faults.set("users", { status: 500, message: 'relation "users" does not exist' });
    expect(stored).toEqual({ status: 500, times: 1, message: 'relation "users" does not exist' });
    expect((await call(s, "/api/export/users")).json()).toEqual({ error: 'relation "users" does not exist' });
    expect((await call(s, "/api/export/users")).status).toBe(200);
  });

  it("answers 429 with Retry-After", async () => {
    const s = await sim();
    s.faults.set("orders", { status: 429, times: 1, retryAfter: 7 });
    const got = await call(s, "/api/export/orders");
    expect(got.status).toBe(429);
    expect(got.headers.get("retry-after")).toBe("7");
    expect((await call(s, "/api/export/orders")).status).toBe(200);
  });

  it("comes before the API key check, like a proxy in front of the site", async () => {
    const s = await sim();
    s.faults.set("stats", { status: 502 });
    expect((await call(s, "/api/export/stats", { key: null })).status).toBe(502);
  });
});

describe("malformed and html", () => {
  it("cuts the next N JSON bodies in the middle", async () => {
    const s = await sim();
    s.faults.set("users", { malformed: 1 });
    const got = await call(s, "/api/export/users");
    expect(got.status).toBe(200);
    expect(got.headers.get("content-type")).toBe("application/json");
    expect(got.text.length).toBeGreaterThan(10);
    expect(() => got.json()).toThrow(SyntaxError);
    expect((await call(s, "/api/export/users")).json<{ count: number }>().count).toBe(40);
  });

  it("answers the next N requests with a 200 HTML page", async () => {
    const s = await sim();
    s.faults.set("exhibitions", { html: 2 });
    for (let i = 0; i < 2; i++) {
      const got = await call(s, "/api/export/exhibitions");
      expect(got.status).toBe(200);
      expect(got.headers.get("content-type")).toContain("text/html");
      expect(got.text).toContain("<!DOCTYPE html>");
      expect(() => got.json()).toThrow(SyntaxError);
    }
    expect((await call(s, "/api/export/exhibitions")).headers.get("content-type")).toBe("application/json");
  });
});

describe("paging faults", () => {
  it("failAtOffset: pages from offset X on fail with a 500 (a scan that breaks half-way)", async () => {
    const s = await sim({ sizes: { paintings: 450 } });
    s.faults.set("paintings", { failAtOffset: 200 });
    expect((await call(s, "/api/export/paintings?offset=0")).status).toBe(200);
    const failed = await call(s, "/api/export/paintings?offset=200");
    expect(failed.status).toBe(500);
    expect(failed.json<{ error: string }>().error).toMatch(/statement timeout/);
    expect((await call(s, "/api/export/paintings?offset=400")).status).toBe(500);
    expect(s.requests.at(-1)?.fault).toBe("failAtOffset");
  });

  it("limitCap: at most K records per page whatever limit asks", async () => {
    const s = await sim({ sizes: { users: 120 } });
    s.faults.set("users", { limitCap: 50 });
    expect((await call(s, "/api/export/users?limit=500")).json<{ count: number }>().count).toBe(50);
    expect((await call(s, "/api/export/users?limit=10")).json<{ count: number }>().count).toBe(10);
    // A client paging by what it asked stops early; paging by what it got reaches everything.
    expect((await scan(s, "users", 500)).rows).toHaveLength(50);
    const all: number[] = [];
    for (let offset = 0; ; ) {
      const page = (await call(s, `/api/export/users?limit=500&offset=${offset}`)).json<{
        users: { id: number }[];
      }>();
      all.push(...page.users.map((u) => u.id));
      if (page.users.length === 0) break;
      offset += page.users.length;
    }
    expect(new Set(all).size).toBe(120);
  });

  it("unstableOrder insert: a record inserted at the top between pages makes a row repeat", async () => {
    const s = await sim({ sizes: { paintings: 95 } });
    s.faults.set("paintings", { unstableOrder: true });
    const { rows } = await scan<{ id: number }>(s, "paintings", 20);
    const ids = rows.map((r) => r.id);
    expect(ids.length - new Set(ids).size).toBeGreaterThan(0);
    expect(s.data.paintings.length).toBeGreaterThan(95);
    // The new paintings went to the top, so a scan misses them: the data changed under it.
    expect(s.data.paintings.length).toBe(95 + 4);
  });

  it("unstableOrder remove: the top record deleted between pages makes a row get skipped", async () => {
    const s = await sim({ sizes: { users: 95 } });
    s.faults.set("users", { unstableOrder: "remove" });
    const { rows } = await scan<{ id: number }>(s, "users", 20);
    const seen = new Set(rows.map((r) => r.id));
    const stillThereButMissed = s.data.users.filter((u) => !seen.has(u.id));
    expect(stillThereButMissed.length).toBeGreaterThan(0);
  });

  it("unstableOrder ties: equal order_date rows come in a different order from one request to the next", async () => {
    const s = await sim({ sizes: { orders: 400 } });
    s.faults.set("orders", { unstableOrder: "ties" });
    const ids = async (): Promise<number[]> =>
      (await call(s, "/api/export/orders?limit=1000"))
        .json<{ orders: { id: number; order_date: string }[] }>()
        .orders.map((o) => o.id);
    const first = await ids();
    const second = await ids();
    expect(second).not.toEqual(first);
    expect([...second].sort()).toEqual([...first].sort());
    const byId = new Map(s.data.orders.map((o) => [o.id, o.order_date]));
    const dates = second.map((id) => byId.get(id) as string);
    for (let i = 1; i < dates.length; i++) expect(dates[i - 1]! >= dates[i]!).toBe(true);
  });
});

describe("invalid", () => {
  it("breaks the given fields of the given records, without touching the data", async () => {
    const s = await sim();
    const [a, b, c, d, e] = s.served("paintings").map((p) => p.id);
    s.faults.set("paintings", {
      invalid: [
        { ids: [a!], field: "name", kind: "absent" },
        { ids: [b!], field: "price", kind: "null" },
        { ids: [c!], field: "image", kind: "empty" },
        { ids: [d!], field: "price", kind: "nonNumeric" },
        { ids: [e!], field: "id", kind: "value", value: "douze" },
      ],
    });
    const page = (await call(s, "/api/export/paintings")).json<{ paintings: Record<string, unknown>[] }>()
      .paintings;
    expect(page[0]).not.toHaveProperty("name");
    expect(page[1]?.price).toBeNull();
    expect(page[2]?.image).toBe("");
    expect(page[3]?.price).toBe("N/A");
    expect(page[4]?.id).toBe("douze");
    expect(page[5]).toEqual(s.served("paintings")[5]);
    expect(s.data.paintings.find((p) => p.id === a)?.name).toEqual(expect.any(String));
  });

  it("can break every line of an order", async () => {
    const s = await sim();
    const order = s.served("orders").find((o) => o.items.length > 0)!;
    s.faults.set("orders", { invalid: [{ ids: [order.id], field: "items.price", kind: "nonNumeric" }] });
    const served = (await call(s, "/api/export/orders")).json<{
      orders: { id: number; items: { price: unknown }[] }[];
    }>();
    const broken = served.orders.find((o) => o.id === order.id)!;
    expect(broken.items.every((i) => i.price === "N/A")).toBe(true);
  });
});

describe("revokeKeyAfter", () => {
  it("accepts the key N more times, then 401s; the master key still works; reset() restores", async () => {
    const s = await sim();
    s.faults.set("all", { revokeKeyAfter: 2 });
    expect((await call(s, "/api/export/paintings")).status).toBe(200);
    expect((await call(s, "/api/export/users")).status).toBe(200);
    const revoked = await call(s, "/api/export/orders");
    expect(revoked.status).toBe(401);
    expect(revoked.json()).toEqual({ error: "invalid_api_key", success: false });
    expect(s.requests.at(-1)?.fault).toBe("revoked");
    expect(s.faults.keyRevoked).toBe(true);
    expect(s.data.settings.export_api_key).not.toBe(KEY);
    expect((await call(s, "/api/export/orders", { key: MASTER })).status).toBe(200);
    s.faults.reset();
    expect((await call(s, "/api/export/orders")).status).toBe(200);
    expect(s.data.settings.export_api_key).toBe(KEY);
  });

  it("revokes at once with 0", async () => {
    const s = await sim();
    s.faults.set("users", { revokeKeyAfter: 0 });
    expect((await call(s, "/api/export/paintings")).status).toBe(401);
  });
});

describe("composition and control", () => {
  it("applies 'all' to every endpoint, images and settings included, after the endpoint's own faults", async () => {
    const s = await sim();
    s.faults.set("all", { status: 503, times: 3 });
    s.faults.set("users", { malformed: 1, status: 500, times: 1 });
    expect((await call(s, "/api/export/users")).status).toBe(500);
    expect((await call(s, "/api/export/users")).status).toBe(503);
    expect((await call(s, `/static/${s.data.paintings[0]!.image}`)).status).toBe(503);
    expect((await call(s, "/api/export/settings")).status).toBe(503);
    const cut = await call(s, "/api/export/users");
    expect(cut.status).toBe(200);
    expect(() => cut.json()).toThrow(SyntaxError);
    expect((await call(s, "/api/export/users")).json<{ count: number }>().count).toBe(40);
  });

  it("update() merges, clear() and reset() remove, snapshot() shows what is left", async () => {
    const s = await sim();
    s.faults.set("orders", { hang: 2, latencyMs: 5 });
    s.faults.update("orders", { html: 1 });
    expect(s.faults.get("orders")).toEqual({ hang: 2, latencyMs: 5, html: 1 });
    s.faults.set("stats", { status: 500, times: 4 });
    expect(s.faults.snapshot()).toEqual({
      faults: { orders: { hang: 2, latencyMs: 5, html: 1 }, stats: { status: 500, times: 4 } },
      keyRevoked: false,
    });
    s.faults.clear("orders");
    expect(s.faults.get("orders")).toBeUndefined();
    s.faults.reset();
    expect(s.faults.snapshot()).toEqual({ faults: {}, keyRevoked: false });
    expect((await call(s, "/api/export/stats")).status).toBe(200);
  });

  it("rejects invalid fault specs", async () => {
    const s = await sim();
    for (const bad of [
      { status: 404 },
      { times: 2 },
      { retryAfter: 3, status: 503 },
      { hang: -1 },
      { limitCap: 0 },
      { unknown: 1 },
      { unstableOrder: "sideways" },
      { invalid: [{ ids: [], field: "price", kind: "null" }] },
      { invalid: [{ ids: [1], field: "price", kind: "value" }] },
    ]) {
      expect(() => s.faults.set("users", bad as never)).toThrow(ZodError);
    }
    expect(() => s.faults.set("nowhere" as never, {})).toThrow(ZodError);
    expect(s.faults.snapshot().faults).toEqual({});
  });
});
