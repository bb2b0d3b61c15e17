/**
 * `npm start`: the whole Dashboard on this machine (see runtime.ts), configured from the environment
 * (config.ts). Prints the URL and the admin token once ready, then sync progress; Ctrl-C (or SIGTERM) stops
 * everything in order and exits 0. A start-up failure says what to do and exits 1.
 */
import { relative } from "node:path";
import { configFromEnv, type StartConfig } from "./config";
import { LocalRuntimeError, LocalServiceError } from "./errors";
import { type LocalRuntime, startLocal } from "./runtime";

const out = (line: string) => process.stdout.write(`${line}\n`);
const err = (line: string) => process.stderr.write(`${line}\n`);

/** A path as a person would type it from here. */
const shown = (path: string) => {
  const rel = relative(process.cwd(), path);
  return rel === "" ? "." : rel.startsWith("..") ? path : rel;
};

function fail(error: unknown): never {
  if (error instanceof LocalServiceError || error instanceof LocalRuntimeError) {
    err(`Cannot start the Dashboard: ${error.message}`);
  } else {
    const e = error as Error;
    err(`Cannot start the Dashboard: ${e?.message ?? String(error)}`);
    if (process.env.DEBUG && e?.stack) err(e.stack);
  }
  process.exit(1);
}

function banner(runtime: LocalRuntime, config: StartConfig): void {
  out("");
  out(`Dashboard: ${runtime.url}`);
  if (runtime.adminTokenSource === "given") out("Admin token: (the value of ADMIN_TOKEN)");
  else {
    out(`Admin token: ${runtime.adminToken}`);
    out(
      `  ${runtime.adminTokenSource === "generated" ? "generated and kept" : "kept"} in ${shown(runtime.adminTokenFile ?? "")}; set ADMIN_TOKEN to choose your own`,
    );
  }
  const demo = runtime.demoSites;
  if (demo.length > 0) {
    const syncing = demo.filter((site) => site.runId).length;
    out(
      `Demo sites: ${demo.map((site) => `${site.name} (${site.id})`).join(", ")}${syncing ? `; syncing ${syncing} now` : ""}`,
    );
  }
  out(
    `Schedule: every enabled site every ${config.syncIntervalSeconds} s · data in ${shown(runtime.dataDir)} · Ctrl-C stops`,
  );
  out("");
}

async function main(): Promise<void> {
  let config: StartConfig;
  try {
    config = configFromEnv(process.env);
  } catch (error) {
    fail(error);
  }

  let runtime: LocalRuntime | undefined;
  let firstSignalAt = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    const now = Date.now();
    if (!runtime) {
      // Still starting: the DynamoDB Local child is killed by its exit hook, fauxqs lives in this process.
      err(`\n${signal} during start-up: stopping.`);
      process.exit(130);
    }
    if (firstSignalAt === 0) {
      firstSignalAt = now;
      out(`\n${signal}: stopping (waiting for the syncs in progress; press Ctrl-C again to force)…`);
      runtime.stop().then(
        () => {
          out("Stopped.");
          process.exit(0);
        },
        (error: unknown) => {
          err(`Stopped with an error: ${(error as Error).message}`);
          process.exit(1);
        },
      );
      return;
    }
    // A terminal's Ctrl-C reaches every process of the group and tsx relays it too: the same keypress
    // can arrive twice within a few milliseconds. Only a later one means "force".
    if (now - firstSignalAt < 1_000) return;
    err("Forced exit.");
    process.exit(130);
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  // In AWS every invocation has its own runtime: a handler's stray rejection ends that invocation, not the
  // service. Here all handlers share this process, so one is reported instead of taking everything down.
  process.on("unhandledRejection", (reason) => {
    const e = reason as Error | undefined;
    err(
      `[runtime] an unhandled error in a handler (the invocation failed, the runtime keeps going): ${e?.message ?? String(reason)}`,
    );
    if (process.env.DEBUG && e?.stack) err(e.stack);
  });

  out("artworksdigital Dashboard · local runtime");
  out(
    `Starting DynamoDB Local (data in ${shown(config.dataDir)}), the SQS emulator${config.demoSites ? ` and ${config.demoSites} demo site(s)` : ""}…`,
  );
  try {
    runtime = await startLocal({ ...config, print: out });
  } catch (error) {
    fail(error);
  }
  banner(runtime, config);
}

await main();
