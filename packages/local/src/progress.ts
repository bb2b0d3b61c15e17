/**
 * Sync progress on the console of `npm start`: a line when a run starts, one when it ends (its status,
 * duration and per-entity counts), a line for the entities that failed (one per error code and message),
 * and, for a long run, a progress line at most every `heartbeatMs`. It polls the runs like the UI does (core
 * `Run.list`, newest first) and prints nothing while nothing happens. Runs started before `since` are not
 * reported.
 */
import type { Ctx } from "@dashboard/core/context";
import { ALL_ENTITIES, type Entity } from "@dashboard/core/entity";
import * as RunStore from "@dashboard/core/run";
import * as SiteStore from "@dashboard/core/site";

export interface ProgressOptions {
  /** Where lines go; default console.log. */
  print?: (line: string) => void;
  /** Poll period, default 1000 ms. */
  intervalMs?: number;
  /** A running run is reported at most this often, default 10 000 ms. */
  heartbeatMs?: number;
  /** Runs looked at per poll (newest first), default 50. */
  window?: number;
  /** Runs started before this are history, not reported. Default: now. */
  since?: Date;
}

export interface ProgressReporter {
  /** One poll now (the timer calls it too); resolves when the lines are printed. */
  poll(): Promise<void>;
  /** Stops the timer after a last poll. Idempotent. */
  stop(): Promise<void>;
}

const FINISHED: ReadonlySet<RunStore.RunStatus> = new Set(["succeeded", "partial", "failed", "cancelled"]);

/** A run's entity results, in the order a full run lists them. */
const resultsOf = (run: RunStore.Run) =>
  (Object.entries(run.entities) as [Entity, RunStore.EntityResult][]).sort(
    ([a], [b]) => ALL_ENTITIES.indexOf(a) - ALL_ENTITIES.indexOf(b),
  );

const seconds = (ms: number) => (ms < 10_000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.round(ms / 1000)} s`);

/** `paintings 240`, `stats ✓`, `custom_requests skipped`, `orders ✗`. */
export function entitySummary(entity: Entity, result: RunStore.EntityResult): string {
  if (result.status === "failed") return `${entity} ✗`;
  if (result.status === "skipped") return `${entity} skipped`;
  if (result.status === "cancelled") return `${entity} cancelled`;
  if (result.status === "retrying") return `${entity} retrying`;
  if (result.status !== "succeeded") return `${entity} …`;
  return entity === "stats" ? `${entity} ✓` : `${entity} ${result.valid}`;
}

/** The line printed when a run ends. */
export function finishedLine(label: string, run: RunStore.Run): string {
  const results = resultsOf(run);
  const took =
    run.finished_at !== undefined ? Date.parse(run.finished_at) - Date.parse(run.started_at) : Number.NaN;
  const totals = results.reduce(
    (sum, [, r]) => ({
      written: sum.written + r.written,
      unchanged: sum.unchanged + r.unchanged,
      deleted: sum.deleted + r.deleted,
      invalid: sum.invalid + r.invalid,
      flagged: sum.flagged + r.flagged,
    }),
    { written: 0, unchanged: 0, deleted: 0, invalid: 0, flagged: 0 },
  );
  const counts = `${totals.written} written, ${totals.unchanged} unchanged, ${totals.deleted} deleted${totals.flagged ? `, ${totals.flagged} flagged` : ""}${totals.invalid ? `, ${totals.invalid} rejected` : ""}`;
  const duration = Number.isFinite(took) ? ` in ${seconds(took)}` : "";
  return `[sync] ${label}: ${run.status}${duration}: ${results.map(([e, r]) => entitySummary(e, r)).join(", ")} (${counts})`;
}

/** The line printed for a run still running after a while. */
export function runningLine(label: string, run: RunStore.Run, now: number): string {
  const results = resultsOf(run);
  const done = results.filter(([, r]) => RunStore.isTerminal(r.status)).length;
  const active = results.filter(([, r]) => r.status === "running");
  const reading = active
    .filter(([, r]) => r.fetched > 0)
    .map(([e, r]) => `${e} ${r.fetched} read`)
    .join(", ");
  const detail = active.length ? ` (${active.length} running${reading ? `: ${reading}` : ""})` : "";
  return `[sync] ${label}: running for ${seconds(now - Date.parse(run.started_at))}, ${done}/${results.length} entities done${detail}`;
}

export function startProgress(ctx: Ctx, options: ProgressOptions = {}): ProgressReporter {
  const print = options.print ?? ((line: string) => console.log(line));
  const heartbeatMs = options.heartbeatMs ?? 10_000;
  const window = options.window ?? 50;
  const since = (options.since ?? new Date()).toISOString();
  /** run_id → what was printed so far. */
  const known = new Map<string, { started: boolean; lastBeat: number; failedReported: Set<Entity> }>();
  const names = new Map<string, string>();

  const label = async (siteId: string): Promise<string> => {
    let name = names.get(siteId);
    if (name === undefined) {
      name = await SiteStore.get(ctx, siteId).then(
        (site) => site.name,
        () => siteId,
      );
      names.set(siteId, name);
    }
    return name === siteId ? siteId : `${name} (${siteId})`;
  };

  async function pollOnce(): Promise<void> {
    const { items } = await RunStore.list(ctx, { limit: window });
    const now = Date.now();
    // Oldest first, so lines come in the order things happened.
    for (const run of [...items].reverse()) {
      let state = known.get(run.run_id);
      if (!state) {
        // Runs from before (finished, or recovered as interrupted at start-up) are history, not news.
        if (run.started_at < since) continue;
        state = { started: false, lastBeat: now, failedReported: new Set() };
        known.set(run.run_id, state);
      }
      const name = await label(run.site_id);
      if (!state.started) {
        state.started = true;
        const count = Object.keys(run.entities).length;
        print(
          `[sync] ${name}: ${run.trigger} sync started, ${count} ${count === 1 ? "entity" : "entities"} (${run.run_id})`,
        );
      }
      // Newly failed entities, one line per distinct reason.
      const reasons = new Map<string, Entity[]>();
      for (const [entity, result] of resultsOf(run)) {
        if (result.status !== "failed" || state.failedReported.has(entity)) continue;
        state.failedReported.add(entity);
        const why = result.error ? `${result.error.code}: ${result.error.message}` : "no detail";
        reasons.set(why, [...(reasons.get(why) ?? []), entity]);
      }
      for (const [why, entities] of reasons) print(`[sync] ${name}: ${entities.join(", ")} failed (${why})`);
      if (FINISHED.has(run.status)) {
        if (state.lastBeat !== Number.POSITIVE_INFINITY) {
          print(finishedLine(name, run));
          state.lastBeat = Number.POSITIVE_INFINITY;
        }
      } else if (now - state.lastBeat >= heartbeatMs) {
        state.lastBeat = now;
        print(runningLine(name, run, now));
      }
    }
    // Forget runs that left the window: they can no longer change what is printed.
    if (known.size > window * 4) {
      const visible = new Set(items.map((run) => run.run_id));
      for (const id of known.keys()) if (!visible.has(id)) known.delete(id);
    }
  }

  let running: Promise<void> | undefined;
  let failures = 0;
  const poll = (): Promise<void> => {
    running ??= pollOnce()
      .then(() => {
        failures = 0;
      })
      .catch((error: unknown) => {
        // Reported once per streak, so a database hiccup does not flood the console.
        if (failures++ === 0) print(`[sync] progress unavailable for now: ${(error as Error).message}`);
      })
      .finally(() => {
        running = undefined;
      });
    return running;
  };

  const timer = setInterval(() => void poll(), options.intervalMs ?? 1_000);
  timer.unref();
  let stopped: Promise<void> | undefined;
  return {
    poll,
    stop() {
      stopped ??= (async () => {
        clearInterval(timer);
        await running;
      })();
      return stopped;
    },
  };
}
