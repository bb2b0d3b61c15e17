/**
 * End to end through the local runtime (`startLocal`): real HTTP on its one port, the real poller feeding
 * the consumer handler, DynamoDB Local and fauxqs (the test run's, with a table and queues of its own),
 * demo Templates from template-sim. Acceptance (a), (c), (e) and (f) of the issue, plus the start-up sync,
 * the progress lines and the one-port routing (API, webhook, UI).
 */
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { request as httpRequest } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SendMessageCommand } from "@aws-sdk/client-sqs";
import type { SyncMessage } from "@dashboard/core/sync";
import { listen } from "@dashboard/local/http";
import { startLocal } from "@dashboard/local/runtime";
import { ensureSorted, type Sim, startSim } from "@dashboard/template-sim";
import { createSqsClient } from "@dashboard/testing/aws";
import { acceptedWrites } from "@dashboard/testing/writes";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  finishedRun,
  listAll,
  type RunView,
  runsOf,
  startTestRuntime,
  type TestRuntime,
  waitFor,
} from "./support";

interface Painting {
  id: number;
  name: string;
  price: number;
  site_id: string;
  template_url: string;
  sync_timestamp: string;
  image_url?: string;
}

let t: TestRuntime;
let uiDir: string;
const sims: Sim[] = [];

const INDEX_HTML =
  '<!doctype html><html><head><script type="module" src="./assets/app-1a2B3c4D.js"></script></head><body><div id="root"></div></body></html>\n';

beforeAll(async () => {
  uiDir = await mkdtemp(join(tmpdir(), "dashboard-ui-"));
  await mkdir(join(uiDir, "assets"));
  await writeFile(join(uiDir, "index.html"), INDEX_HTML);
  await writeFile(join(uiDir, "assets", "app-1a2B3c4D.js"), 'console.log("ui");\n');
  await writeFile(join(uiDir, "favicon.svg"), "<svg xmlns='http://www.w3.org/2000/svg'/>\n");
  t = await startTestRuntime({ web: { distDir: uiDir } });
});

afterAll(async () => {
  await t?.close();
  await Promise.all(sims.map((sim) => sim.close()));
  if (uiDir) await rm(uiDir, { recursive: true, force: true });
});

/** A GET with the path sent byte for byte (fetch would normalise it). */
function rawGet(base: string, path: string): Promise<{ status: number; body: string }> {
  const { hostname, port } = new URL(base);
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: hostname, port, path, method: "GET" }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => {
        body += chunk;
      });
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on("error", reject);
    req.end();
  });
}

/** A Template of the test's own, registered through the API; returns the sim and the webhook secret shown once. */
async function registerSite(id: string, sim: Sim, apiKey: string): Promise<string> {
  const created = await t.api.post<{ site: { id: string }; webhook_secret: string }>("/api/sites", {
    id,
    name: `Site ${id}`,
    template_url: sim.url,
    api_key: apiKey,
  });
  expect(created.status).toBe(201);
  return created.json.webhook_secret;
}

async function newSim(apiKey: string, seed: number): Promise<Sim> {
  const sim = await startSim({
    apiKey,
    seed,
    sizes: { paintings: 30, users: 20, orders: 15, exhibitions: 2 },
  });
  sims.push(sim);
  return sim;
}

describe("npm start's runtime, end to end", () => {
  it("registers the demo sites, syncs them at start and reports the progress on the console", async () => {
    expect(t.runtime.demoSites.map((s) => [s.id, s.name])).toEqual([
      ["demo-1", "Atelier Lumière"],
      ["demo-2", "Galerie des Quais"],
    ]);
    for (const demo of t.runtime.demoSites) {
      expect(demo.runId).toBeDefined();
      const run = await finishedRun(t.api, demo.runId as string);
      expect(run.trigger).toBe("manual");
      expect(run.success).toBe(true);
      // The demo data carries invalid records on purpose (quarantined with reasons): partial, not failed.
      expect(["succeeded", "partial"]).toContain(run.status);

      const paintings = await listAll<Painting>(t.api, `/api/paintings?site_id=${demo.id}`);
      expect(paintings.length).toBe(run.entities.paintings?.valid);
      expect(paintings.length).toBeGreaterThan(0);
      for (const p of paintings) {
        expect(p.site_id).toBe(demo.id);
        expect(p.template_url).toBe(demo.sim.url);
      }
      const servedIds = new Set(demo.sim.served("paintings").map((p) => p.id));
      expect(paintings.every((p) => servedIds.has(p.id))).toBe(true);
    }

    const sites = await t.api.get<{
      items: { id: string; name: string; template_url: string; enabled: boolean }[];
    }>("/api/sites");
    expect(sites.status).toBe(200);
    const demo1 = sites.json.items.find((s) => s.id === "demo-1");
    expect(demo1).toMatchObject({
      name: "Atelier Lumière",
      enabled: true,
      template_url: t.runtime.demoSites[0]?.sim.url,
    });

    // Progress: a start line and an end line per run, with the site's name.
    const line = await waitFor("the progress line of demo-1's first sync", async () =>
      t.lines.find((l) =>
        /^\[sync\] Atelier Lumière \(demo-1\): (succeeded|partial) in .*paintings \d+/.test(l),
      ),
    );
    expect(line).toMatch(/written/);
    // One poll prints several runs' lines with awaits in between: wait for demo-2's line rather than
    // expecting it in the same instant as demo-1's.
    await waitFor("the start line of demo-2's first sync", async () =>
      t.lines.find((l) => /^\[sync\] Galerie des Quais \(demo-2\): manual sync started, 7 entities/.test(l)),
    );
    // Nothing secret on the console: no API key, no webhook secret, no admin token.
    const consoleText = t.lines.join("\n");
    expect(consoleText).not.toMatch(/whsec_|demo_[A-Za-z0-9_-]{8}/);
    expect(consoleText).not.toContain(t.runtime.adminToken);
  });

  it("(c) POST /api/sync/template/{id}?wait=25 answers with the seed's summary once the run is done", async () => {
    const demo = t.runtime.demoSites[1];
    if (!demo) throw new Error("demo-2 missing");
    await finishedRun(t.api, demo.runId as string);

    const res = await t.api.post<{
      success: boolean;
      timestamp: string;
      run_id: string;
      summary: Record<string, { success: boolean; count?: number; data?: Record<string, unknown> }>;
      log: { entity: string; level: string; message: string; timestamp: string }[];
    }>("/api/sync/template/demo-2?wait=25");
    expect(res.status).toBe(200);
    const body = res.json;
    expect(body.success).toBe(true);
    expect(Number.isNaN(Date.parse(body.timestamp))).toBe(false);
    expect(body.run_id).toMatch(/^run_/);
    for (const entity of ["paintings", "users", "orders", "settings", "exhibitions"]) {
      expect(body.summary[entity]).toMatchObject({ success: true, count: expect.any(Number) });
    }
    expect(body.summary.stats).toMatchObject({ success: true, data: expect.any(Object) });
    expect(body.summary.stats?.data?.paintings_count).toBe(demo.sim.data.paintings.length);
    const paintings = await listAll<Painting>(t.api, "/api/paintings?site_id=demo-2");
    expect(body.summary.paintings?.count).toBe(paintings.length);
    expect(body.log.length).toBeGreaterThan(0);
    for (const entry of body.log) {
      expect(["INFO", "SUCCESS", "WARNING", "ERROR"]).toContain(entry.level);
      expect(typeof entry.message).toBe("string");
      expect(typeof entry.entity).toBe("string");
    }

    // Nothing changed at the Template since the start-up sync: nothing is rewritten.
    const run = await t.api.get<RunView>(`/api/sync/runs/${body.run_id}`);
    expect(run.json.entities.paintings).toMatchObject({ written: 0, unchanged: paintings.length });
  });

  it("(a) a signed webhook makes a change at the Template visible through the API", async () => {
    const apiKey = "key-webhook-site-0001";
    const sim = await newSim(apiKey, 11);
    const secret = await registerSite("webhook-site", sim, apiKey);
    const first = await t.api.post<{ run_id: string }>("/api/sync/template/webhook-site?wait=25");
    expect(first.status).toBe(200);

    // At the Template: one stored painting renamed and repriced, one new painting.
    const before = await listAll<Painting>(t.api, "/api/paintings?site_id=webhook-site");
    const target = before[0];
    if (!target) throw new Error("no painting synced");
    const live = sim.data.paintings.find((p) => p.id === target.id);
    if (!live) throw new Error("painting missing at the Template");
    live.name = "Les Nymphéas du soir (retouché)";
    live.price = target.price + 1000;
    const newId = Math.max(...sim.data.paintings.map((p) => p.id)) + 1;
    sim.data.paintings.push({ ...live, id: newId, name: "Nouvelle œuvre du printemps", display_order: 9999 });
    ensureSorted(sim.data, "paintings");

    // Unsigned, badly signed or replayed with a stale timestamp: refused, nothing started.
    const unsigned = await t.api.request("POST", "/api/sync/webhook/template", {
      body: JSON.stringify({ event: "painting_updated", site_id: "webhook-site" }),
      token: null,
      headers: { "content-type": "application/json" },
    });
    expect(unsigned.status).toBe(401);
    const wrong = await t.api.webhook("whsec_not-the-secret", {
      event: "painting_updated",
      site_id: "webhook-site",
    });
    expect(wrong.status).toBe(401);

    const accepted = await t.api.webhook(secret, {
      event: "painting_updated",
      site_id: "webhook-site",
      event_id: "evt-1",
    });
    expect(accepted.status).toBe(202);
    expect(accepted.json).toMatchObject({ accepted: true, entities: ["paintings", "stats"] });
    const runId = accepted.json.run_id;
    if (!runId) throw new Error("the webhook started no run");
    const run = await finishedRun(t.api, runId);
    expect(run.trigger).toBe("webhook");
    expect(Object.keys(run.entities).sort()).toEqual(["paintings", "stats"]);
    expect(run.entities.paintings).toMatchObject({ status: "succeeded", written: 2 });

    const changed = await t.api.get<Painting>(`/api/sites/webhook-site/paintings/${target.id}`);
    expect(changed.status).toBe(200);
    expect(changed.json).toMatchObject({
      name: "Les Nymphéas du soir (retouché)",
      price: target.price + 1000,
    });
    const added = await t.api.get<Painting>(`/api/sites/webhook-site/paintings/${newId}`);
    expect(added.status).toBe(200);
    expect(added.json.name).toBe("Nouvelle œuvre du printemps");

    // The same event again (a Template retrying): accepted, ignored, no new run.
    const runsBefore = (await runsOf(t.api, "webhook-site")).length;
    const again = await t.api.webhook(secret, {
      event: "painting_updated",
      site_id: "webhook-site",
      event_id: "evt-1",
    });
    expect(again.status).toBe(202);
    expect(again.json).toMatchObject({ accepted: true, duplicate: true });
    expect((await runsOf(t.api, "webhook-site")).length).toBe(runsBefore);
  });

  it("(e) the same message delivered twice changes nothing the second time", async () => {
    const demo = t.runtime.demoSites[0];
    if (!demo?.runId) throw new Error("demo-1 has no start-up run");
    await finishedRun(t.api, demo.runId);
    await t.runtime.idle();

    const snapshot = async () => ({
      run: (await t.api.get(`/api/sync/runs/${demo.runId}`)).json,
      site: (await t.api.get("/api/sites/demo-1")).json,
      paintings: await listAll(t.api, "/api/paintings?site_id=demo-1&include_deleted=true"),
      invalid: (await t.api.get(`/api/sync/runs/${demo.runId}/invalid?entity=paintings&limit=200`)).json,
    });
    const before = await snapshot();
    const writes = acceptedWrites(t.runtime.ctx.db);
    const handled = t.runtime.poller.stats();

    // The message the start-up sync of demo-1's paintings was, delivered once more (as SQS may).
    const message: SyncMessage = {
      v: 1,
      run_id: demo.runId,
      site_id: "demo-1",
      entity: "paintings",
      trigger: "manual",
      lease_waits: 0,
    };
    const sqs = createSqsClient();
    try {
      await sqs.send(
        new SendMessageCommand({ QueueUrl: t.runtime.queues.queueUrl, MessageBody: JSON.stringify(message) }),
      );
    } finally {
      sqs.destroy();
    }
    await waitFor("the redelivered message to be handled and deleted", async () =>
      t.runtime.poller.stats().deleted > handled.deleted ? true : undefined,
    );
    await t.runtime.idle();
    writes.remove();

    expect(writes.all()).toEqual({});
    expect(await snapshot()).toEqual(before);
    expect(t.runtime.poller.stats().failed).toBe(handled.failed);
  });

  it("(f) 50 webhooks for one entity within a second cause at most 2 syncs of it", async () => {
    const apiKey = "key-storm-site-00001";
    const sim = await newSim(apiKey, 12);
    const secret = await registerSite("storm-site", sim, apiKey);
    // A Template that takes a moment to answer, as a real one does: a sync outlasts the burst.
    sim.faults.set("users", { latencyMs: 1_500 });
    sim.clearRequests();

    const replies = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        t.api.webhook(secret, { event: "user_updated", site_id: "storm-site", event_id: `storm-${i}` }),
      ),
    );
    for (const reply of replies) {
      expect(reply.status).toBe(202);
      expect(reply.json).toMatchObject({ accepted: true, entities: ["users"] });
    }
    const started = replies.map((r) => r.json.run_id).filter((id): id is string => id !== undefined);
    expect(started.length).toBeGreaterThanOrEqual(1);
    expect(started.length).toBeLessThanOrEqual(2);
    // Every other event was folded into a sync already waiting, or joined the run in progress.
    const folded = replies.filter((r) => r.json.run_id === undefined);
    expect(folded.every((r) => r.json.coalesced?.includes("users"))).toBe(true);
    const joined = folded.flatMap((r) => (r.json.joined_run_id ? [r.json.joined_run_id] : []));
    expect(joined.every((id) => started.includes(id))).toBe(true);

    // A second sync waits for the first one's lease (one sync per entity at a time), then runs.
    for (const runId of started) {
      const run = await finishedRun(t.api, runId, 90_000);
      expect(run.entities.users?.status).toBe("succeeded");
    }
    const runs = await runsOf(t.api, "storm-site");
    expect(
      runs
        .filter((r) => r.trigger === "webhook")
        .map((r) => r.run_id)
        .sort(),
    ).toEqual([...started].sort());
    // What the Template saw: at most two full scans of its users.
    const scans = sim.requests.filter(
      (r) => r.path === "/api/export/users" && (r.query.offset === undefined || r.query.offset === "0"),
    );
    expect(scans.length).toBeGreaterThanOrEqual(1);
    expect(scans.length).toBeLessThanOrEqual(2);
    sim.faults.reset();
  }, 120_000);

  it("serves the API, the webhook and the UI on one port, like the deployed origin", async () => {
    const health = await t.api.request("GET", "/api/health", { token: null });
    expect(health.status).toBe(200);
    expect(health.json).toEqual({ status: "ok" });
    const anonymous = await t.api.request("GET", "/api/sites", { token: null });
    expect(anonymous.status).toBe(401);
    const unknownApi = await t.api.get<{ error: { code: string } }>("/api/nothing-here");
    expect(unknownApi.status).toBe(404);
    expect(unknownApi.json.error.code).toBe("not_found");
    // Only POST goes to the webhook function; anything else on its path is the API's (as API Gateway routes it).
    const getWebhook = await t.api.get("/api/sync/webhook/template");
    expect(getWebhook.status).toBe(404);
    expect(getWebhook.headers.get("content-type")).toMatch(/^application\/json/);

    const index = await t.api.request("GET", "/", { token: null });
    expect(index.status).toBe(200);
    expect(index.headers.get("content-type")).toBe("text/html; charset=utf-8");
    expect(index.headers.get("cache-control")).toBe("no-cache");
    expect(index.text).toBe(INDEX_HTML);
    const asset = await t.api.request("GET", "/assets/app-1a2B3c4D.js", { token: null });
    expect(asset.status).toBe(200);
    expect(asset.headers.get("content-type")).toBe("text/javascript; charset=utf-8");
    expect(asset.headers.get("cache-control")).toBe("public, max-age=31536000, immutable");
    const page = await t.api.request("GET", "/sites/demo-1", { token: null });
    expect(page.status).toBe(200);
    expect(page.text).toBe(INDEX_HTML);
    const missing = await t.api.request("GET", "/assets/gone-1a2B3c4D.js", { token: null });
    expect(missing.status).toBe(404);
    // An encoded slash survives URL normalisation: the server itself must refuse to leave the directory.
    const traversal = await rawGet(t.runtime.url, "/..%2f..%2f..%2fetc%2fpasswd");
    expect(traversal.status).toBe(404);
    expect(traversal.body).not.toContain("root:");
  });

  it("refuses a second runtime in the process, and a port already taken", async () => {
    await expect(startLocal({ port: 0, dataDir: t.dataDir, web: false, demoSites: 0 })).rejects.toMatchObject(
      {
        code: "already_started",
      },
    );
    await expect(listen(() => new Response("x"), t.runtime.port)).rejects.toMatchObject({
      code: "port_in_use",
      message: expect.stringContaining("PORT="),
    });
  });

  it("keeps the secrets in the data directory, for the owner only", async () => {
    const tokenFile = join(t.dataDir, "admin-token");
    expect(t.runtime.adminTokenSource).toBe("generated");
    expect(t.runtime.adminTokenFile).toBe(tokenFile);
    expect((await readFile(tokenFile, "utf8")).trim()).toBe(t.runtime.adminToken);
    expect((await stat(tokenFile)).mode & 0o777).toBe(0o600);
    expect((await stat(join(t.dataDir, "encryption-keys"))).mode & 0o777).toBe(0o600);
  });
});
