/** Pure helpers about sync runs: entity order, progress, durations and merging a refreshed page. */
import { ENTITY_ORDER } from "../api/schemas";
import type { EntityResult, Run } from "../api/types";
import { parseLooseDate } from "./format";
import { isActiveRun } from "./status";

/** A run's entities in processing order (known entities first, then any new ones by name). */
export function orderedEntities(run: Pick<Run, "entities">): [string, EntityResult][] {
  const rank = (name: string) => {
    const index = ENTITY_ORDER.indexOf(name);
    return index === -1 ? ENTITY_ORDER.length : index;
  };
  return Object.entries(run.entities).sort(([a], [b]) => rank(a) - rank(b) || a.localeCompare(b));
}

const DONE = new Set(["succeeded", "failed", "skipped"]);

/** How many entities are finished, out of how many. */
export function runProgress(run: Pick<Run, "entities">): { done: number; total: number; failed: number } {
  const results = Object.values(run.entities);
  return {
    done: results.filter((result) => DONE.has(result.status)).length,
    total: results.length,
    failed: results.filter((result) => result.status === "failed").length,
  };
}

/** Total records read so far across entities, for a one-line summary. */
export function runTotals(run: Pick<Run, "entities">): { fetched: number; written: number; invalid: number } {
  let fetched = 0;
  let written = 0;
  let invalid = 0;
  for (const result of Object.values(run.entities)) {
    fetched += result.fetched;
    written += result.written;
    invalid += result.invalid;
  }
  return { fetched, written, invalid };
}

/** Milliseconds from start to finish, or to `now` while the run goes on; null when unreadable. */
export function runDurationMs(run: Pick<Run, "started_at" | "finished_at">, now: Date): number | null {
  const start = parseLooseDate(run.started_at);
  if (!start) return null;
  const end = run.finished_at ? parseLooseDate(run.finished_at) : now;
  if (!end) return null;
  return Math.max(0, end.getTime() - start.getTime());
}

export const hasActiveRun = (runs: ReadonlyArray<Pick<Run, "status">>): boolean =>
  runs.some((run) => isActiveRun(run.status));

/** An invalid record's reason as one line: reasons may be text or `{path, message}` objects. */
export function reasonText(reason: unknown): string {
  if (typeof reason === "string") return reason;
  if (reason && typeof reason === "object") {
    const r = reason as { path?: unknown; field?: unknown; message?: unknown; code?: unknown };
    const where = Array.isArray(r.path) ? r.path.join(".") : typeof r.path === "string" ? r.path : r.field;
    const what =
      typeof r.message === "string"
        ? r.message
        : typeof r.code === "string"
          ? r.code
          : JSON.stringify(reason);
    return where ? `${String(where)}: ${what}` : what;
  }
  return String(reason);
}
