/**
 * The real Template's shapes (TEMPLATE-API.md, "What the current Template holds and serves"): NULL and ""
 * fields, `Exposition`, NULL display_order sorted first, an unforeseen secret setting, and the broken
 * custom-requests export, served over HTTP.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateData, RECORD_SCHEMAS, type Sim, startSim } from "../src/index";

describe("generateData({ realShapes: true })", () => {
  const data = generateData({ seed: 3, sizes: { paintings: 120, users: 40 }, realShapes: true });

  it("holds what real catalogues hold, each record still of the Template's schema", () => {
    for (const p of data.paintings) RECORD_SCHEMAS.paintings.parse(p);
    for (const u of data.users) RECORD_SCHEMAS.users.parse(u);
    const has = (f: (p: (typeof data.paintings)[number]) => boolean) => data.paintings.some(f);
    expect(has((p) => p.category === "")).toBe(true);
    expect(has((p) => p.category === null)).toBe(true);
    expect(has((p) => p.image === "")).toBe(true);
    expect(has((p) => p.technique === null && p.display_order === null)).toBe(true);
    expect(has((p) => p.status === "")).toBe(true);
    expect(has((p) => p.status === null)).toBe(true);
    expect(has((p) => p.status === "Exposition")).toBe(true);
    expect(data.users.some((u) => u.name === "")).toBe(true);
    expect(data.settings.google_places_key).toMatch(/^AIza[0-9a-f]{35}$/);
    // A share of the catalogue (the base data already has NULL categories), not most of it.
    const odd = data.paintings.filter((p) => p.category === "" || p.category === null || p.image === "");
    expect(odd.length).toBeLessThan(data.paintings.length * 0.25);
  });

  it("sorts a NULL display_order first, as PostgreSQL does with DESC", () => {
    const firstNonNull = data.paintings.findIndex((p) => p.display_order !== null);
    expect(firstNonNull).toBeGreaterThan(0);
    expect(data.paintings.slice(firstNonNull).every((p) => p.display_order !== null)).toBe(true);
  });

  it("changes nothing without the option", () => {
    const plain = generateData({ seed: 3, sizes: { paintings: 120, users: 40 } });
    expect(plain.settings.google_places_key).toBeUndefined();
    expect(plain.paintings.every((p) => p.display_order !== null && p.status !== null)).toBe(true);
  });
});

describe("the broken custom-requests export", () => {
  let sim: Sim;
  beforeAll(async () => {
    sim = await startSim({ apiKey: "k", sizes: { custom_requests: 3 }, brokenCustomRequests: true });
  });
  afterAll(async () => {
    await sim?.close();
  });

  it("serves column names instead of values for every record, as the current app.py does", async () => {
    const res = await fetch(`${sim.url}/api/export/custom-requests`, { headers: { "X-API-Key": "k" } });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { custom_requests: Record<string, unknown>[] };
    expect(body.custom_requests).toHaveLength(3);
    for (const r of body.custom_requests) {
      expect(Object.keys(r).length).toBeGreaterThan(3);
      for (const [k, v] of Object.entries(r)) expect(v).toBe(k);
    }
  });
});
