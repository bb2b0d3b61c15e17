/**
 * Bounds and stops of a scan: caps on its pages and records, pages that only repeat, a run cancelled or a
 * site being deleted, a source that serves only garbage, and the Template's own count that deletions need.
 */
import type { Ctx } from "../context";
import type { RecordEntity } from "../entity";
import * as RunStore from "../run";
import * as SiteStore from "../site";
import { TEMPLATE_PATHS, type TemplateClient } from "../template/client";
import { isTemplateError, TemplateValidationError } from "../template/errors";
import { type HandleOptions, LABEL, recordIdOf, resultOf, type Step } from "./job";
import type { Counters, SyncMessage } from "./message";
import type { RunLog } from "./run-log";

/**
 * Default caps of one entity's scan, across all its continuation messages. The real Template holds tens of
 * thousands of records per table; a site may raise them (`scan_limits`).
 */
export const DEFAULT_SCAN_LIMITS = { max_records: 200_000, max_pages: 5_000 } as const;

/** Pages in a row made only of ids already seen that stop a scan (one is tolerated: inserts at the top). */
const MAX_REPEATED_PAGES = 2;

export const scanLimits = (site: SiteStore.Site, opts: HandleOptions) => ({
  maxRecords:
    site.scan_limits?.max_records ?? opts.scanLimits?.max_records ?? DEFAULT_SCAN_LIMITS.max_records,
  maxPages: site.scan_limits?.max_pages ?? opts.scanLimits?.max_pages ?? DEFAULT_SCAN_LIMITS.max_pages,
});

/**
 * Stops a scan that would never end, before its page is written: more pages or records than the caps
 * (counted across continuation messages), or pages that only repeat ids already seen (a server ignoring
 * `offset` and alternating pages). Nothing is deleted: the scan did not complete.
 */
export function checkBounds(
  counters: Counters,
  caps: { maxRecords: number; maxPages: number },
  records: readonly unknown[],
  seen: ReadonlySet<number | string>,
  entity: RecordEntity,
) {
  const url = TEMPLATE_PATHS[entity];
  if (counters.fetched + records.length > caps.maxRecords) {
    throw new TemplateValidationError({
      code: "too_many_records",
      url,
      message: `The Template served more than ${caps.maxRecords} ${entity} in one scan: stopped, nothing deleted. If the site really holds that many, raise its scan limit (max_records).`,
    });
  }
  if (counters.pages > caps.maxPages) {
    throw new TemplateValidationError({
      code: "pagination_loop",
      url,
      message: `The Template still served ${entity} after ${caps.maxPages} pages: paging seems endless (offset ignored?), stopped, nothing deleted. If the site really is that large, raise its scan limit (max_pages).`,
    });
  }
  const ids = records.map(recordIdOf);
  const repeated = ids.length > 0 && ids.every((id) => id !== undefined && seen.has(id));
  counters.repeated_pages = repeated ? counters.repeated_pages + 1 : 0;
  if (counters.repeated_pages >= MAX_REPEATED_PAGES) {
    throw new TemplateValidationError({
      code: "pagination_loop",
      url,
      message: `The Template served ${entity} pages that only repeat records of earlier pages: it seems to ignore the offset parameter, so paging would never end. Stopped, nothing deleted.`,
    });
  }
}

export type StopReason = "cancelled" | "site_deleted";

/** Whether this scan must stop now: its run was cancelled, or its site is being deleted. */
export async function stopReason(ctx: Ctx, msg: SyncMessage): Promise<StopReason | undefined> {
  const [cancelled, site] = await Promise.all([
    RunStore.cancelRequested(ctx, msg.run_id),
    SiteStore.writeState(ctx, msg.site_id),
  ]);
  if (site !== "live") return "site_deleted";
  return cancelled ? "cancelled" : undefined;
}

/** How often a scan reads whether it must stop (two strongly consistent reads), at most. */
export const STOP_CHECK_INTERVAL_MS = 2_000;

/**
 * `stopReason` for one message's scan, read at most every `STOP_CHECK_INTERVAL_MS` (a page comes every few
 * tens of milliseconds: reading at each cost two read units a page). In between, the last answer holds: a
 * cancel stops the scan within the interval and a page, and before it deletes anything the scan asks afresh.
 * A stop, once seen, is kept.
 */
export class StopCheck {
  #last: { at: number; reason: Promise<StopReason | undefined> } | undefined;
  constructor(
    private readonly ctx: Ctx,
    private readonly msg: SyncMessage,
    private readonly intervalMs = STOP_CHECK_INTERVAL_MS,
  ) {}

  check(opts: { fresh?: boolean } = {}): Promise<StopReason | undefined> {
    const last = this.#last;
    if (last && !opts.fresh && Date.now() - last.at < this.intervalMs) return last.reason;
    const reason = (async () =>
      (await last?.reason.catch(() => undefined)) ?? stopReason(this.ctx, this.msg))();
    this.#last = { at: Date.now(), reason };
    return reason;
  }
}

const STOPPED: Record<StopReason, { log: string; message: string }> = {
  cancelled: {
    log: "Synchronisation annulée: arrêt à cette page, rien n'a été supprimé",
    message: "Cancelled before the end; nothing was deleted",
  },
  site_deleted: {
    log: "Site supprimé: synchronisation arrêtée, plus rien n'est écrit pour ce site",
    message: "The site was deleted during the sync; nothing more is written for it",
  },
};

export const stopped = (
  counters: Counters,
  reason: StopReason,
  log: RunLog,
): Extract<Step, { kind: "done" }> => {
  log.add("WARNING", STOPPED[reason].log, `stopped_${reason}`);
  return {
    kind: "done",
    result: { ...resultOf(counters, "cancelled"), error: { code: reason, message: STOPPED[reason].message } },
    stopped: reason,
  };
};

/**
 * A source that serves only garbage has failed (the current Template's custom-requests export returns
 * column names instead of values): every record of a non-empty scan rejected.
 */
export function unreadableSource(entity: RecordEntity, c: Counters): RunStore.EntityError | undefined {
  if (c.fetched === 0 || c.valid > 0 || c.invalid === 0) return undefined;
  return {
    code: "unreadable_records",
    message: `The Template's export of ${LABEL[entity].english} returns unreadable records: every record rejected (${c.invalid})`,
  };
}

/** The Template's own count of an entity (from /api/export/stats), when it gives one. */
export async function expectedCount(
  client: TemplateClient,
  entity: RecordEntity,
): Promise<number | undefined> {
  try {
    const { stats } = await client.stats();
    const value = stats[`${entity}_count`];
    return typeof value === "number" && Number.isInteger(value) ? value : undefined;
  } catch (e) {
    if (isTemplateError(e)) return undefined;
    throw e;
  }
}
