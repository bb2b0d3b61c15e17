/**
 * Operational events (pure), from run and site items' changes:
 * - `sync_failed`: a run finishes `failed` (once per run);
 * - `site_unreachable`: the site has failed for at least `unreachableMinutes` (its `failing_since`, kept on
 *   the site by the sync, `site/sync-status.ts`); the event's id is made of the outage's start, so it is raised
 *   once per outage however many failed runs follow;
 * - `site_recovered`: the first success after such an outage (the caller checks that the outage's
 *   `site_unreachable` was raised: `recoveryOf` names it);
 * - `security_warning`: a health warning code the site's previous check did not have.
 */
import * as z from "zod";
import { makeEvent } from "./diff";
import type { ActivityEvent } from "./schema";
import type { Image, Images } from "./stream";

/** A site failing this long counts as unreachable, by default. */
export const DEFAULT_UNREACHABLE_MINUTES = 60;

const Minutes = z.coerce.number().int().min(1).max(10_080);

/** `ALERT_UNREACHABLE_MINUTES` of the environment (default 60); a bad value fails at start-up. */
export function unreachableMinutesFromEnv(env: Record<string, string | undefined>): number {
  const raw = env.ALERT_UNREACHABLE_MINUTES;
  if (raw === undefined || raw === "") return DEFAULT_UNREACHABLE_MINUTES;
  const parsed = Minutes.safeParse(raw);
  if (!parsed.success)
    throw new Error("ALERT_UNREACHABLE_MINUTES must be a whole number of minutes (1..10080)");
  return parsed.data;
}

export interface OperationalOptions {
  /** A site failing this long is unreachable (ALERT_UNREACHABLE_MINUTES). */
  unreachableMinutes?: number;
}

const str = (v: unknown): string | undefined => (typeof v === "string" ? v : undefined);
const lastRun = (site: Image | undefined) =>
  (site?.last_run as { run_id?: string; status?: string; finished_at?: string; error?: { code?: string } }) ??
  undefined;

/** The first error of a failed run (in its entities' order). */
function runError(run: Image): { entity?: string; code?: string } {
  const entities = (run.entities ?? {}) as Record<string, { status?: string; error?: { code?: string } }>;
  for (const [entity, r] of Object.entries(entities)) {
    if (r.status === "failed" && r.error?.code) return { entity, code: r.error.code };
  }
  return {};
}

/** Events of a run item's change. */
export function runEvents(change: Images): ActivityEvent[] {
  const run = change.new;
  if (run?.status !== "failed" || change.old?.status === "failed") return [];
  const runId = String(run.run_id);
  const error = runError(run);
  return [
    makeEvent("sync_failed", [runId], {
      site_id: String(run.site_id),
      at: str(run.finished_at) ?? change.writtenAt ?? String(run.started_at),
      run_id: runId,
      params: {
        trigger: str(run.trigger) ?? null,
        code: error.code ?? null,
        entity: error.entity ?? null,
      },
    }),
  ];
}

const minutesBetween = (from: string, to: string): number =>
  Math.floor((Date.parse(to) - Date.parse(from)) / 60_000);

/** When a site item's change happened: its last run's end, else when DynamoDB wrote it. */
const siteTime = (site: Image, change: Images): string =>
  str(lastRun(site)?.finished_at) ?? change.writtenAt ?? new Date(0).toISOString();

/** The outage a site item is in and for how long, when it counts as unreachable. */
function outage(site: Image | undefined, change: Images, threshold: number) {
  const since = str(site?.failing_since);
  if (!site || !since) return undefined;
  const minutes = minutesBetween(since, siteTime(site, change));
  return minutes >= threshold ? { since, minutes } : undefined;
}

/** The id of the `site_unreachable` event of an outage (for the recovery's check). */
export const unreachableEvent = (siteId: string, since: string) =>
  makeEvent("site_unreachable", [siteId, since], { site_id: siteId, at: since, params: { minutes: 0 } })
    .event_id;

export interface SiteChange {
  events: ActivityEvent[];
  /** The site recovered from the outage that started at `since`: raise `event` if `unreachableId` exists. */
  recovery?: { unreachableId: string; event: ActivityEvent };
}

/** Events of a site item's change. */
export function siteEvents(change: Images, opts: OperationalOptions = {}): SiteChange {
  const site = change.new;
  if (!site) return { events: [] };
  const siteId = String(site.id);
  const threshold = opts.unreachableMinutes ?? DEFAULT_UNREACHABLE_MINUTES;
  const events: ActivityEvent[] = [];
  const run = lastRun(site);

  const now = outage(site, change, threshold);
  const before = outage(change.old, change, threshold);
  if (now && before?.since !== now.since) {
    events.push(
      makeEvent("site_unreachable", [siteId, now.since], {
        site_id: siteId,
        at: siteTime(site, change),
        ...(run?.run_id ? { run_id: run.run_id } : {}),
        params: { minutes: now.minutes, since: now.since, code: run?.error?.code ?? null },
      }),
    );
  }

  const oldWarnings = new Set(
    ((change.old?.health as { warnings?: { code: string }[] } | undefined)?.warnings ?? []).map(
      (w) => w.code,
    ),
  );
  const health = site.health as { warnings?: { code: string }[]; checked_at?: string } | undefined;
  for (const w of health?.warnings ?? []) {
    if (oldWarnings.has(w.code)) continue;
    const at = health?.checked_at ?? change.writtenAt ?? siteTime(site, change);
    events.push(
      makeEvent("security_warning", [siteId, w.code, at], { site_id: siteId, at, params: { code: w.code } }),
    );
  }

  const wasFailingSince = str(change.old?.failing_since);
  if (!wasFailingSince || site.failing_since !== undefined || !run?.finished_at) return { events };
  const at = run.finished_at;
  return {
    events,
    recovery: {
      unreachableId: unreachableEvent(siteId, wasFailingSince),
      event: makeEvent("site_recovered", [siteId, wasFailingSince], {
        site_id: siteId,
        at,
        run_id: String(run.run_id),
        params: { minutes: minutesBetween(wasFailingSince, at), since: wasFailingSince },
      }),
    },
  };
}
