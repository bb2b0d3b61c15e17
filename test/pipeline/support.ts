/**
 * Helpers for the end-to-end tests through the local runtime: an HTTP client for its one port (real
 * requests over 127.0.0.1), bounded polling, signed webhooks, and a runtime on the test run's DynamoDB
 * Local and fauxqs (test/setup/services.ts) with its own table and queues.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { signatureHeader } from "@dashboard/core/webhook";
import type { LocalOptions } from "@dashboard/local/options";
import { type LocalRuntime, startLocal } from "@dashboard/local/runtime";
import { localAws } from "@dashboard/testing/aws";
import { fetchFrom, type HttpResult, type RequestOptions, send } from "@dashboard/testing/http";

export type Reply<T = unknown> = HttpResult<T>;

/** A client for the runtime's port, with the admin token unless told otherwise. */
export function client(base: string, token: string) {
  const to = fetchFrom(base);
  const request = <T = unknown>(method: string, path: string, opts: RequestOptions = {}): Promise<Reply<T>> =>
    send<T>(to, method, path, opts, token);
  return {
    request,
    get: <T = unknown>(path: string) => request<T>("GET", path),
    post: <T = unknown>(path: string, json?: unknown) =>
      request<T>("POST", path, json === undefined ? {} : { json }),
    patch: <T = unknown>(path: string, json: unknown) => request<T>("PATCH", path, { json }),
    /** A webhook exactly as a Template sends it: the raw body and its signature. */
    webhook: (secret: string, payload: Record<string, unknown>) => {
      const raw = JSON.stringify(payload);
      return request<{
        accepted: boolean;
        entities: string[];
        run_id?: string;
        coalesced?: string[];
        joined_run_id?: string;
      }>("POST", "/api/sync/webhook/template", {
        body: raw,
        token: null,
        headers: {
          "content-type": "application/json",
          "x-template-signature": signatureHeader(secret, raw),
        },
      });
    },
  };
}
export type Client = ReturnType<typeof client>;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Calls `probe` until it returns a value other than undefined, at most `timeoutMs`; the error says what was
 * awaited and what the last probe saw. Never a timing assertion: only a bound on how long to wait.
 */
export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  { timeoutMs = 30_000, intervalMs = 100 }: { timeoutMs?: number; intervalMs?: number } = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) {
      throw new Error(
        `Timed out after ${timeoutMs} ms waiting for ${what}${last ? ` (last error: ${String(last)})` : ""}`,
      );
    }
    await sleep(intervalMs);
  }
}

export interface RunView {
  run_id: string;
  site_id: string;
  trigger: "schedule" | "manual" | "webhook";
  status: "queued" | "running" | "succeeded" | "partial" | "failed" | "cancelled";
  success?: boolean;
  started_at: string;
  finished_at?: string;
  entities: Record<
    string,
    {
      status: string;
      fetched: number;
      valid: number;
      invalid: number;
      written: number;
      unchanged: number;
      deleted: number;
      error?: { code: string; message: string };
    }
  >;
  log?: { entity: string; level: string; message: string; timestamp: string }[];
}

const FINISHED = new Set(["succeeded", "partial", "failed", "cancelled"]);

/** Every run of a site (newest first), following the cursor. */
export async function runsOf(api: Client, siteId: string): Promise<RunView[]> {
  const runs: RunView[] = [];
  let cursor: string | undefined;
  do {
    const page = await api.get<{ items: RunView[]; next_cursor?: string }>(
      `/api/sync/runs?site_id=${encodeURIComponent(siteId)}&limit=200${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`,
    );
    if (page.status !== 200) throw new Error(`GET /api/sync/runs: ${page.status} ${page.text}`);
    runs.push(...page.json.items);
    cursor = page.json.next_cursor;
  } while (cursor);
  return runs;
}

/** Waits until the run is finished; returns it with its log. */
export async function finishedRun(api: Client, runId: string, timeoutMs = 30_000): Promise<RunView> {
  return waitFor(
    `run ${runId} to finish`,
    async () => {
      const run = await api.get<RunView>(`/api/sync/runs/${runId}`);
      return run.status === 200 && FINISHED.has(run.json.status) ? run.json : undefined;
    },
    { timeoutMs, intervalMs: 200 },
  );
}

/** Every item of a list route, following the cursor. */
export async function listAll<T>(api: Client, path: string): Promise<T[]> {
  const items: T[] = [];
  let cursor: string | undefined;
  const sep = path.includes("?") ? "&" : "?";
  do {
    const page = await api.get<{ items: T[]; next_cursor?: string }>(
      `${path}${sep}limit=200${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`,
    );
    if (page.status !== 200) throw new Error(`GET ${path}: ${page.status} ${page.text}`);
    items.push(...page.json.items);
    cursor = page.json.next_cursor;
  } while (cursor);
  return items;
}

/** Registers a Template as a site through the API, syncs it and returns the finished run. */
export async function addSiteAndSync(
  api: Client,
  site: { id: string; name: string; template_url: string; api_key: string },
  timeoutMs = 60_000,
): Promise<RunView> {
  const created = await api.post("/api/sites", site);
  if (created.status !== 201) throw new Error(`POST /api/sites: ${created.status} ${created.text}`);
  const started = await api.post<{ run_id: string }>(`/api/sync/template/${encodeURIComponent(site.id)}`);
  if (started.status !== 202) throw new Error(`POST /api/sync/template: ${started.status} ${started.text}`);
  return finishedRun(api, started.json.run_id, timeoutMs);
}

export interface TestRuntime {
  runtime: LocalRuntime;
  api: Client;
  /** Every line the runtime printed. */
  lines: string[];
  dataDir: string;
  close(): Promise<void>;
}

/**
 * A runtime on the run-wide DynamoDB Local and fauxqs (unique table and queues), on a free port, with a
 * temporary data directory. One per test file: the handlers it links are configured once per process.
 */
export async function startTestRuntime(options: Partial<LocalOptions> = {}): Promise<TestRuntime> {
  const { dynamoEndpoint, sqsEndpoint, region } = localAws();
  const dataDir = await mkdtemp(join(tmpdir(), "dashboard-pipeline-"));
  const lines: string[] = [];
  const runtime = await startLocal({
    port: 0,
    dataDir,
    dynamoEndpoint,
    sqsEndpoint,
    region,
    web: false,
    demoSites: 2,
    demoSizes: { paintings: 40, users: 25, orders: 20, exhibitions: 3, custom_requests: 2 },
    print: (line) => lines.push(line),
    ...options,
  });
  return {
    runtime,
    api: client(runtime.url, runtime.adminToken),
    lines,
    dataDir,
    close: async () => {
      await runtime.stop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
