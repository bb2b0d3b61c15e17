/**
 * Starts one simulated Template site from the command line:
 *   npx tsx packages/template-sim/src/cli.ts --port 4001 --api-key k --paintings 200
 * (`npm run sim -- ...` from the repository root does the same). Stops cleanly on SIGINT / SIGTERM.
 */
import { parseArgs } from "node:util";
import { DEFAULT_SIZES, type Sizes } from "./schema";
import { type OptionalEndpoint, type SimOptions, startSim } from "./server";

const USAGE = `Usage: npm run sim -- --api-key <key> [options]

  --api-key <key>          the site's export_api_key (or env SIM_API_KEY)         required
  --master-key <key>       a master key also accepted (or env SIM_MASTER_KEY)
  --port <n>               port on 127.0.0.1 (default 0: a free port)
  --seed <n>               data seed (default 1)
  --site-name <text>       the site_name setting (default "Site Artiste")
  --paintings <n>          default ${DEFAULT_SIZES.paintings}
  --users <n>              default ${DEFAULT_SIZES.users}
  --orders <n>             default ${DEFAULT_SIZES.orders}
  --exhibitions <n>        default ${DEFAULT_SIZES.exhibitions}
  --custom-requests <n>    default ${DEFAULT_SIZES.custom_requests}
  --settings-shape <s>     flat (default, like the real app) | documented
  --disable <list>         endpoints answering 404, comma-separated: exhibitions,stats,custom_requests
  -h, --help

The control API under /__sim/ has no authentication: this is a test tool, never expose it.`;

class UsageError extends Error {}

function int(name: string, raw: string | undefined, min: number, max: number): number | undefined {
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max)
    throw new UsageError(`--${name} must be an integer in ${min}..${max}`);
  return n;
}

export function parseCli(argv: readonly string[], env: NodeJS.ProcessEnv): SimOptions | "help" {
  const { values } = parseArgs({
    args: [...argv],
    strict: true,
    options: {
      "api-key": { type: "string" },
      "master-key": { type: "string" },
      port: { type: "string" },
      seed: { type: "string" },
      "site-name": { type: "string" },
      paintings: { type: "string" },
      users: { type: "string" },
      orders: { type: "string" },
      exhibitions: { type: "string" },
      "custom-requests": { type: "string" },
      "settings-shape": { type: "string" },
      disable: { type: "string" },
      help: { type: "boolean", short: "h" },
    },
  });
  if (values.help) return "help";
  const apiKey = values["api-key"] ?? env.SIM_API_KEY;
  if (!apiKey) throw new UsageError("--api-key is required");
  const sizes: Partial<Sizes> = {};
  const sizeFlags = [
    ["paintings", "paintings"],
    ["users", "users"],
    ["orders", "orders"],
    ["exhibitions", "exhibitions"],
    ["custom-requests", "custom_requests"],
  ] as const;
  for (const [flag, key] of sizeFlags) {
    const n = int(flag, values[flag], 0, 10_000_000);
    if (n !== undefined) sizes[key] = n;
  }
  const shape = values["settings-shape"];
  if (shape !== undefined && shape !== "flat" && shape !== "documented") {
    throw new UsageError("--settings-shape must be flat or documented");
  }
  const endpoints: Partial<Record<OptionalEndpoint, boolean>> = {};
  for (const name of (values.disable ?? "").split(",").map((s) => s.trim().replace(/-/g, "_"))) {
    if (name === "") continue;
    if (name !== "exhibitions" && name !== "stats" && name !== "custom_requests") {
      throw new UsageError(`--disable: unknown endpoint ${name}`);
    }
    endpoints[name] = false;
  }
  const masterKey = values["master-key"] ?? env.SIM_MASTER_KEY;
  return {
    apiKey,
    ...(masterKey ? { masterKey } : {}),
    port: int("port", values.port, 0, 65535) ?? 0,
    seed: int("seed", values.seed, -2147483648, 2147483647) ?? 1,
    ...(values["site-name"] ? { siteName: values["site-name"] } : {}),
    sizes,
    ...(shape ? { settingsShape: shape } : {}),
    endpoints,
  };
}

async function main(): Promise<void> {
  let options: SimOptions | "help";
  try {
    options = parseCli(process.argv.slice(2), process.env);
  } catch (error) {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n\n${USAGE}\n`);
    process.exitCode = 2;
    return;
  }
  if (options === "help") {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const sim = await startSim(options);
  const counts = (["paintings", "users", "orders", "exhibitions", "custom_requests"] as const)
    .map((e) => `${sim.data[e].length} ${e}`)
    .join(", ");
  process.stdout.write(`Template simulator "${sim.data.settings.site_name}" listening on ${sim.url}\n`);
  process.stdout.write(`  ${counts}; control API at ${sim.url}/__sim/ (unauthenticated: local use only)\n`);
  let stopping = false;
  const stop = (signal: NodeJS.Signals): void => {
    if (stopping) return;
    stopping = true;
    process.stdout.write(`${signal}: stopping ${sim.url}\n`);
    sim.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
}

const entry = process.argv[1] ?? "";
if (import.meta.url === new URL(`file://${entry}`).href || entry.endsWith("template-sim/src/cli.ts")) {
  main().catch((error: unknown) => {
    process.stderr.write(`template-sim: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  });
}
