/**
 * `npm start`'s configuration, from the environment (API-CONTRACT.md "Local runtime"; README):
 *
 *   PORT (3000) · DATA_DIR (.local) · DEMO_SITES (3) · SYNC_INTERVAL_SECONDS (900) · ADMIN_TOKEN (generated)
 *
 * Empty values count as unset. A value that is not valid is refused with the variable's name and what it
 * accepts, never silently replaced by the default.
 */
import { MAX_DEMO_SITES } from "./demo";
import { LocalRuntimeError } from "./errors";
import { DEFAULTS } from "./options";

export interface StartConfig {
  port: number;
  dataDir: string;
  demoSites: number;
  syncIntervalSeconds: number;
  adminToken?: string;
}

const set = (value: string | undefined): string | undefined => {
  const trimmed = value?.trim();
  return trimmed === undefined || trimmed === "" ? undefined : trimmed;
};

function integer(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max: number): number {
  const raw = set(env[name]);
  if (raw === undefined) return fallback;
  const value = /^\d+$/.test(raw) ? Number(raw) : Number.NaN;
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new LocalRuntimeError(
      "invalid_config",
      `${name} must be a whole number from ${min} to ${max}, got "${raw}".`,
    );
  }
  return value;
}

/** One week: longer than that, a schedule is not one. */
const MAX_INTERVAL_SECONDS = 7 * 24 * 3600;

export function configFromEnv(env: NodeJS.ProcessEnv = process.env): StartConfig {
  const config: StartConfig = {
    port: integer(env, "PORT", DEFAULTS.port, 0, 65_535),
    dataDir: set(env.DATA_DIR) ?? DEFAULTS.dataDir,
    demoSites: integer(env, "DEMO_SITES", DEFAULTS.demoSites, 0, MAX_DEMO_SITES),
    syncIntervalSeconds: integer(
      env,
      "SYNC_INTERVAL_SECONDS",
      DEFAULTS.syncIntervalSeconds,
      1,
      MAX_INTERVAL_SECONDS,
    ),
  };
  // Not trimmed: a token is compared byte for byte, and checkAdminToken refuses spaces.
  const token = env.ADMIN_TOKEN;
  if (token !== undefined && token !== "") config.adminToken = token;
  return config;
}
