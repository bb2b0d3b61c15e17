/**
 * Building the UI from Node (the local runtime calls this when `dist` is missing or older than the
 * sources, then serves `dist` at `/`). Not part of the browser bundle.
 */
import { readdir, stat } from "node:fs/promises";
import path from "node:path";
import { build, createLogger, type Logger } from "vite";
import { webConfig, webRoot } from "./viteConfig";

export { webRoot };

/** The default output directory, absolute. */
export const webDist = path.join(webRoot, "dist");

export interface BuildWebOptions {
  /** Build somewhere else than `packages/web/dist` (tests use a temporary directory). */
  outDir?: string;
  /** Vite's logger; default: warnings and errors only. */
  logger?: Logger;
}

/** Runs Vite's production build with the package's config; resolves to the absolute dist path. */
export async function buildWeb(options: BuildWebOptions = {}): Promise<string> {
  const outDir = path.resolve(options.outDir ?? webDist);
  await build({
    ...webConfig({ outDir }),
    configFile: false,
    mode: "production",
    logLevel: "warn",
    customLogger: options.logger ?? createLogger("warn", { prefix: "[web]" }),
  });
  return outDir;
}

/**
 * The inputs of the build: sources, public files, index.html, the config and the manifest, and the shared
 * constants the UI imports (`@dashboard/config/audit`).
 */
const INPUTS = ["src", "public", "index.html", "vite.config.ts", "package.json", "../config/src"];

async function newestMtime(target: string): Promise<number> {
  let info: Awaited<ReturnType<typeof stat>>;
  try {
    info = await stat(target);
  } catch {
    return 0;
  }
  if (!info.isDirectory()) return info.mtimeMs;
  let newest = info.mtimeMs;
  for (const entry of await readdir(target, { withFileTypes: true })) {
    if (entry.name.endsWith(".test.ts") || entry.name.endsWith(".test.tsx")) continue;
    newest = Math.max(newest, await newestMtime(path.join(target, entry.name)));
  }
  return newest;
}

/** True when `dist/index.html` is missing or older than any input of the build. */
export async function webBuildIsStale(distDir: string = webDist): Promise<boolean> {
  let built: number;
  try {
    built = (await stat(path.join(distDir, "index.html"))).mtimeMs;
  } catch {
    return true;
  }
  const inputs = await Promise.all(INPUTS.map((input) => newestMtime(path.join(webRoot, input))));
  return Math.max(...inputs) > built;
}

/** Builds only when needed; resolves to the absolute dist path either way. */
export async function ensureWebBuilt(options: BuildWebOptions = {}): Promise<string> {
  const distDir = path.resolve(options.outDir ?? webDist);
  if (await webBuildIsStale(distDir)) return buildWeb(options);
  return distDir;
}
