/**
 * What an admin must know about a Template the Dashboard talks to (issue 9, TEMPLATE-API.md "Exposure"):
 * noticed while syncing settings and kept on the site as health warnings, each a stable code, the names of
 * the keys concerned (never a value) and what to do. The Dashboard never calls `/api/export/full` and keeps
 * none of the values a leaking export serves.
 */
import * as z from "zod";
import type { Ctx } from "./context";
import { SiteEntity } from "./store/entities";
import { secretKeysOf, type TemplateSetting } from "./template/schema";

export const HealthWarningCode = z.enum(["settings_exposed_without_key", "settings_secrets_in_clear"]);
export type HealthWarningCode = z.infer<typeof HealthWarningCode>;

export const HealthWarning = z.object({
  code: HealthWarningCode,
  /** In English for the API; the UI words the code from its catalogue. */
  message: z.string(),
  /** What an admin should do about it. */
  action: z.string(),
  /** Names of the settings concerned, never their values. */
  keys: z.array(z.string()),
  detected_at: z.string(),
});
export type HealthWarning = z.infer<typeof HealthWarning>;

export const SiteHealth = z.object({
  warnings: z.array(HealthWarning),
  checked_at: z.string(),
});
export type SiteHealth = z.infer<typeof SiteHealth>;

/** What the settings probe saw without a key: whether it answered, and which served keys hold secrets. */
export interface SettingsExposure {
  exposed: boolean;
  secretKeys: string[];
}

/** The warnings of one settings sync. Pure. */
export function settingsWarnings(
  exposure: SettingsExposure,
  pairs: readonly TemplateSetting[],
  at: string,
): HealthWarning[] {
  const warnings: HealthWarning[] = [];
  if (exposure.exposed) {
    warnings.push({
      code: "settings_exposed_without_key",
      message:
        "The Template serves /api/export/settings without an API key: anyone can read its settings, including the export API key" +
        (exposure.secretKeys.length ? ` and ${exposure.secretKeys.join(", ")}` : ""),
      action:
        "Update the Template so that /api/export/settings requires X-API-Key, then rotate export_api_key and every secret it served (and the site's key in the Dashboard)",
      keys: exposure.secretKeys,
      detected_at: at,
    });
  }
  const inClear = secretKeysOf(pairs);
  if (inClear.length > 0) {
    warnings.push({
      code: "settings_secrets_in_clear",
      message: `The Template's settings export serves secrets in clear: ${inClear.join(", ")} (the Dashboard masks them and never stores them)`,
      action:
        "Have the Template mask these settings in its export; rotate any that may have been read by someone else",
      keys: inClear,
      detected_at: at,
    });
  }
  return warnings;
}

/** A check that finds what the last one found refreshes the site's health at most this often. */
export const HEALTH_REFRESH_MS = 24 * 3600 * 1000;

/** The same warnings (codes and keys), whenever they were detected. */
const sameWarnings = (a: readonly HealthWarning[], b: readonly HealthWarning[]): boolean =>
  JSON.stringify(a.map((w) => [w.code, w.keys])) === JSON.stringify(b.map((w) => [w.code, w.keys]));

/**
 * Keeps a site's health on its item (replacing the previous check's). A deleted site is left alone. `was`:
 * the site's health as last read; a check that finds the same warnings writes nothing unless that one is a
 * day old (every scheduled settings sync checks: rewriting the site each time cost a write of the whole item
 * per tick, and changed nothing anyone reads).
 */
export async function record(ctx: Ctx, siteId: string, health: SiteHealth, was?: SiteHealth): Promise<void> {
  const age = was ? Date.parse(health.checked_at) - Date.parse(was.checked_at) : Number.POSITIVE_INFINITY;
  if (was && sameWarnings(was.warnings, health.warnings) && age < HEALTH_REFRESH_MS) return;
  await SiteEntity.update(ctx, "setHealth", [siteId], { health });
}
