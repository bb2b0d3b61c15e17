import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { RECORD_SCHEMAS, type Sim, startSim } from "../src/index";
import { call, KEY } from "./helpers";

let s: Sim;
beforeEach(async () => {
  s = await startSim({ apiKey: KEY, seed: 3 });
});
afterEach(async () => {
  await s.close();
});

const control = (path: string, method = "GET", body?: unknown) =>
  call(s, `/__sim${path}`, { key: null, method, ...(body !== undefined ? { body } : {}) });

describe("control API /__sim/", () => {
  it("describes the site, without any secret", async () => {
    const got = await control("/");
    expect(got.status).toBe(200);
    expect(got.json()).toMatchObject({
      name: "template-sim",
      url: s.url,
      seed: 3,
      site_name: "Site Artiste",
      settings_shape: "flat",
      endpoints: { exhibitions: true, stats: true, custom_requests: true },
      counts: { paintings: 24, users: 40, orders: 30, exhibitions: 4, custom_requests: 3 },
      key_revoked: false,
    });
    expect(got.text).not.toContain(KEY);
  });

  it("sets, merges, reads and clears faults", async () => {
    const put = await control("/faults/paintings", "PUT", { status: 503, times: 2 });
    expect(put.json()).toEqual({ target: "paintings", fault: { status: 503, times: 2 } });
    expect((await call(s, "/api/export/paintings")).status).toBe(503);
    expect((await control("/faults/paintings")).json()).toEqual({
      target: "paintings",
      fault: { status: 503, times: 1 },
    });
    await control("/faults/paintings", "PATCH", { latencyMs: 1 });
    expect((await control("/faults")).json()).toEqual({
      faults: { paintings: { status: 503, times: 1, latencyMs: 1 } },
      keyRevoked: false,
    });
    expect((await control("/faults/paintings", "DELETE")).status).toBe(204);
    expect((await call(s, "/api/export/paintings")).status).toBe(200);

    await control("/faults/all", "PUT", { html: 5 });
    expect((await control("/faults", "DELETE")).status).toBe(204);
    await control("/faults/all", "PUT", { html: 5 });
    expect((await control("/faults/reset", "POST")).status).toBe(204);
    expect((await control("/faults")).json()).toEqual({ faults: {}, keyRevoked: false });
  });

  it("rejects bad fault specs with 400 and unknown targets with 404", async () => {
    const bad = await control("/faults/users", "PUT", { status: 200 });
    expect(bad.status).toBe(400);
    expect(bad.json()).toMatchObject({ error: { code: "invalid_request" } });
    expect((await control("/faults/users", "PUT", "{not json")).status).toBe(400);
    expect((await control("/faults/everything", "PUT", {})).status).toBe(404);
    expect((await control("/faults/users", "POST", {})).status).toBe(405);
  });

  it("mutates records: add, change, remove, reorder", async () => {
    const added = (await control("/data/users/add", "POST", { n: 2 })).json<{ records: { id: number }[] }>()
      .records;
    expect(added).toHaveLength(2);
    for (const r of added) RECORD_SCHEMAS.users.parse(r);
    expect(s.data.users).toHaveLength(42);

    const changed = (await control("/data/orders/change", "POST", { n: 3 })).json<{ records: unknown[] }>()
      .records;
    expect(changed).toHaveLength(3);

    const removed = (await control("/data/custom-requests/remove", "POST", {})).json<{
      records: { id: number }[];
    }>().records;
    expect(removed).toHaveLength(1);
    expect(s.data.custom_requests).toHaveLength(2);

    const before = s.served("paintings").map((p) => p.id);
    expect((await control("/data/paintings/reorder", "POST")).status).toBe(204);
    expect(s.served("paintings").map((p) => p.id)).not.toEqual(before);
    expect((await control("/data/users/reorder", "POST")).status).toBe(400);
  });

  it("lists records exactly as served", async () => {
    const got = (await control("/data/orders")).json<{ records: unknown[] }>();
    expect(got.records).toEqual(s.served("orders"));
    expect((await control("/data/nothing")).status).toBe(404);
    expect((await control("/data/users/explode", "POST", {})).status).toBe(404);
    expect((await control("/data/users/add", "POST", { n: -2 })).status).toBe(400);
  });

  it("reads and writes settings", async () => {
    expect((await control("/settings/site_name", "PUT", { value: "Atelier Sisley" })).status).toBe(200);
    const users = (await call(s, "/api/export/users")).json<{ users: { site_name: string }[] }>().users;
    expect(users[0]?.site_name).toBe("Atelier Sisley");
    expect((await control("/settings")).json<{ settings: Record<string, string> }>().settings.site_name).toBe(
      "Atelier Sisley",
    );
    expect((await control("/settings/stripe_publishable_key", "DELETE")).status).toBe(204);
    expect((await call(s, "/api/export/settings/stripe_publishable_key")).status).toBe(404);
    expect((await control("/settings/site_name", "PUT", { value: 3 })).status).toBe(400);
  });

  it("lists and clears the request log, which control calls stay out of", async () => {
    await call(s, "/api/export/users?limit=3");
    await control("/");
    const log = (await control("/requests")).json<{ requests: { path: string; status: number }[] }>()
      .requests;
    expect(log).toHaveLength(1);
    expect(log[0]).toMatchObject({ path: "/api/export/users", status: 200 });
    expect((await control("/requests", "DELETE")).status).toBe(204);
    expect(s.requests).toHaveLength(0);
  });

  it("resets data, faults and the log", async () => {
    const initial = s.served("paintings");
    await control("/data/paintings/remove", "POST", { n: 10 });
    await control("/faults/all", "PUT", { revokeKeyAfter: 0 });
    expect((await call(s, "/api/export/paintings")).status).toBe(401);
    expect((await control("/reset", "POST")).status).toBe(204);
    expect(s.served("paintings")).toEqual(initial);
    expect(s.faults.snapshot()).toEqual({ faults: {}, keyRevoked: false });
    expect((await call(s, "/api/export/paintings")).status).toBe(200);
    expect(s.requests).toHaveLength(1);
  });

  it("answers 404 for unknown control routes and is never faulted", async () => {
    expect((await control("/nothing")).status).toBe(404);
    s.faults.set("all", { status: 503, times: 10 });
    expect((await control("/")).status).toBe(200);
  });
});
