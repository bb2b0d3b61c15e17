/**
 * `npm start`'s configuration, its secrets in the data directory, the demo catalogue and the progress
 * lines: pure functions and local files, no network.
 */
import { chmod, mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseKeyRing } from "@dashboard/core/crypto";
import { type EntityResult, emptyResult, type Run } from "@dashboard/core/run";
import { configFromEnv } from "@dashboard/local/config";
import { demoSpecs, MAX_DEMO_SITES } from "@dashboard/local/demo";
import { LocalRuntimeError } from "@dashboard/local/errors";
import { entitySummary, finishedLine, runningLine } from "@dashboard/local/progress";
import { ADMIN_TOKEN_FILE, ENCRYPTION_KEYS_FILE, loadSecrets } from "@dashboard/local/secrets";
import { afterEach, describe, expect, it } from "vitest";

describe("configFromEnv", () => {
  it("has the documented defaults", () => {
    expect(configFromEnv({})).toEqual({
      port: 3000,
      dataDir: ".local",
      demoSites: 3,
      syncIntervalSeconds: 900,
    });
    expect(configFromEnv({ PORT: "", DEMO_SITES: " ", ADMIN_TOKEN: "" })).toEqual(configFromEnv({}));
  });

  it("reads every variable", () => {
    expect(
      configFromEnv({
        PORT: "0",
        DATA_DIR: "/tmp/x",
        DEMO_SITES: "0",
        SYNC_INTERVAL_SECONDS: "60",
        ADMIN_TOKEN: "a-long-enough-admin-token",
      }),
    ).toEqual({
      port: 0,
      dataDir: "/tmp/x",
      demoSites: 0,
      syncIntervalSeconds: 60,
      adminToken: "a-long-enough-admin-token",
    });
  });

  it.each([
    ["PORT", "abc"],
    ["PORT", "70000"],
    ["PORT", "-1"],
    ["PORT", "3000.5"],
    ["DEMO_SITES", String(MAX_DEMO_SITES + 1)],
    ["SYNC_INTERVAL_SECONDS", "0"],
    ["SYNC_INTERVAL_SECONDS", "1e3"],
  ])("refuses %s=%s, naming the variable", (name, value) => {
    let error: unknown;
    try {
      configFromEnv({ [name]: value });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(LocalRuntimeError);
    expect((error as LocalRuntimeError).code).toBe("invalid_config");
    expect((error as Error).message).toContain(name);
  });
});

describe("secrets in the data directory", () => {
  const dirs: string[] = [];
  const newDir = async () => {
    const dir = await mkdtemp(join(tmpdir(), "dashboard-secrets-"));
    dirs.push(dir);
    return dir;
  };
  afterEach(async () => {
    await Promise.all(dirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
  });

  it("generates the admin token and the key ring once, mode 0600, and finds them again", async () => {
    const dir = await newDir();
    const first = await loadSecrets(dir);
    expect(first.adminTokenSource).toBe("generated");
    expect(first.adminToken).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(first.encryptionKeysCreated).toBe(true);
    expect(() => parseKeyRing(first.encryptionKeys)).not.toThrow();
    for (const file of [ADMIN_TOKEN_FILE, ENCRYPTION_KEYS_FILE]) {
      expect((await stat(join(dir, file))).mode & 0o777).toBe(0o600);
    }
    const second = await loadSecrets(dir);
    expect(second).toMatchObject({
      adminToken: first.adminToken,
      adminTokenSource: "file",
      encryptionKeys: first.encryptionKeys,
      encryptionKeysCreated: false,
    });
  });

  it("agrees on one value when two starts race", async () => {
    const dir = await newDir();
    const [a, b] = await Promise.all([loadSecrets(dir), loadSecrets(dir)]);
    expect(a.adminToken).toBe(b.adminToken);
    expect(a.encryptionKeys).toBe(b.encryptionKeys);
    expect((await readFile(join(dir, ADMIN_TOKEN_FILE), "utf8")).trim()).toBe(a.adminToken);
  });

  it("uses a given token without writing it, and refuses a weak one", async () => {
    const dir = await newDir();
    const given = await loadSecrets(dir, "my-own-admin-token-123");
    expect(given).toMatchObject({ adminToken: "my-own-admin-token-123", adminTokenSource: "given" });
    expect(given.adminTokenFile).toBeUndefined();
    await expect(stat(join(dir, ADMIN_TOKEN_FILE))).rejects.toThrow();
    for (const weak of ["short", "has a space in it ok", "comma,separated,token-value"]) {
      await expect(loadSecrets(dir, weak)).rejects.toMatchObject({ code: "invalid_config" });
    }
  });

  it("tightens loosened permissions and refuses a damaged key ring", async () => {
    const dir = await newDir();
    await loadSecrets(dir);
    await chmod(join(dir, ADMIN_TOKEN_FILE), 0o644);
    await loadSecrets(dir);
    expect((await stat(join(dir, ADMIN_TOKEN_FILE))).mode & 0o777).toBe(0o600);
    await writeFile(join(dir, ENCRYPTION_KEYS_FILE), "k1:not-a-key\n");
    await expect(loadSecrets(dir)).rejects.toMatchObject({ code: "secret_file_invalid" });
  });

  it("says when the data directory cannot be used", async () => {
    const dir = await newDir();
    const file = join(dir, "a-file");
    await writeFile(file, "");
    await expect(loadSecrets(file)).rejects.toMatchObject({ code: "data_dir_unusable" });
  });
});

describe("demo sites", () => {
  it("are distinct, stable and a few hundred records each", () => {
    const specs = demoSpecs(3);
    expect(specs.map((s) => [s.id, s.name])).toEqual([
      ["demo-1", "Atelier Lumière"],
      ["demo-2", "Galerie des Quais"],
      ["demo-3", "Maison Tilleul"],
    ]);
    expect(new Set(specs.map((s) => s.seed)).size).toBe(3);
    expect(new Set(specs.map((s) => s.settingsShape))).toEqual(new Set(["flat", "documented"]));
    for (const spec of specs) {
      const total = Object.values(spec.sizes).reduce((a, b) => a + (b ?? 0), 0);
      expect(total).toBeGreaterThanOrEqual(200);
      expect(total).toBeLessThan(1_500);
    }
    expect(demoSpecs(3)).toEqual(specs);
  });

  it("scale to the maximum with unique ids and names, and refuse more", () => {
    const specs = demoSpecs(MAX_DEMO_SITES);
    expect(new Set(specs.map((s) => s.id)).size).toBe(MAX_DEMO_SITES);
    expect(new Set(specs.map((s) => s.name)).size).toBe(MAX_DEMO_SITES);
    expect(demoSpecs(0)).toEqual([]);
    expect(() => demoSpecs(MAX_DEMO_SITES + 1)).toThrow(RangeError);
    expect(demoSpecs(2, { paintings: 5 }).every((s) => s.sizes.paintings === 5)).toBe(true);
  });
});

describe("progress lines", () => {
  const result = (r: Partial<EntityResult> & Pick<EntityResult, "status">): EntityResult => ({
    ...emptyResult(r.status),
    ...r,
  });
  const run: Run = {
    run_id: "run_01ABC",
    site_id: "demo-1",
    trigger: "schedule",
    status: "partial",
    success: true,
    started_at: "2026-01-01T10:00:00.000Z",
    finished_at: "2026-01-01T10:00:02.500Z",
    entities: {
      stats: result({
        status: "succeeded",
        fetched: 1,
        valid: 1,
        invalid: 0,
        written: 1,
        unchanged: 0,
        deleted: 0,
        pages: 1,
      }),
      paintings: result({
        status: "succeeded",
        fetched: 12,
        valid: 10,
        flagged: 3,
        rejected: 2,
        invalid: 2,
        written: 3,
        unchanged: 7,
        deleted: 1,
        pages: 1,
      }),
      custom_requests: emptyResult("skipped"),
      orders: result({ status: "failed", error: { code: "template_unavailable", message: "503" } }),
    },
  };

  it("summarise a finished run in the order a run lists its entities", () => {
    expect(finishedLine("Atelier Lumière (demo-1)", run)).toBe(
      "[sync] Atelier Lumière (demo-1): partial in 2.5 s: paintings 10, orders ✗, stats ✓, custom_requests skipped (4 written, 7 unchanged, 1 deleted, 3 flagged, 2 rejected)",
    );
    expect(entitySummary("users", { ...run.entities.paintings!, status: "running" })).toBe("users …");
  });

  it("show a long run's progress", () => {
    const running: Run = {
      ...run,
      status: "running",
      entities: { ...run.entities, users: { ...run.entities.paintings!, status: "running", fetched: 800 } },
    };
    delete running.finished_at;
    expect(runningLine("demo-1", running, Date.parse("2026-01-01T10:00:42Z"))).toBe(
      "[sync] demo-1: running for 42 s, 4/5 entities done (1 running: users 800 read)",
    );
  });
});
