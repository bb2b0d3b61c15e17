/**
 * Issue 11 through the real pipeline (local poller, fauxqs, DynamoDB Local, the HTTP API): a Template that
 * is down shows `retrying` at once, is retried on the retry schedule (the message's visibility is changed,
 * the queue's 10-minute timeout is never waited out) and ends `failed` within it; the schedule joins the run
 * in progress instead of stacking another; an admin can cancel a run, and delete a site while it syncs.
 */
import { type Sim, startSim } from "@dashboard/template-sim";
import { afterAll, beforeAll, expect, it } from "vitest";
import { finishedRun, type RunView, startTestRuntime, type TestRuntime, waitFor } from "./support";

/**
 * Short for the test (the deployed schedule is 30 s, 2 min, 8 min), yet long enough that a loaded machine
 * still sees each attempt's state before the next one starts.
 */
const RETRY_DELAYS = [5, 10];
const MAX_RECEIVES = 3;
let t: TestRuntime;

type Entity = RunView["entities"][string] & {
  attempt?: number;
  max_attempts?: number;
  next_attempt_at?: string;
};
type Run = RunView & { cancel_requested_at?: string; joined?: { trigger: string; at: string }[] };

beforeAll(async () => {
  t = await startTestRuntime({
    demoSites: 0,
    syncIntervalSeconds: 3_600,
    consumer: {
      // The deployed visibility timeout: a retry that waited for it would take 10 minutes, not seconds.
      visibilityTimeoutSeconds: 600,
      maxReceiveCount: MAX_RECEIVES,
      retryDelaysSeconds: RETRY_DELAYS,
      waitTimeSeconds: 1,
    },
  });
});

afterAll(async () => {
  await t?.close();
});

async function siteOn(id: string, sim: Sim) {
  const created = await t.api.post("/api/sites", {
    id,
    name: id,
    template_url: sim.url,
    api_key: "key-failing-template-01",
  });
  expect(created.status).toBe(201);
  const first = await t.api.post<{ run_id: string }>(`/api/sync/template/${id}?wait=20`);
  expect(first.status).toBe(200);
}

const getRun = async (runId: string) => (await t.api.get<Run>(`/api/sync/runs/${runId}`)).json;

const entityOf = async (runId: string, entity: string) => (await getRun(runId)).entities[entity] as Entity;

it("a Template that refuses connections: retrying within seconds, joined by the schedule, failed within the retry schedule; data intact", async () => {
  const sim = await startSim({ apiKey: "key-failing-template-01", seed: 31, sizes: { paintings: 60 } });
  await siteOn("refuse", sim);
  const before = await t.api.get<{ items: { id: number }[] }>("/api/paintings?site_id=refuse&limit=200");
  await sim.close(); // connection refused from now on

  // Every entity: the schedule's tick below finds all of them in this run.
  const started = await t.api.post<{ run_id: string }>("/api/sync/template/refuse");
  expect(started.status).toBe(202);
  const runId = started.json.run_id;

  // Refused is known within a second: the entity says so long before any queue timeout.
  const retrying = await waitFor(
    "the entity to show retrying",
    async () => {
      const e = await entityOf(runId, "paintings");
      return e.status === "retrying" ? e : undefined;
    },
    { timeoutMs: 15_000, intervalMs: 100 },
  );
  expect(retrying).toMatchObject({
    attempt: 1,
    max_attempts: MAX_RECEIVES,
    error: { code: "connection_refused" },
  });
  expect(retrying.error?.message).toMatch(/refused the connection/);
  const next = Date.parse(retrying.next_attempt_at ?? "");
  expect(next - Date.now()).toBeLessThanOrEqual(RETRY_DELAYS[0]! * 1.25 * 1000 + 1_000);

  // The overview sees it: the site's last run is retrying, with the error.
  const site = await t.api.get<{
    last_run?: { run_id: string; retrying?: boolean; error?: { code: string } };
  }>("/api/sites/refuse");
  expect(site.json.last_run).toMatchObject({
    run_id: runId,
    retrying: true,
    error: { code: "connection_refused" },
  });

  // A scheduled tick while the run is in progress joins it: no second run for this site (it covers every entity).
  await t.runtime.tick();
  const runs = await t.api.get<{ items: Run[] }>("/api/sync/runs?site_id=refuse&limit=50");
  expect(runs.json.items.filter((r) => r.status === "queued" || r.status === "running")).toHaveLength(1);
  expect((await getRun(runId)).joined?.map((j) => j.trigger)).toEqual(["schedule"]);

  // Every attempt used on the schedule (5 s then 10 s, ±25 %), not on the queue's 10-minute timeout.
  const run = (await finishedRun(t.api, runId, 90_000)) as Run;
  expect(run.status).toBe("failed");
  expect(run.entities.paintings).toMatchObject({
    status: "failed",
    deleted: 0,
    error: { code: "connection_refused" },
  });
  const retries = (run.log ?? []).filter(
    (l) => l.entity === "paintings" && /nouvel essai [23]\/3 à/.test(l.message),
  );
  expect(retries).toHaveLength(2);
  expect(Date.parse(run.finished_at ?? "") - Date.parse(run.started_at)).toBeLessThan(120_000);
  const after = await t.api.get<{ items: { id: number }[] }>("/api/paintings?site_id=refuse&limit=200");
  expect(after.json.items.map((p) => p.id).sort()).toEqual(before.json.items.map((p) => p.id).sort());
  const failedSite = await t.api.get<{ last_run?: { status: string; error?: { code: string } } }>(
    "/api/sites/refuse",
  );
  expect(failedSite.json.last_run).toMatchObject({ status: "failed", error: { code: "connection_refused" } });
}, 180_000);

it("cancel: a run waiting for its next attempt ends cancelled at once, and its message is dropped when it comes back", async () => {
  const sim = await startSim({ apiKey: "key-failing-template-01", seed: 32, sizes: { paintings: 30 } });
  await siteOn("cancel-me", sim);
  sim.faults.set("paintings", { status: 503, times: 1_000 });
  const started = await t.api.post<{ run_id: string }>("/api/sync/template/cancel-me", {
    entities: ["paintings", "users"],
  });
  const runId = started.json.run_id;
  // Its first delivery over (both of its requests failed): the message waits for its next attempt.
  await waitFor("paintings waiting for its next attempt", async () => {
    const run = await t.api.get<Run>(`/api/sync/runs/${runId}`);
    return (run.json.log ?? []).some((l) => l.entity === "paintings" && /nouvel essai 2\/3 à/.test(l.message))
      ? true
      : undefined;
  });
  expect((await entityOf(runId, "paintings")).status).toBe("retrying");

  const cancelled = await t.api.post<Run>(`/api/sync/runs/${runId}/cancel`);
  expect(cancelled.status).toBe(200);
  expect(cancelled.json.status).toBe("cancelled");
  expect(cancelled.json.entities.paintings?.status).toBe("cancelled");
  expect(cancelled.json.cancel_requested_at).toBeDefined();
  // Cancelling again: the run is finished.
  expect((await t.api.post(`/api/sync/runs/${runId}/cancel`)).status).toBe(409);
  expect((await t.api.post("/api/sync/runs/run_01JUNKNOWN00000000000000/cancel")).status).toBe(404);

  // The message comes back after its retry delay, finds the entity finished and is dropped.
  const requestsBefore = sim.requests.length;
  await t.runtime.idle();
  expect(sim.requests.length).toBe(requestsBefore);
  const run = await getRun(runId);
  expect(run.status).toBe("cancelled");
  expect(run.entities.paintings?.deleted).toBe(0);
  await sim.close();
}, 120_000);

it("deleting a site: 204 at once, the site and its records are gone, a second delete is a 404", async () => {
  const sim = await startSim({ apiKey: "key-failing-template-01", seed: 33, sizes: { paintings: 30 } });
  await siteOn("delete-me", sim);
  sim.faults.set("paintings", { status: 503, times: 1_000 });
  const started = await t.api.post<{ run_id: string }>("/api/sync/template/delete-me", {
    entities: ["paintings"],
  });
  await waitFor("paintings retrying", async () =>
    (await entityOf(started.json.run_id, "paintings")).status === "retrying" ? true : undefined,
  );
  expect((await t.api.request("DELETE", "/api/sites/delete-me")).status).toBe(204);
  expect((await t.api.get("/api/sites/delete-me")).status).toBe(404);
  expect((await t.api.get<{ items: unknown[] }>("/api/paintings?site_id=delete-me")).json.items).toEqual([]);
  expect((await t.api.request("DELETE", "/api/sites/delete-me")).status).toBe(404);
  await t.runtime.idle();
  expect((await t.api.get<{ items: unknown[] }>("/api/paintings?site_id=delete-me")).json.items).toEqual([]);
  await sim.close();
}, 120_000);

it("a reversed date range is a 400 invalid_date_range, not a 500", async () => {
  for (const path of [
    "/api/orders?from=2025-03-02&to=2025-03-01",
    "/api/sites/refuse/stats?from=2025-03-02&to=2025-03-01",
  ]) {
    const reply = await t.api.get<{ error: { code: string; reason: string; message: string } }>(path);
    expect(reply.status, path).toBe(400);
    expect(reply.json.error).toMatchObject({ code: "invalid_request", reason: "invalid_date_range" });
    expect(reply.json.error.message).toMatch(/from must not be after to/);
  }
});
