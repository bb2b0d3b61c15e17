/** The entities read whole, in one request: the Template's settings (with its security check) and stats. */
import type { Ctx } from "../context";
import * as Health from "../health";
import * as Records from "../record";
import { emptyResult } from "../run";
import * as Settings from "../settings";
import { statsItem } from "../stats";
import { batchWrite, putRequest } from "../store/db";
import type { TemplateSetting } from "../template/schema";
import { isoNow } from "../util/time";
import type { EntityJob, Step } from "./job";

export async function syncSettings(ctx: Ctx, job: EntityJob): Promise<Step> {
  const { site, client, log } = job;
  const started = ctx.now().getTime();
  const syncTimestamp = isoNow(ctx.now());
  const pairs = await client.settings();
  if (pairs.length === 0) {
    log.add("ERROR", "Aucune donnée reçue", "no_data");
    return {
      kind: "done",
      result: {
        ...emptyResult("failed"),
        pages: 1,
        error: { code: "no_data", message: "The Template returned no settings" },
      },
    };
  }
  const stored = await Records.index(ctx, site.id, "settings");
  const plan = Settings.plan(site.id, pairs, stored, syncTimestamp);
  await batchWrite(ctx, plan.items.map(putRequest));
  const gone = [...stored]
    .filter(([key, s]) => !s.deleted && !plan.seen.has(String(key)))
    .map(([key]) => key);
  await Records.markDeleted(ctx, site.id, "settings", gone, syncTimestamp);
  if (plan.masked)
    log.add("INFO", `${plan.masked} paramètre(s) non publics masqué(s), jamais stockés`, "settings_masked", {
      count: plan.masked,
    });
  await checkTemplateSecurity(ctx, job, pairs, syncTimestamp);
  log.add("SUCCESS", `${plan.seen.size} paramètres synchronisés`, "settings_synced", {
    count: plan.seen.size,
  });
  const liveBefore = [...stored.values()].filter((s) => !s.deleted).length;
  const inserted = plan.items.filter((i) => {
    const s = stored.get(String(i.record_id));
    return !s || s.deleted;
  }).length;
  return {
    kind: "done",
    result: {
      status: "succeeded",
      fetched: pairs.length,
      valid: plan.seen.size,
      flagged: 0,
      rejected: 0,
      invalid: 0,
      written: plan.items.length,
      unchanged: plan.unchanged + plan.kept,
      deleted: gone.length,
      pages: 1,
      duration_ms: ctx.now().getTime() - started,
    },
    liveCount: liveBefore + inserted - gone.length,
  };
}

/**
 * The Template security check (health.ts): does its settings export answer without a key, and does it
 * serve secrets in clear? Kept on the site as health warnings; only key names are kept, never values.
 */
async function checkTemplateSecurity(ctx: Ctx, job: EntityJob, pairs: TemplateSetting[], at: string) {
  const exposure = await job.client.settingsExposure();
  const warnings = Health.settingsWarnings(exposure, pairs, at);
  for (const w of warnings) job.log.add("WARNING", SECURITY_LOG[w.code], `security_${w.code}`);
  await Health.record(ctx, job.site.id, { warnings, checked_at: at }, job.site.health);
}

const SECURITY_LOG: Record<Health.HealthWarningCode, string> = {
  settings_exposed_without_key:
    "Sécurité : ce site expose ses paramètres sans clé (sa clé d'export est lisible par tous)",
  settings_secrets_in_clear: "Sécurité : l'export des paramètres contient des secrets en clair (masqués ici)",
};

export async function syncStats(ctx: Ctx, job: EntityJob): Promise<Step> {
  const { site, client, log } = job;
  const started = ctx.now().getTime();
  const { stats } = await client.stats();
  const timestamp = isoNow(ctx.now());
  await batchWrite(ctx, [putRequest(statsItem(ctx, site.id, { timestamp, data: stats }))]);
  log.add("SUCCESS", `Statistiques enregistrées (${Object.keys(stats).length} valeurs)`, "stats_saved", {
    count: Object.keys(stats).length,
  });
  return {
    kind: "done",
    result: {
      ...emptyResult("succeeded"),
      fetched: 1,
      valid: 1,
      written: 1,
      pages: 1,
      duration_ms: ctx.now().getTime() - started,
      data: stats,
    },
  };
}
