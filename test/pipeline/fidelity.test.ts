/**
 * Faithful to the real Template (issue 9), end to end through the local runtime: a template-sim site shaped
 * like the current Template (NULL and empty fields, `Exposition`, NULL display_order, the broken
 * custom-requests export, flat settings served without a key and holding a secret no pattern knows) is
 * registered and synced through the HTTP API, the real poller and consumer, on DynamoDB Local and fauxqs.
 */
import { validateRecord } from "@dashboard/core/template/schema";
import { type Sim, startSim } from "@dashboard/template-sim";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { addSiteAndSync, listAll, type RunView, startTestRuntime, type TestRuntime } from "./support";

interface Painting {
  id: number;
  name: string | null;
  category: string | null;
  status: string | null;
  technique: string | null;
  display_order: number | null;
  price: number | null;
  image: string | null;
  image_url: string | null;
  quality: string[];
}
interface User {
  id: number;
  name: string | null;
  role: string | null;
  quality: string[];
}
interface EntityView {
  status: string;
  valid: number;
  flagged: number;
  rejected: number;
  error?: { code: string; message: string };
}
interface HealthView {
  warnings: { code: string; message: string; action: string; keys: string[] }[];
}

const API_KEY = "real_template_key_3e9d41";
const SITE = "atelier-reel";

let t: TestRuntime;
let sim: Sim;
let run: RunView;
const entity = (name: string) => run.entities[name] as unknown as EntityView;

beforeAll(async () => {
  [t, sim] = await Promise.all([
    startTestRuntime({ demoSites: 0 }),
    startSim({
      apiKey: API_KEY,
      seed: 909,
      siteName: "Atelier Réel",
      sizes: { paintings: 60, users: 30, orders: 25, exhibitions: 2, custom_requests: 3 },
      realShapes: true,
      brokenCustomRequests: true,
    }),
  ]);
  run = await addSiteAndSync(t.api, {
    id: SITE,
    name: "Atelier Réel",
    template_url: sim.url,
    api_key: API_KEY,
  });
});

afterAll(async () => {
  await t?.close();
  await sim?.close();
});

describe("a sync of a site shaped like the real Template", () => {
  it("stores every painting, user and order the Template holds, flagged ones included", async () => {
    for (const name of ["paintings", "users", "orders"] as const) {
      const stored = await listAll<{ id: number }>(t.api, `/api/${name}?site_id=${SITE}`);
      expect(stored.map((r) => r.id).sort((a, b) => a - b)).toEqual(
        sim
          .served(name)
          .map((r) => r.id)
          .sort((a, b) => a - b),
      );
      expect(entity(name)).toMatchObject({ status: "succeeded", rejected: 0 });
    }
    expect(entity("paintings").flagged).toBeGreaterThan(0);
    expect(entity("users").flagged).toBeGreaterThan(0);
    // Flagged records do not make a site partial; only the broken custom-requests export does here.
    expect(run.success).toBe(true);
    expect(run.status).toBe("partial");
    expect(run.log?.some((l) => l.level === "WARNING" && /Peinture invalide/.test(l.message))).toBe(true);
  });

  it("keeps NULL and empty as null, with the quality codes of what the seed requires", async () => {
    const stored = new Map(
      (await listAll<Painting>(t.api, `/api/paintings?site_id=${SITE}`)).map((p) => [p.id, p]),
    );
    for (const served of sim.served("paintings")) {
      const p = stored.get(served.id);
      expect(p).toBeDefined();
      const expectNull = (v: unknown) => v === null || v === "";
      expect(p?.category === null).toBe(expectNull(served.category));
      expect(p?.status === null).toBe(expectNull(served.status));
      expect(p?.technique === null).toBe(expectNull(served.technique));
      expect(p?.display_order === null).toBe(served.display_order === null);
      // Prices keep the number the Template sent.
      expect(p?.price).toBe(served.price);
      const check = validateRecord("paintings", served);
      expect(p?.quality).toEqual(check.ok ? check.quality : ["(rejected)"]);
    }
    expect([...stored.values()].some((p) => p.quality.includes("category_missing"))).toBe(true);
    expect([...stored.values()].some((p) => p.status === "Exposition")).toBe(true);

    const users = await listAll<User>(t.api, `/api/users?site_id=${SITE}`);
    const nameless = users.filter((u) => u.name === null);
    expect(nameless.length).toBeGreaterThan(0);
    for (const u of nameless) expect(u.quality).toEqual(["name_missing"]);
  });

  it("matches no filter with an invented value, and lists flagged records on their own", async () => {
    const disponible = await listAll<Painting>(t.api, `/api/paintings?site_id=${SITE}&status=disponible`);
    const expected = sim.served("paintings").filter((p) => p.status?.toLowerCase() === "disponible");
    expect(disponible.map((p) => p.id).sort()).toEqual(expected.map((p) => p.id).sort());

    const flagged = await listAll<Painting>(t.api, `/api/paintings?site_id=${SITE}&quality=flagged`);
    expect(flagged.length).toBe(entity("paintings").flagged);
    expect(flagged.every((p) => p.quality.length > 0)).toBe(true);
    const complete = await listAll<Painting>(t.api, `/api/paintings?site_id=${SITE}&quality=complete`);
    expect(complete.every((p) => p.quality.length === 0)).toBe(true);
    expect(flagged.length + complete.length).toBe(sim.served("paintings").length);
    const bad = await t.api.get(`/api/paintings?site_id=${SITE}&quality=maybe`);
    expect(bad.status).toBe(400);
  });

  it("lists paintings in the artist's order, as the Template does", async () => {
    const artist = await listAll<Painting>(t.api, `/api/paintings?site_id=${SITE}&sort=artist`);
    expect(artist.map((p) => p.id)).toEqual(sim.served("paintings").map((p) => p.id));
    expect(artist[0]?.display_order).toBeNull();
    const acrossSites = await t.api.get<{ error: { code: string } }>("/api/paintings?sort=artist");
    expect(acrossSites.status).toBe(400);
    expect(acrossSites.json.error.code).toBe("invalid_request");
  });

  it("links every image where the Template serves it, and none for an empty one", async () => {
    const paintings = await listAll<Painting>(t.api, `/api/paintings?site_id=${SITE}`);
    const withImage = paintings.filter((p) => p.image !== null);
    expect(paintings.some((p) => p.image === null && p.image_url === null)).toBe(true);
    expect(withImage.length).toBeGreaterThan(0);
    for (const p of withImage.slice(0, 10)) {
      expect(p.image_url).toBe(`${sim.url}/static/${p.image}`);
      const image = await fetch(p.image_url as string);
      expect(image.status).toBe(200);
      expect(image.headers.get("content-type")).toMatch(/^image\//);
      await image.arrayBuffer();
    }
  });

  it("masks a secret setting no pattern anticipates, and never serves it", async () => {
    const secret = sim.data.settings.google_places_key as string;
    expect(secret).toMatch(/^AIza/);
    const settings = await t.api.get<{ items: { key: string; value: string | null; masked: boolean }[] }>(
      `/api/sites/${SITE}/settings`,
    );
    expect(settings.status).toBe(200);
    expect(settings.json.items.find((s) => s.key === "google_places_key")).toMatchObject({
      masked: true,
      value: "***MASKED***",
    });
    expect(settings.json.items.find((s) => s.key === "site_name")).toMatchObject({
      masked: false,
      value: "Atelier Réel",
    });
    expect(settings.text).not.toContain(secret);
    expect(settings.text).not.toContain(API_KEY);
  });

  it("fails the broken custom-requests export with its reason, and deletes nothing", () => {
    expect(entity("custom_requests")).toMatchObject({
      status: "failed",
      valid: 0,
      rejected: 3,
      error: { code: "unreadable_records" },
    });
    expect(entity("custom_requests").error?.message).toMatch(
      /custom requests returns unreadable records: every record rejected/,
    );
  });

  it("warns that the Template serves its settings without a key, keeping no leaked value", async () => {
    const site = await t.api.get<{ health?: HealthView }>(`/api/sites/${SITE}`);
    expect(site.status).toBe(200);
    const codes = site.json.health?.warnings.map((w) => w.code);
    expect(codes).toEqual(["settings_exposed_without_key", "settings_secrets_in_clear"]);
    const exposed = site.json.health?.warnings[0];
    expect(exposed?.keys).toEqual(
      expect.arrayContaining(["export_api_key", "google_places_key", "smtp_password"]),
    );
    expect(exposed?.action).toMatch(/rotate/);
    expect(site.text).not.toContain(API_KEY);
    expect(site.text).not.toContain(sim.data.settings.smtp_password as string);
    // The Dashboard never asks for the full export.
    expect(sim.requests.some((r) => r.path.startsWith("/api/export/full"))).toBe(false);
  });
});
