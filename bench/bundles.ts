/**
 * Each Lambda bundled the way SST v3 bundles a Node.js function (esbuild: one ESM file, platform node,
 * minified, `module` before `main`, the createRequire banner SST adds) with the project's own settings
 * (`FUNCTION_BUNDLING` of packages/config/src/index.ts: the AWS SDK left to the runtime, the esbuild plugins), and the
 * time a fresh Node 24 process takes to import it with the function's linked environment (module scope only:
 * clients, configuration and the API's OpenAPI document are built there; no request is made). The SDK the
 * runtime provides is loaded from the project's node_modules, as Lambda loads it from its own.
 */
import { spawn } from "node:child_process";
import { existsSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { FUNCTION_BUNDLING } from "@dashboard/config";
import { build } from "esbuild";
import plugins from "../stacks/esbuild-plugins.mjs";
import { percentile, round } from "./stats";

export const FUNCTIONS = ["api", "webhook", "scheduler", "consumer", "changes", "alerts"] as const;
export type FunctionName = (typeof FUNCTIONS)[number];

const ROOT = join(import.meta.dirname, "..");

/** SST's banner for ESM functions: lets bundled CommonJS code `require` Node's built-ins. */
const SST_BANNER = [
  `import { createRequire as topLevelCreateRequire } from 'module';`,
  `const require = topLevelCreateRequire(import.meta.url);`,
  `import { fileURLToPath as topLevelFileUrlToPath, URL as topLevelURL } from "url"`,
  `const __filename = topLevelFileUrlToPath(import.meta.url)`,
  `const __dirname = topLevelFileUrlToPath(new topLevelURL(".", import.meta.url))`,
].join("\n");

/** `deployed`: the settings SST deploys with; otherwise everything inside (the AWS SDK too), for comparison. */
export async function bundle(
  name: FunctionName,
  outDir: string,
  { deployed = true }: { deployed?: boolean } = {},
): Promise<{ file: string; bytes: number; inputs: string[] }> {
  const file = join(outDir, `${name}${deployed ? "" : "-sdk-inside"}.mjs`);
  // Bare imports of what stays external resolve from here, as the runtime's own node_modules serve them on AWS.
  const modules = join(outDir, "node_modules");
  if (!existsSync(modules)) symlinkSync(join(ROOT, "node_modules"), modules, "dir");
  const { metafile } = await build({
    entryPoints: [join(ROOT, `packages/functions/src/${name}.ts`)],
    outfile: file,
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node24",
    minify: FUNCTION_BUNDLING.minify,
    mainFields: ["module", "main"],
    banner: { js: SST_BANNER },
    external: deployed ? FUNCTION_BUNDLING.esbuild.external : [],
    plugins: deployed ? plugins : [],
    metafile: true,
    logLevel: "error",
  });
  return { file, bytes: statSync(file).size, inputs: Object.keys(metafile.inputs) };
}

/**
 * A fresh Node process that imports `file`: the milliseconds the import took inside it (Node's own start
 * excluded), and the milliseconds from spawn to exit as the parent sees them (Node's start included).
 */
function importTime(
  file: string,
  env: Record<string, string>,
): Promise<{ import_ms: number; process_ms: number }> {
  const script = `const t = performance.now(); await import(${JSON.stringify(pathToFileURL(file).href)}); process.stdout.write(String(performance.now() - t)); process.exit(0);`;
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, ["--input-type=module", "-e", script], {
      env: { PATH: process.env.PATH ?? "", ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    let err = "";
    child.stdout.on("data", (c: Buffer) => {
      out += c.toString();
    });
    child.stderr.on("data", (c: Buffer) => {
      err += c.toString();
    });
    child.on("error", reject);
    child.on("close", (code) => {
      const processMs = performance.now() - started;
      const ms = Number(out);
      if (code !== 0 || !Number.isFinite(ms))
        reject(new Error(`importing ${file} failed (${code}): ${err.slice(0, 2000)}`));
      else resolve({ import_ms: ms, process_ms: processMs });
    });
  });
}

export interface BundleFigures {
  bytes: number;
  init_ms: number;
  /** The same function with everything inside it (the AWS SDK, every zod locale), for comparison. */
  bytes_all_inside: number;
  /** `process_ms` over `empty_process_ms`: init relative to the machine's own start of a Node process. */
  init_ratio: number;
  /** A process that imports the bundle, spawn to exit (median). */
  process_ms: number;
  /** The same process importing an empty module, measured alongside (median over the whole run). */
  empty_process_ms: number;
}

/**
 * Size and median init time (of `runs` fresh processes) of every function, and its init relative to an
 * empty Node process started the same way: each import of a bundle follows an empty module's, and a
 * function's ratio is taken over its own pairs, so a load on the machine that changes during the run moves
 * the numerator and the denominator together.
 */
export async function measureBundles(
  outDir: string,
  env: Record<string, string>,
  runs = 7,
): Promise<Record<FunctionName, BundleFigures>> {
  const empty = join(outDir, "empty.mjs");
  writeFileSync(empty, "export {};\n");
  const out = {} as Record<FunctionName, BundleFigures>;
  for (const name of FUNCTIONS) {
    const { file, bytes } = await bundle(name, outDir);
    const times: number[] = [];
    const process: number[] = [];
    const empties: number[] = [];
    for (let i = 0; i < runs; i++) {
      empties.push((await importTime(empty, env)).process_ms);
      const t = await importTime(file, env);
      times.push(t.import_ms);
      process.push(t.process_ms);
    }
    const inside = await bundle(name, outDir, { deployed: false });
    const processMs = percentile(process, 50) ?? 0;
    const emptyMs = percentile(empties, 50) ?? 0;
    out[name] = {
      bytes,
      init_ms: round(percentile(times, 50) ?? 0, 1),
      bytes_all_inside: inside.bytes,
      init_ratio: emptyMs > 0 ? round(processMs / emptyMs, 2) : 0,
      process_ms: round(processMs, 1),
      empty_process_ms: round(emptyMs, 1),
    };
  }
  return out;
}
