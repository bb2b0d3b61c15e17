/**
 * Fault matrix: a Template that answers one page of 50,000 records. DynamoDB Local writes a little over
 * a thousand items a second on a loaded two-core machine, so this one case takes most of a minute; it
 * lives in its own file so that it runs beside the rest of the matrix.
 */
import { type Sim, startSim } from "@dashboard/template-sim";
import { createEngine, type Engine } from "@dashboard/testing/engine";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as RunStore from "../../src/run";
import * as SiteStore from "../../src/site";
import * as Sync from "../../src/sync";
import { API_KEY, consume, differences, startProxy } from "./support";

async function syncUsers(engine: Engine, siteId: string) {
  const started = await Sync.start(engine.ctx, { siteId, trigger: "manual", entities: ["users"] });
  if (!started.run) throw new Error("no run started");
  await consume(engine.ctx);
  return RunStore.get(engine.ctx, started.run.run_id, { withLog: true });
}

describe("a page of 50,000 records", () => {
  let engine: Engine;
  let sim: Sim;

  beforeAll(async () => {
    engine = await createEngine("faults-large-page");
    sim = await startSim({ apiKey: API_KEY, seed: 8, sizes: { users: 50_000, paintings: 5, orders: 5 } });
  });
  afterAll(async () => {
    await sim?.close();
  });

  it("reads one page of 50,000 users (limit raised by a proxy), stores them all, and resyncs as a no-op", {
    timeout: 240_000,
  }, async () => {
    // The client asks for 500; the server answers with everything it has, honouring offset.
    const proxy = await startProxy(sim.url, ({ url }) => {
      const rewritten = new URL(url);
      if (url.pathname === "/api/export/users") rewritten.searchParams.set("limit", "100000");
      return { forward: rewritten };
    });
    try {
      await SiteStore.create(engine.ctx, {
        id: "grand",
        name: "Grand",
        template_url: proxy.url,
        api_key: API_KEY,
      });
      sim.clearRequests();
      const run = await syncUsers(engine, "grand");
      expect(run.entities.users).toMatchObject({
        status: "succeeded",
        fetched: 50_000,
        valid: 50_000,
        written: 50_000,
        pages: 1,
      });
      // The next page starts after the records received (50,000), not after the limit asked (500). (The
      // prefetched empty page may be asked twice: validating 50,000 records keeps the event loop busy for
      // longer than the test client's 2 s timeout, so that attempt can time out and be retried.)
      const offsets = sim.requests.filter((r) => r.path === "/api/export/users").map((r) => r.query.offset);
      expect([...new Set(offsets)]).toEqual(["0", "50000"]);

      const again = await syncUsers(engine, "grand");
      expect(again.entities.users).toMatchObject({
        status: "succeeded",
        written: 0,
        unchanged: 50_000,
        deleted: 0,
      });
      expect((await SiteStore.get(engine.ctx, "grand")).counts?.users).toBe(50_000);
      expect(
        await differences(engine.ctx, "grand", sim, { entities: ["users"], templateUrl: proxy.url }),
      ).toEqual([]);
    } finally {
      await proxy.close();
    }
  });
});
