/**
 * `npm run bench [-- --size small|default] [--latency local|aws] [--out FILE] [--only a,b] [--cpu-prof DIR]`:
 * the performance benchmark of issues 6 and 15 on the local services (DynamoDB Local, fauxqs) and
 * template-sim. `--latency aws` also runs the sync scenarios with AWS's round trips injected. Prints a table
 * and, with `--out`, writes the JSON report. See docs/performance.md.
 */
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { cpus, loadavg, tmpdir, totalmem } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { resourceEnvironment } from "@dashboard/local/resources";
import { measureBundles } from "./bundles";
import { changesScenario } from "./changes-scenario";
import { buildWorker } from "./child";
import { cost } from "./cost-scenario";
import type { BenchContext } from "./harness";
import { BenchReport, renderReport } from "./report";
import { largeEntity, syncScenarios, syncScenariosAws, warmUp } from "./scenarios";
import { exportsScenario } from "./scenarios-exports";
import { fanout, readApi, webhookToVisible } from "./scenarios-http";
import { REGION, startServices } from "./services";
import { round } from "./stats";

export const SCENARIOS = [
  "full",
  "resync",
  "limit",
  "naive",
  "webhook",
  "read",
  "fanout",
  "bundles",
  "large",
  "cost",
  "exports",
  "changes",
] as const;

const usage = `usage: npm run bench -- [--size small|default] [--latency local|aws] [--out FILE] [--only ${SCENARIOS.join(",")}] [--cpu-prof DIR] [--node-flags="FLAGS"]`;

function options() {
  const { values } = parseArgs({
    options: {
      size: { type: "string", default: "default" },
      latency: { type: "string", default: "local" },
      out: { type: "string" },
      only: { type: "string" },
      "cpu-prof": { type: "string" },
      "node-flags": { type: "string", default: "" },
      help: { type: "boolean", default: false },
    },
  });
  if (values.help) {
    console.log(usage);
    process.exit(0);
  }
  if (values.size !== "small" && values.size !== "default")
    throw new Error(`--size must be small or default\n${usage}`);
  if (values.latency !== "local" && values.latency !== "aws")
    throw new Error(`--latency must be local or aws\n${usage}`);
  const only = values.only ? values.only.split(",").map((s) => s.trim()) : [...SCENARIOS];
  const unknown = only.filter((s) => !(SCENARIOS as readonly string[]).includes(s));
  if (unknown.length) throw new Error(`unknown scenario(s) ${unknown.join(", ")}\n${usage}`);
  const nodeFlags = (values["node-flags"] ?? "").split(/\s+/).filter(Boolean);
  return {
    size: values.size,
    latency: values.latency,
    out: values.out,
    only: new Set(only),
    cpuProfileDir: values["cpu-prof"],
    nodeFlags,
  };
}

const machine = () => {
  const cpu = cpus();
  return `${cpu.length} × ${cpu[0]?.model.trim() ?? "unknown CPU"}, ${Math.round(totalmem() / 2 ** 30)} GiB RAM, ${process.platform} ${process.arch}`;
};

/** What a deployed function sees at init; nothing is contacted while a module loads. */
const bundleEnvironment = (adminTokens: string, encryptionKeys: string) =>
  resourceEnvironment({
    tableName: "bench-bundles",
    queueUrl: "http://127.0.0.1:9/000000000000/bench-bundles",
    dlqUrl: "http://127.0.0.1:9/000000000000/bench-bundles-dlq",
    adminTokens,
    encryptionKeys,
    dynamoEndpoint: "http://127.0.0.1:9",
    sqsEndpoint: "http://127.0.0.1:9",
    region: REGION,
    stage: "bench",
  });

async function main() {
  const opts = options();
  const startedAt = new Date();
  const loadAtStart = loadavg()[0] ?? 0;
  const clock = performance.now();
  const work = mkdtempSync(join(tmpdir(), "dashboard-bench-"));
  const logFile = join(work, "children.log");
  const log = (line: string) =>
    console.error(`[bench ${((performance.now() - clock) / 1000).toFixed(1).padStart(6)} s] ${line}`);
  if (opts.cpuProfileDir) mkdirSync(resolve(opts.cpuProfileDir), { recursive: true });

  log(
    `size ${opts.size}; latency ${opts.latency}; scenarios ${[...opts.only].join(", ")}; child logs in ${logFile}`,
  );
  const [workerFile, services] = await Promise.all([buildWorker(work), startServices()]);
  if (opts.cpuProfileDir) {
    // Profiles name frames by the bundle; its source map next to them maps them back (bench/profile.ts).
    for (const f of ["worker.mjs", "worker.mjs.map"])
      copyFileSync(join(work, f), join(opts.cpuProfileDir, f));
  }
  const b: BenchContext = {
    services,
    workerFile,
    logFile,
    scale: opts.size === "small" ? 0.1 : 1,
    nodeFlags: opts.nodeFlags,
    log,
    ...(opts.cpuProfileDir ? { cpuProfileDir: resolve(opts.cpuProfileDir) } : {}),
  };
  const partial: Partial<BenchReport> = {};
  let failed = false;
  try {
    // The cost model bills each tick's cold starts with the bundles' init times.
    if (opts.only.has("bundles") || opts.only.has("cost")) {
      log("bundles…");
      partial.bundles = await measureBundles(
        work,
        bundleEnvironment(services.adminToken, services.encryptionKeys),
      );
    }
    log("warm-up…");
    await warmUp(b);
    if (["full", "resync", "limit", "naive"].some((s) => opts.only.has(s)))
      await syncScenarios(b, partial, opts.only);
    if (opts.only.has("webhook")) {
      log("webhook → visible…");
      await webhookToVisible(b, partial);
    }
    const sync = ["full", "resync", "limit", "naive"].filter((s) => opts.only.has(s));
    if (opts.latency === "aws" && sync.length > 0) {
      log("AWS latency: sync scenarios…");
      await syncScenariosAws(b, partial, new Set(sync));
    }
    let apiRequest: Awaited<ReturnType<typeof readApi>> | undefined;
    if (opts.only.has("read")) {
      log("read API…");
      apiRequest = await readApi(b, partial);
    }
    if (opts.only.has("fanout")) {
      log("fan-out…");
      await fanout(b, partial);
    }
    if (opts.only.has("large")) {
      log("large entity…");
      await largeEntity(b, partial);
    }
    if (opts.only.has("changes")) {
      log("change processor…");
      await changesScenario(b, partial);
    }
    if (opts.only.has("exports")) {
      log("export, 100,000 orders…");
      await exportsScenario(partial);
    }
    if (opts.only.has("cost")) {
      if (!apiRequest) {
        log("read API (the cost of an admin's request)…");
        apiRequest = await readApi(b, {});
      }
      const init = (fn: "consumer" | "scheduler") => partial.bundles?.[fn]?.process_ms ?? 0;
      await cost(b, partial, {
        apiRequest,
        initMs: { consumer: init("consumer"), scheduler: init("scheduler") },
      });
    }
  } catch (error) {
    failed = true;
    console.error(error);
  } finally {
    await services.stop();
  }
  const report = BenchReport.parse({
    ...partial,
    meta: {
      size: opts.size,
      started_at: startedAt.toISOString(),
      duration_s: round((performance.now() - clock) / 1000, 1),
      node: process.version,
      machine: machine(),
      load_average: { start: round(loadAtStart), end: round(loadavg()[0] ?? 0) },
      scenarios: [...opts.only],
    },
  });
  console.log(renderReport(report));
  if (opts.out) {
    writeFileSync(resolve(opts.out), `${JSON.stringify(report, null, 2)}\n`);
    log(`wrote ${resolve(opts.out)}`);
  }
  if (failed) {
    log(`failed; child logs kept in ${logFile}`);
    process.exitCode = 1;
  } else {
    rmSync(work, { recursive: true, force: true });
  }
}

await main();
