/**
 * `npm start` as a new user runs it: a child process (`npm start` in the repository, its own process
 * group, as a terminal runs it) with a fresh DATA_DIR and PORT=0. It must print the URL and the admin token,
 * serve synced demo data within 60 s, stop cleanly on Ctrl-C (SIGINT to the whole group, as a terminal sends
 * it) leaving no process behind (DynamoDB Local's JVM included), and find everything again on restart.
 * Without Java it must say how to install it and exit 1.
 */
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { mkdtemp, readFile, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { client, listAll, waitFor } from "./support";

const REPO = fileURLToPath(new URL("../..", import.meta.url));
const READY_WITHIN_MS = 60_000;

interface NpmStart {
  child: ChildProcess;
  /** stdout and stderr, as printed so far. */
  out: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

const running = new Set<ChildProcess>();

/** The environment of a shell that never ran the test suite: no test endpoints, no preset token. */
function userEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (
      /^(AWS_|VITEST|SST_|ADMIN_TOKEN$|DATA_DIR$|PORT$|DEMO_SITES$|SYNC_|POWERTOOLS_|DASHBOARD_ENV$)/.test(
        key,
      )
    )
      continue;
    env[key] = value;
  }
  return { ...env, ...extra };
}

function npmStart(env: NodeJS.ProcessEnv): NpmStart {
  const child = spawn("npm", ["start"], {
    cwd: REPO,
    env,
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
  });
  running.add(child);
  let text = "";
  child.stdout?.setEncoding("utf8").on("data", (chunk: string) => {
    text += chunk;
  });
  child.stderr?.setEncoding("utf8").on("data", (chunk: string) => {
    text += chunk;
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once("exit", (code, signal) => {
      running.delete(child);
      resolve({ code, signal });
    });
  });
  return { child, out: () => text, exited };
}

/** True while any process of the group is alive. */
function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Command lines of the processes that mention `needle` (a DATA_DIR path is unique to one test). */
function processesMentioning(needle: string): string[] {
  const table = execFileSync("ps", ["-eo", "pid=,args="], { encoding: "utf8" });
  return table
    .split("\n")
    .filter((line) => line.includes(needle) && !line.includes("ps -eo"))
    .map((line) => line.trim());
}

async function ready(start: NpmStart, startedAt: number): Promise<{ url: string; token: string }> {
  return waitFor(
    "the URL and the admin token on npm start's output",
    async () => {
      const url = /^Dashboard: (http:\/\/127\.0\.0\.1:\d+)$/m.exec(start.out())?.[1];
      const token = /^Admin token: ([A-Za-z0-9_-]{16,})$/m.exec(start.out())?.[1];
      if (start.child.exitCode !== null) throw new Error(`npm start exited early:\n${start.out()}`);
      return url && token ? { url, token } : undefined;
    },
    { timeoutMs: READY_WITHIN_MS - (Date.now() - startedAt), intervalMs: 100 },
  );
}

/** Ctrl-C in the terminal: SIGINT to every process of the group. Resolves once all of them are gone. */
async function ctrlC(start: NpmStart): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  const pgid = start.child.pid as number;
  process.kill(-pgid, "SIGINT");
  const exit = await Promise.race([
    start.exited,
    new Promise<never>((_, reject) =>
      setTimeout(
        () => reject(new Error(`npm start did not stop within 60 s:\n${start.out()}`)),
        60_000,
      ).unref(),
    ),
  ]);
  await waitFor(
    "every process of npm start's group to exit",
    async () => (groupAlive(pgid) ? undefined : true),
    {
      timeoutMs: 20_000,
    },
  );
  return exit;
}

let dataDir: string;

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), "dashboard-npm-start-"));
});

afterAll(async () => {
  for (const child of running) {
    if (child.pid) {
      try {
        process.kill(-child.pid, "SIGKILL");
      } catch {
        // Already gone.
      }
    }
  }
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

describe("npm start, as a new user runs it", () => {
  let firstToken = "";
  let firstSimUrl = "";

  it("serves synced demo data within 60 s, then stops cleanly on Ctrl-C", async () => {
    const startedAt = Date.now();
    const start = npmStart(userEnv({ DATA_DIR: dataDir, PORT: "0" }));
    const { url, token } = await ready(start, startedAt);
    const api = client(url, token);

    const paintings = await waitFor(
      "synced demo paintings at GET /api/paintings",
      async () => {
        const res = await api.get<{ items: { site_id: string }[] }>("/api/paintings?limit=10");
        return res.status === 200 && res.json.items.length > 0 ? res.json.items : undefined;
      },
      { timeoutMs: READY_WITHIN_MS - (Date.now() - startedAt), intervalMs: 250 },
    );
    const elapsed = Date.now() - startedAt;
    console.info(`npm start: synced demo data served ${(elapsed / 1000).toFixed(1)} s after the command`);
    expect(paintings[0]?.site_id).toMatch(/^demo-\d$/);

    expect((await api.request("GET", "/api/sites", { token: null })).status).toBe(401);
    const sites = await api.get<{ items: { id: string; name: string; template_url: string }[] }>(
      "/api/sites",
    );
    expect(sites.json.items.map((s) => s.id).sort()).toEqual(["demo-1", "demo-2", "demo-3"]);
    firstSimUrl = sites.json.items.find((s) => s.id === "demo-1")?.template_url ?? "";
    const home = await fetch(url);
    expect(home.headers.get("content-type")).toMatch(/^text\/html/);
    await home.arrayBuffer();

    // The token is the one kept for the owner only; the key ring is never printed.
    expect((await readFile(join(dataDir, "admin-token"), "utf8")).trim()).toBe(token);
    expect((await stat(join(dataDir, "admin-token"))).mode & 0o777).toBe(0o600);
    const keyRing = (await readFile(join(dataDir, "encryption-keys"), "utf8")).trim();
    expect(start.out()).not.toContain(keyRing.split(":")[1]);
    expect(start.out()).not.toContain("whsec_");
    firstToken = token;

    await waitFor(
      "a progress line of a finished demo sync",
      async () => (/^\[sync\] .+ \(demo-\d\): (succeeded|partial) in /m.test(start.out()) ? true : undefined),
      { timeoutMs: 90_000, intervalMs: 250 },
    );
    const exit = await ctrlC(start);
    expect(start.out()).toMatch(/^Stopped\.$/m);
    expect(start.out()).not.toMatch(/Forced exit|Stopped with an error|Cannot start/);
    // npm itself re-raises the SIGINT it received once its script has exited (as a shell does).
    expect(exit.code === 0 || exit.signal === "SIGINT").toBe(true);
    expect(processesMentioning(dataDir)).toEqual([]);
  }, 240_000);

  it("finds every site, record and secret again after a restart", async () => {
    expect(firstToken).not.toBe("");
    const startedAt = Date.now();
    const start = npmStart(userEnv({ DATA_DIR: dataDir, PORT: "0" }));
    const { url, token } = await ready(start, startedAt);
    expect(token).toBe(firstToken);
    expect(start.out()).toMatch(/kept in .*admin-token/);
    const api = client(url, token);

    // What the first run synced is there at once, before any new sync.
    const demo1 = await listAll<{ id: number }>(api, "/api/paintings?site_id=demo-1");
    expect(demo1.length).toBeGreaterThan(0);
    const sites = await api.get<{
      items: { id: string; template_url: string; last_run?: { status: string } }[];
    }>("/api/sites");
    expect(sites.json.items.map((s) => s.id).sort()).toEqual(["demo-1", "demo-2", "demo-3"]);
    // The simulators came back on new ports: the stored Template URLs follow them.
    expect(sites.json.items.find((s) => s.id === "demo-1")?.template_url).not.toBe(firstSimUrl);

    // A new start-up sync runs with the API keys stored, sealed, by the first run and finishes.
    await waitFor(
      "a demo sync of the restart to finish",
      async () => (/^\[sync\] .+ \(demo-\d\): (succeeded|partial) in /m.test(start.out()) ? true : undefined),
      { timeoutMs: 90_000, intervalMs: 250 },
    );
    const exit = await ctrlC(start);
    expect(start.out()).toMatch(/^Stopped\.$/m);
    expect(exit.code === 0 || exit.signal === "SIGINT").toBe(true);
    expect(processesMentioning(dataDir)).toEqual([]);
  }, 240_000);

  it("says how to install Java when there is none, and exits 1", async () => {
    const missing = await mkdtemp(join(tmpdir(), "dashboard-no-java-"));
    try {
      const start = npmStart(
        userEnv({ DATA_DIR: missing, PORT: "0", JAVA_HOME: join(missing, "no-such-jdk") }),
      );
      const exit = await Promise.race([
        start.exited,
        new Promise<never>((_, reject) =>
          setTimeout(() => reject(new Error(`npm start did not exit:\n${start.out()}`)), 60_000).unref(),
        ),
      ]);
      expect(exit.code).toBe(1);
      expect(start.out()).toMatch(/Cannot start the Dashboard: Java was not found/);
      expect(start.out()).toContain("apt-get install openjdk-17-jre-headless");
      expect(start.out()).not.toMatch(/^Dashboard: /m);
    } finally {
      await rm(missing, { recursive: true, force: true });
    }
  }, 90_000);
});
