/**
 * A site's health at a glance, from what `GET /api/sites` says about it: its last run and how old its data
 * is (`last_run.finished_at`). The overview lists the sites that need attention first.
 */
import type { Site } from "../api/types";
import { parseLooseDate } from "./format";
import type { Tone } from "./status";

/** Data older than this is "stale": with the default 15-minute schedule, at least three missed syncs. */
export const STALE_AFTER_MS = 60 * 60 * 1000;

export type HealthKind =
  | "failing"
  | "retrying"
  | "stale"
  | "never"
  | "partial"
  | "syncing"
  | "ok"
  | "disabled";

/** The kinds the overview counts "à surveiller". */
export const ATTENTION_KINDS: readonly HealthKind[] = ["failing", "retrying", "stale", "never", "partial"];

/** Attention order: failing and stale first, disabled last. */
const RANK: Record<HealthKind, number> = {
  failing: 0,
  retrying: 0,
  stale: 1,
  never: 1,
  partial: 2,
  syncing: 3,
  ok: 4,
  disabled: 5,
};

const TONE: Record<HealthKind, Tone> = {
  failing: "danger",
  retrying: "warning",
  stale: "warning",
  never: "warning",
  partial: "warning",
  syncing: "info",
  ok: "success",
  disabled: "neutral",
};

export interface SiteHealth {
  kind: HealthKind;
  tone: Tone;
  /** Age of the site's data in ms, null when it never finished a run (or the date is unreadable). */
  ageMs: number | null;
}

export function siteHealth(site: Site, now: Date, staleAfterMs: number = STALE_AFTER_MS): SiteHealth {
  const run = site.last_run ?? null;
  const finished = parseLooseDate(run?.finished_at);
  const ageMs = finished ? Math.max(0, now.getTime() - finished.getTime()) : null;
  const kind = healthKind(site, ageMs, staleAfterMs);
  return { kind, tone: TONE[kind], ageMs };
}

function healthKind(site: Site, ageMs: number | null, staleAfterMs: number): HealthKind {
  if (!site.enabled) return "disabled";
  const status = site.last_run?.status;
  if (!status) return "never";
  if (status === "failed") return "failing";
  if (site.last_run?.retrying && (status === "queued" || status === "running")) return "retrying";
  if (status === "queued" || status === "running")
    return ageMs === null ? "syncing" : staleOr(ageMs, staleAfterMs, "syncing");
  if (ageMs === null) return "never";
  return staleOr(ageMs, staleAfterMs, status === "partial" ? "partial" : "ok");
}

const staleOr = (ageMs: number, staleAfterMs: number, kind: HealthKind): HealthKind =>
  ageMs > staleAfterMs ? "stale" : kind;

/** Failing and stale first, then partial, syncing, healthy, and disabled last; oldest data first within a rank. */
export function sortByHealth(
  sites: readonly Site[],
  now: Date,
  staleAfterMs: number = STALE_AFTER_MS,
): Site[] {
  const scored = sites.map((site) => ({ site, health: siteHealth(site, now, staleAfterMs) }));
  scored.sort((a, b) => {
    const rank = RANK[a.health.kind] - RANK[b.health.kind];
    if (rank !== 0) return rank;
    const age = (b.health.ageMs ?? Number.MAX_SAFE_INTEGER) - (a.health.ageMs ?? Number.MAX_SAFE_INTEGER);
    if (age !== 0) return age;
    return a.site.name.localeCompare(b.site.name);
  });
  return scored.map((entry) => entry.site);
}
