import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  CustomRequestsList,
  ExhibitionsList,
  generateData,
  InvalidApiKeyBody,
  MASKED,
  OrdersPage,
  PaintingsPage,
  SettingsDocumented,
  SettingsFlat,
  type Sim,
  StatsBody,
  startSim,
  UsersPage,
} from "../src/index";
import { call, KEY, MASTER, scan } from "./helpers";

const open: Sim[] = [];
async function sim(opts: Partial<Parameters<typeof startSim>[0]> = {}): Promise<Sim> {
  const s = await startSim({ apiKey: KEY, masterKey: MASTER, ...opts });
  open.push(s);
  return s;
}
afterEach(async () => {
  await Promise.all(open.splice(0).map((s) => s.close()));
});

describe("export endpoints: shapes", () => {
  it("serves every endpoint in the Template's exact shape", async () => {
    const s = await sim();
    PaintingsPage.parse((await call(s, "/api/export/paintings")).json());
    UsersPage.parse((await call(s, "/api/export/users")).json());
    OrdersPage.parse((await call(s, "/api/export/orders")).json());
    ExhibitionsList.parse((await call(s, "/api/export/exhibitions")).json());
    CustomRequestsList.parse((await call(s, "/api/export/custom-requests")).json());
    StatsBody.parse((await call(s, "/api/export/stats")).json());
    SettingsFlat.parse((await call(s, "/api/export/settings")).json());
  });

  it("answers like Flask: application/json, sorted keys, ASCII-only, floats with .0, trailing newline", async () => {
    const s = await sim();
    const got = await call(s, "/api/export/paintings?limit=1");
    expect(got.headers.get("content-type")).toBe("application/json");
    expect(got.text.endsWith("}\n")).toBe(true);
    expect(got.text.startsWith('{"count":1,"paintings":[{"category":')).toBe(true);
    expect(/^[\x20-\x7e\n]*$/.test(got.text)).toBe(true);
    expect(got.text).toMatch(/"price":\d+\.\d+/);
  });

  it("serves what servedRecords() says, with site_name from the setting", async () => {
    const s = await sim({ siteName: "Atelier Monet" });
    const body = (await call(s, "/api/export/orders?limit=1000")).json<{ orders: unknown[] }>();
    expect(body.orders).toEqual(s.served("orders"));
    s.setSetting("site_name", "Atelier Morisot");
    const users = (await call(s, "/api/export/users")).json<{ users: { site_name: string }[] }>();
    expect(new Set(users.users.map((u) => u.site_name))).toEqual(new Set(["Atelier Morisot"]));
  });

  it("computes stats from the live data", async () => {
    const s = await sim();
    const before = StatsBody.parse((await call(s, "/api/export/stats")).json()).stats;
    expect(before.paintings_count).toBe(24);
    expect(before.users_count).toBe(40);
    expect(before.orders_count).toBe(30);
    expect(before.exhibitions_count).toBe(4);
    expect(before.custom_requests_count).toBe(3);
    expect(before.settings_count).toBe(Object.keys(s.data.settings).length);
    expect(before.order_items_count).toBe(s.data.orders.reduce((n, o) => n + o.items.length, 0));
    expect(before.delivered_orders).toBe(s.data.orders.filter((o) => o.status === "Livrée").length);
    expect(before.total_revenue).toBeCloseTo(
      s.data.orders.reduce((n, o) => n + o.total_price, 0),
      2,
    );
    s.add("paintings", 2);
    s.remove("users", 5);
    const after = StatsBody.parse((await call(s, "/api/export/stats")).json()).stats;
    expect(after.paintings_count).toBe(26);
    expect(after.users_count).toBe(35);
    const raw = (await call(s, "/api/export/stats")).text;
    expect(raw).toMatch(/"total_revenue":\d+\.\d+/);
    expect(raw).toMatch(/"timestamp":"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}"/);
  });
});

describe("paging and order", () => {
  let s: Sim;
  beforeAll(async () => {
    s = await startSim({ apiKey: KEY, sizes: { paintings: 450, users: 1100, orders: 230 } });
  });
  afterAll(async () => {
    await s.close();
  });

  it("uses the Template's default limits and count = page size", async () => {
    const p = (await call(s, "/api/export/paintings")).json<{ paintings: unknown[]; count: number }>();
    expect(p.count).toBe(200);
    expect(p.paintings).toHaveLength(200);
    expect((await call(s, "/api/export/users")).json<{ count: number }>().count).toBe(500);
    expect((await call(s, "/api/export/orders")).json<{ count: number }>().count).toBe(100);
    const last = (await call(s, "/api/export/paintings?offset=400")).json<{ count: number }>();
    expect(last.count).toBe(50);
    const past = (await call(s, "/api/export/paintings?offset=10000")).json<{
      paintings: unknown[];
      count: number;
    }>();
    expect(past).toEqual({ paintings: [], count: 0 });
  });

  it("pages to the end and returns every record once, in the Template's order", async () => {
    for (const [entity, limit] of [
      ["paintings", 200],
      ["users", 500],
      ["orders", 100],
      ["orders", 7],
    ] as const) {
      const { rows } = await scan<{ id: number }>(s, entity, limit);
      expect(rows).toEqual(s.served(entity));
      expect(new Set(rows.map((r) => r.id)).size).toBe(rows.length);
    }
  });

  it("sorts paintings by display_order DESC, id DESC; users by id DESC; orders by order_date DESC", async () => {
    const paintings = (await call(s, "/api/export/paintings?limit=1000")).json<{
      paintings: { id: number; display_order: number }[];
    }>().paintings;
    for (let i = 1; i < paintings.length; i++) {
      const a = paintings[i - 1]!;
      const b = paintings[i]!;
      expect(a.display_order > b.display_order || (a.display_order === b.display_order && a.id > b.id)).toBe(
        true,
      );
    }
    const users = (await call(s, "/api/export/users?limit=5000")).json<{ users: { id: number }[] }>().users;
    for (let i = 1; i < users.length; i++) expect(users[i - 1]!.id).toBeGreaterThan(users[i]!.id);
    const orders = (await call(s, "/api/export/orders?limit=5000")).json<{
      orders: { order_date: string }[];
    }>().orders;
    let ties = 0;
    for (let i = 1; i < orders.length; i++) {
      expect(orders[i - 1]!.order_date >= orders[i]!.order_date).toBe(true);
      if (orders[i - 1]!.order_date === orders[i]!.order_date) ties++;
    }
    expect(ties).toBeGreaterThan(0);
  });

  it("parses limit and offset like Flask's type=int: junk falls back to the default", async () => {
    expect((await call(s, "/api/export/paintings?limit=abc")).json<{ count: number }>().count).toBe(200);
    expect((await call(s, "/api/export/paintings?limit=2.5")).json<{ count: number }>().count).toBe(200);
    expect((await call(s, "/api/export/paintings?limit=%203%20")).json<{ count: number }>().count).toBe(3);
    expect((await call(s, "/api/export/paintings?limit=0")).json<{ count: number }>().count).toBe(0);
    expect((await call(s, "/api/export/paintings?limit=5000")).json<{ count: number }>().count).toBe(450);
  });

  it("fails like PostgreSQL on a negative limit or offset", async () => {
    const neg = await call(s, "/api/export/users?limit=-1");
    expect(neg.status).toBe(500);
    expect(neg.json()).toEqual({ error: "LIMIT must not be negative\n" });
    expect((await call(s, "/api/export/users?offset=-5")).status).toBe(500);
  });

  it("sorts exhibitions by date DESC and custom requests by created_at DESC", async () => {
    const big = await startSim({ apiKey: KEY, sizes: { exhibitions: 40, custom_requests: 40 } });
    try {
      const ex = (await call(big, "/api/export/exhibitions")).json<{ exhibitions: { date: string }[] }>()
        .exhibitions;
      expect(ex).toHaveLength(40);
      for (let i = 1; i < ex.length; i++) expect(ex[i - 1]!.date >= ex[i]!.date).toBe(true);
      const cr = (await call(big, "/api/export/custom-requests")).json<{
        custom_requests: { created_at: string }[];
      }>().custom_requests;
      for (let i = 1; i < cr.length; i++) expect(cr[i - 1]!.created_at >= cr[i]!.created_at).toBe(true);
    } finally {
      await big.close();
    }
  });
});

describe("API key", () => {
  it("answers 401 invalid_api_key when the key is missing, empty or wrong", async () => {
    const s = await sim();
    for (const key of [null, "", "wrong", `${KEY}x`, KEY.slice(0, -1)]) {
      for (const path of [
        "/api/export/paintings",
        "/api/export/users",
        "/api/export/orders",
        "/api/export/stats",
      ]) {
        const got = await call(s, path, { key });
        expect(got.status).toBe(401);
        expect(InvalidApiKeyBody.parse(got.json())).toEqual({ error: "invalid_api_key", success: false });
      }
    }
    expect(
      s.requests.filter((r) => r.status === 401).every((r) => r.auth === "missing" || r.auth === "invalid"),
    ).toBe(true);
  });

  it("accepts the site key and the master key, from the X-API-Key header only", async () => {
    const s = await sim();
    expect((await call(s, "/api/export/paintings", { key: KEY })).status).toBe(200);
    expect((await call(s, "/api/export/paintings", { key: MASTER })).status).toBe(200);
    expect((await call(s, `/api/export/paintings?api_key=${KEY}`, { key: null })).status).toBe(401);
    expect(
      (await call(s, "/api/export/paintings", { key: null, headers: { Authorization: `Bearer ${KEY}` } }))
        .status,
    ).toBe(401);
    expect(s.requests.map((r) => r.auth)).toEqual(["site_key", "master_key", "missing", "missing"]);
  });

  it("never records the key itself, even one sent in the query string", async () => {
    const s = await sim();
    await call(s, "/api/export/users");
    await call(s, `/api/export/users?api_key=${KEY}&limit=2`, { key: null });
    expect(JSON.stringify(s.requests)).not.toContain(KEY);
    expect(s.requests[1]?.query).toEqual({ api_key: "[redacted]", limit: "2" });
  });

  it("follows the export_api_key setting, as the Template does", async () => {
    const s = await sim();
    const put = await call(s, "/api/export/settings/export_api_key", {
      method: "PUT",
      body: { value: "new-key" },
    });
    expect(put.json()).toEqual({ ok: true, key: "export_api_key" });
    expect((await call(s, "/api/export/users")).status).toBe(401);
    expect((await call(s, "/api/export/users", { key: "new-key" })).status).toBe(200);
  });
});

describe("settings", () => {
  it("flat shape (default): no key needed, secrets in clear, only Stripe secrets removed", async () => {
    const s = await sim();
    const got = await call(s, "/api/export/settings", { key: null });
    expect(got.status).toBe(200);
    const flat = SettingsFlat.parse(got.json());
    expect(flat.site_name).toBe("Site Artiste");
    expect(flat.site_logo).toBe("🎨 Site Artiste");
    expect(flat.stripe_publishable_key).toMatch(/^pk_test_/);
    expect(flat.saas_site_price_cache).toBe("490.00");
    expect(flat.smtp_password).toBe(s.data.settings.smtp_password);
    expect(flat.export_api_key).toBe(KEY);
    expect(flat).not.toHaveProperty("stripe_secret_key");
    expect(flat).not.toHaveProperty("stripe_webhook_secret");
  });

  it("flat shape with the master key: everything but stripe_secret_key", async () => {
    const s = await sim();
    const flat = SettingsFlat.parse((await call(s, "/api/export/settings", { key: MASTER })).json());
    expect(flat.stripe_webhook_secret).toMatch(/^whsec_/);
    expect(flat).not.toHaveProperty("stripe_secret_key");
  });

  it("documented shape: key required, three secrets masked", async () => {
    const s = await sim({ settingsShape: "documented" });
    expect((await call(s, "/api/export/settings", { key: null })).status).toBe(401);
    const body = SettingsDocumented.parse((await call(s, "/api/export/settings")).json());
    expect(body.count).toBe(body.data.length);
    const byKey = Object.fromEntries(body.data.map((r) => [r.key, r.value]));
    expect(byKey.stripe_secret_key).toBe(MASKED);
    expect(byKey.smtp_password).toBe(MASKED);
    expect(byKey.export_api_key).toBe(MASKED);
    expect(byKey.site_name).toBe("Site Artiste");
    expect(byKey.saas_site_price_cache).toBe("490.00");
    expect(body.data.map((r) => r.id)).toEqual(body.data.map((_, i) => i + 1));
  });

  it("writes a setting with PUT /api/export/settings/<key> (key required)", async () => {
    const s = await sim();
    expect(
      (await call(s, "/api/export/settings/site_name", { method: "PUT", key: null, body: { value: "X" } }))
        .status,
    ).toBe(401);
    const missing = await call(s, "/api/export/settings/site_name", { method: "PUT", body: {} });
    expect(missing.status).toBe(400);
    expect(missing.json()).toEqual({ error: "Missing value" });
    expect(
      (await call(s, "/api/export/settings/site_name", { method: "PUT", body: { value: "Atelier" } })).status,
    ).toBe(200);
    expect(s.data.settings.site_name).toBe("Atelier");
    expect((await call(s, "/api/export/settings/site_name")).status).toBe(405);
  });

  it("serves the publishable key alone and never the secret key", async () => {
    const s = await sim();
    const pk = await call(s, "/api/export/settings/stripe_publishable_key", { key: null });
    expect(pk.json()).toEqual({ success: true, publishable_key: s.data.settings.stripe_publishable_key });
    const sk = await call(s, "/api/export/settings/stripe_secret_key", { key: MASTER });
    expect(sk.status).toBe(404);
    expect(sk.text).not.toContain("sk_test_");
  });
});

describe("optional endpoints, unknown paths, methods", () => {
  it("answers 404 for endpoints an older Template lacks", async () => {
    const s = await sim({ endpoints: { exhibitions: false, stats: false, custom_requests: false } });
    for (const path of ["/api/export/exhibitions", "/api/export/stats", "/api/export/custom-requests"]) {
      const got = await call(s, path);
      expect(got.status).toBe(404);
      expect(got.headers.get("content-type")).toContain("text/html");
    }
    expect((await call(s, "/api/export/paintings")).status).toBe(200);
  });

  it("answers 404 for unknown paths and 405 for a wrong method", async () => {
    const s = await sim();
    expect((await call(s, "/api/export/nope")).status).toBe(404);
    expect((await call(s, "/")).status).toBe(404);
    const post = await call(s, "/api/export/paintings", { method: "POST", body: {} });
    expect(post.status).toBe(405);
    expect(post.headers.get("allow")).toContain("GET");
  });

  it("answers HEAD like GET without a body", async () => {
    const s = await sim();
    const res = await fetch(`${s.url}/api/export/users`, { method: "HEAD", headers: { "X-API-Key": KEY } });
    expect(res.status).toBe(200);
    expect(Number(res.headers.get("content-length"))).toBeGreaterThan(100);
    expect(await res.text()).toBe("");
  });
});

describe("images", () => {
  it("serves each painting's image as a deterministic SVG, with or without /static, without a key", async () => {
    const s = await sim();
    for (const painting of s.data.paintings.slice(0, 6)) {
      const a = await call(s, `/static/${painting.image}`, { key: null });
      const b = await call(s, `/${painting.image}`, { key: null });
      expect(a.status).toBe(200);
      expect(a.headers.get("content-type")).toBe("image/svg+xml");
      expect(a.text).toMatch(/^<svg /);
      expect(b.text).toBe(a.text);
    }
    const other = await sim();
    const p = s.data.paintings[0]!;
    expect((await call(other, `/static/${p.image}`)).text).toBe((await call(s, `/static/${p.image}`)).text);
  });

  it("answers 404 for an image no painting uses (a deleted painting's file is gone)", async () => {
    const s = await sim();
    expect((await call(s, "/static/Images/nothing.jpg")).status).toBe(404);
    const [removed] = s.remove("paintings", 1);
    expect((await call(s, `/static/${removed!.image}`)).status).toBe(404);
    expect((await call(s, "/static/Images/../secret.txt")).status).toBe(404);
  });
});

describe("large pages and determinism", () => {
  it("serves a 50,000-record page", async () => {
    const s = await sim({ sizes: { users: 50_000, paintings: 10, orders: 10 } });
    const got = await call(s, "/api/export/users?limit=50000");
    const body = UsersPage.parse(got.json());
    expect(body.count).toBe(50_000);
    expect(new Set(body.users.map((u) => u.id)).size).toBe(50_000);
  });

  it("serves byte-identical data from two sims with the same seed", async () => {
    const a = await sim({ seed: 42 });
    const b = await sim({ seed: 42 });
    const c = await sim({ seed: 43 });
    for (const path of [
      "/api/export/paintings",
      "/api/export/users",
      "/api/export/orders",
      "/api/export/exhibitions",
    ]) {
      expect((await call(a, path)).text).toBe((await call(b, path)).text);
      expect((await call(a, path)).text).not.toBe((await call(c, path)).text);
    }
  });

  it("can serve a given data set", async () => {
    const data = generateData({ seed: 5, sizes: { paintings: 3 } });
    const s = await sim({ data });
    expect(s.data).toBe(data);
    expect((await call(s, "/api/export/paintings")).json<{ count: number }>().count).toBe(3);
    s.add("paintings", 2);
    s.reset();
    expect(s.data.paintings).toHaveLength(3);
  });
});

describe("lifecycle", () => {
  it("rejects bad options", async () => {
    await expect(startSim({ apiKey: "" })).rejects.toThrow(/apiKey/);
    await expect(startSim({ apiKey: KEY, port: 70000 })).rejects.toThrow(/port/);
  });

  it("listens on 127.0.0.1 and closes (twice is fine)", async () => {
    const s = await startSim({ apiKey: KEY });
    expect(s.url).toBe(`http://127.0.0.1:${s.port}`);
    await s.close();
    await s.close();
    await expect(fetch(`${s.url}/api/export/users`)).rejects.toThrow();
  });

  it("records every request served", async () => {
    const s = await sim();
    await call(s, "/api/export/paintings?limit=5&offset=10");
    await call(s, "/api/export/users", { key: "bad" });
    expect(s.requests).toHaveLength(2);
    expect(s.requests[0]).toMatchObject({
      method: "GET",
      path: "/api/export/paintings",
      query: { limit: "5", offset: "10" },
      status: 200,
      target: "paintings",
    });
    expect(Number.isNaN(Date.parse(s.requests[0]!.at))).toBe(false);
    expect(s.requests[1]).toMatchObject({ status: 401, auth: "invalid" });
    s.clearRequests();
    expect(s.requests).toHaveLength(0);
  });
});
