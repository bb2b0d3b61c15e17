/** The site item (site/*.ts): its `last_run` that never goes back, its counts and sync status, edits, health and deletion steps. */
import type { SiteHealth } from "../health";
import type { EntitySyncs } from "../run/schema";
import { SiteItem } from "../site/schema";
import { defineEntity } from "./entity";
import { Keys } from "./keys";

// ---- site ----------------------------------------------------------------------------------------------

/** `counts.<entity>` and `last_synced_at.<entity>` of each entity a run synced, as update paths. */
function syncedPaths(synced: EntitySyncs = {}) {
  const sets: string[] = [];
  const names: Record<string, string> = {};
  const values: Record<string, unknown> = {};
  for (const [i, [entity, s]] of Object.entries(synced).entries()) {
    if (!s) continue;
    names[`#e${i}`] = entity;
    values[`:at${i}`] = s.at;
    sets.push(`last_synced_at.#e${i} = :at${i}`);
    if (s.count !== undefined) {
      values[`:c${i}`] = s.count;
      sets.push(`counts.#e${i} = :c${i}`);
    }
  }
  return { sets, names, values };
}

/** A site (site/*.ts), with its sealed secrets. */
export const SiteEntity = defineEntity({
  type: "site",
  schema: SiteItem,
  key: (siteId: string) => Keys.siteItem(siteId),
  updates: {
    /**
     * A run's status on the site; never replaced by an older run's. `failing_since` follows in the same
     * write: set by the first failure (a failed run, or an attempt that will be retried), kept while the
     * site keeps failing, removed by a run that succeeds (activity/operational.ts raises an outage on it).
     */
    recordRun: (p: { run: NonNullable<SiteItem["last_run"]>; now: string; synced?: EntitySyncs }) => {
      const failing = p.run.status === "failed" || p.run.retrying === true;
      const succeeded = p.run.status === "succeeded" || p.run.status === "partial";
      const synced = syncedPaths(p.synced);
      const sets = [
        "last_run = :r",
        ...(failing ? ["failing_since = if_not_exists(failing_since, :since)"] : []),
        ...synced.sets,
      ];
      return {
        update: `SET ${sets.join(", ")}${succeeded ? " REMOVE failing_since" : ""}`,
        condition: "attribute_exists(pk) AND (attribute_not_exists(last_run) OR last_run.run_id <= :id)",
        ...(synced.sets.length ? { names: synced.names } : {}),
        values: {
          ":r": p.run,
          ":id": p.run.run_id,
          ...(failing ? { ":since": p.run.finished_at ?? p.now } : {}),
          ...synced.values,
        },
      };
    },
    /**
     * The maps a run's entity syncs go into (`recordRun`, `recordSynced`), created when missing: a site
     * that never synced an entity to its end has none.
     */
    prepareEntitySync: () => ({
      update:
        "SET counts = if_not_exists(counts, :empty), last_synced_at = if_not_exists(last_synced_at, :empty)",
      condition: "attribute_exists(pk)",
      values: { ":empty": {} },
    }),
    /** A run's entity syncs alone: a run that finished after a newer one leaves `last_run` as it is. */
    recordSynced: (p: { synced: EntitySyncs }) => {
      const synced = syncedPaths(p.synced);
      return {
        update: `SET ${synced.sets.join(", ")}`,
        condition: "attribute_exists(pk)",
        names: synced.names,
        values: synced.values,
      };
    },
    /** The first step of a deletion: gone for callers, no more writes. */
    markDeleting: (p: { now: string }) => ({
      update: "SET enabled = :f, deleting = :t, updated_at = :now",
      condition: "attribute_exists(pk) AND attribute_not_exists(deleting)",
      values: { ":f": false, ":t": true, ":now": p.now },
    }),
    /**
     * An edit of the site's fields (each only when given); `was`: the template_url the edit was checked
     * against, so a concurrent move to another origin is refused rather than overwritten.
     */
    edit: (p: {
      now: string;
      was?: string;
      name?: string;
      template_url?: string;
      enabled?: boolean;
      scan_limits?: SiteItem["scan_limits"];
      api_key?: { sealed: string; last4: string };
    }) => {
      const sets = ["updated_at = :now"];
      const values: Record<string, unknown> = { ":now": p.now };
      const names: Record<string, string> = {};
      let condition = "attribute_exists(pk) AND attribute_not_exists(deleting)";
      if (p.was !== undefined) {
        condition += " AND template_url = :was";
        values[":was"] = p.was;
      }
      if (p.name !== undefined) {
        sets.push("#name = :name");
        names["#name"] = "name";
        values[":name"] = p.name;
      }
      if (p.template_url !== undefined) {
        sets.push("template_url = :url");
        values[":url"] = p.template_url;
      }
      if (p.enabled !== undefined) {
        sets.push("enabled = :enabled");
        values[":enabled"] = p.enabled;
      }
      if (p.scan_limits !== undefined) {
        sets.push("scan_limits = :limits");
        values[":limits"] = p.scan_limits;
      }
      if (p.api_key !== undefined) {
        sets.push("api_key_sealed = :sealed", "api_key_last4 = :last4");
        values[":sealed"] = p.api_key.sealed;
        values[":last4"] = p.api_key.last4;
      }
      return {
        update: `SET ${sets.join(", ")}`,
        condition,
        ...(Object.keys(names).length ? { names } : {}),
        values,
        returnValues: "ALL_NEW" as const,
      };
    },
    /** The Template's health as the last settings check saw it (health.ts). */
    setHealth: (p: { health: SiteHealth }) => ({
      update: "SET health = :h",
      condition: "attribute_exists(pk)",
      values: { ":h": p.health },
    }),
    /** The webhook secrets after a rotation. */
    setWebhookSecrets: (p: { secrets: SiteItem["webhook_secrets"]; now: string }) => ({
      update: "SET webhook_secrets = :s, updated_at = :now",
      condition: "attribute_exists(pk)",
      values: { ":s": p.secrets, ":now": p.now },
    }),
  },
  deletes: {
    /** The last step of a deletion. */
    dropDeleted: () => ({ condition: "deleting = :t", values: { ":t": true } }),
  },
});
