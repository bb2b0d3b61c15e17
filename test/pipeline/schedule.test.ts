/**
 * Acceptance (b): the runtime's timer invokes the scheduler handler with a Scheduled Event, which starts one
 * run per enabled site; the consumer syncs them; a disabled site is left alone. The period is 3 s here
 * instead of 900 s; nothing else differs from `npm start`.
 */
import { type Sim, startSim } from "@dashboard/template-sim";
import { afterAll, beforeAll, expect, it } from "vitest";
import { finishedRun, listAll, runsOf, startTestRuntime, type TestRuntime, waitFor } from "./support";

let t: TestRuntime;
const sims: Sim[] = [];

beforeAll(async () => {
  t = await startTestRuntime({ demoSites: 0, syncIntervalSeconds: 3 });
});

afterAll(async () => {
  await t?.close();
  await Promise.all(sims.map((sim) => sim.close()));
});

it("(b) a scheduled tick syncs every enabled site, and skips a disabled one", async () => {
  const sites = [
    { id: "sched-a", enabled: true, seed: 31 },
    { id: "sched-b", enabled: true, seed: 32 },
    { id: "sched-off", enabled: false, seed: 33 },
  ];
  for (const site of sites) {
    const apiKey = `key-${site.id}-000001`;
    const sim = await startSim({ apiKey, seed: site.seed, sizes: { paintings: 15, users: 10, orders: 8 } });
    sims.push(sim);
    const created = await t.api.post("/api/sites", {
      id: site.id,
      name: `Site ${site.id}`,
      template_url: sim.url,
      api_key: apiKey,
      enabled: site.enabled,
    });
    expect(created.status).toBe(201);
  }

  for (const site of sites.filter((s) => s.enabled)) {
    const scheduled = await waitFor(
      `a scheduled run of ${site.id}`,
      async () => (await runsOf(t.api, site.id)).find((r) => r.trigger === "schedule"),
      { timeoutMs: 30_000, intervalMs: 250 },
    );
    const run = await finishedRun(t.api, scheduled.run_id, 60_000);
    expect(run.success).toBe(true);
    expect(Object.keys(run.entities).sort()).toEqual(
      ["custom_requests", "exhibitions", "orders", "paintings", "settings", "stats", "users"].sort(),
    );
    const paintings = await listAll(t.api, `/api/paintings?site_id=${site.id}`);
    expect(paintings.length).toBe(run.entities.paintings?.valid);
    expect(paintings.length).toBeGreaterThan(0);
  }

  // The ticks that started those runs skipped the disabled site: no run, not one request to its Template.
  expect(await runsOf(t.api, "sched-off")).toEqual([]);
  const off = sims[2];
  expect(off?.requests.filter((r) => r.path.startsWith("/api/export/"))).toEqual([]);
}, 120_000);
