import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { gzipSync } from "node:zlib";
import { createLogger } from "vite";
import { afterAll, describe, expect, it } from "vitest";
import { buildWeb, webBuildIsStale } from "../src/build";

/** The UI's size budget, gzip: measured 139 KiB (issue 13), with room for a few more screens. */
const WEB_BUDGET_GZIP_BYTES = 160 * 1024;

const dirs: string[] = [];
afterAll(async () => {
  await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
});

describe("buildWeb", () => {
  it("builds the app without a single warning, with relative asset URLs", async () => {
    const outDir = await mkdtemp(path.join(tmpdir(), "web-build-"));
    dirs.push(outDir);
    const warnings: string[] = [];
    const logger = createLogger("warn");
    logger.warn = (message) => void warnings.push(message);
    logger.warnOnce = (message) => void warnings.push(message);

    // Rolldown prints some warnings (deprecations, for one) straight to stderr, past Vite's logger.
    const stderr: string[] = [];
    const write = process.stderr.write;
    process.stderr.write = ((chunk: string | Uint8Array) => {
      stderr.push(String(chunk));
      return true;
    }) as typeof process.stderr.write;

    expect(await webBuildIsStale(outDir)).toBe(true);
    let dist: string;
    // What ships: vitest runs with NODE_ENV=test, under which the JSX transform and React are their
    // development editions (about 50% larger); `npm start` and deploys build with NODE_ENV unset.
    const nodeEnv = process.env.NODE_ENV;
    process.env.NODE_ENV = "production";
    try {
      dist = await buildWeb({ outDir, logger });
    } finally {
      process.stderr.write = write;
      process.env.NODE_ENV = nodeEnv;
    }

    expect(dist).toBe(outDir);
    expect(warnings).toEqual([]);
    expect(stderr.join("")).toBe("");
    const html = await readFile(path.join(dist, "index.html"), "utf8");
    expect(html).toMatch(/<script type="module" crossorigin src="\.\/assets\/index-[\w-]+\.js"><\/script>/);
    const assets = await readdir(path.join(dist, "assets"));
    expect(assets.some((name) => name.endsWith(".css"))).toBe(true);
    expect(await readdir(dist)).toContain("favicon.svg");
    expect(await webBuildIsStale(outDir)).toBe(false);

    // The budget (docs/performance.md): every script and style sheet the first screen loads, gzip -9: what
    // index.html names (its entry script, style sheets, module preloads). Screens loaded on demand (lazy
    // chunks) are not part of it, but every chunk stays small.
    const firstScreen = [...html.matchAll(/(?:src|href)="\.\/assets\/([\w.-]+\.(?:js|css))"/g)].map(
      (m) => m[1] as string,
    );
    expect(firstScreen.length).toBeGreaterThanOrEqual(2);
    let gzipped = 0;
    for (const name of firstScreen) {
      gzipped += gzipSync(await readFile(path.join(dist, "assets", name)), { level: 9 }).length;
    }
    expect(gzipped).toBeGreaterThan(50 * 1024);
    expect(gzipped).toBeLessThanOrEqual(WEB_BUDGET_GZIP_BYTES);
    const lazy = assets.filter((n) => /\.js$/.test(n) && !firstScreen.includes(n));
    expect(lazy.length).toBeGreaterThanOrEqual(4);
    for (const name of lazy) {
      const size = gzipSync(await readFile(path.join(dist, "assets", name)), { level: 9 }).length;
      expect(size, name).toBeLessThanOrEqual(16 * 1024);
    }
  });
});
