/**
 * Stopping syncs: cancelling a run, and what disabling or deleting a site does to the runs in progress.
 *
 * - A cancelled run's unfinished entities end `cancelled` at once; a message in the middle of a scan sees it
 *   at its next stop check (every 2 s, at a page boundary) and stops without deleting anything
 *   (sync/bounds.ts `StopCheck`).
 * - Disabling a site cancels its runs in progress.
 * - Deleting a site marks it deleting (gone for every caller; the engine stops writing for it at its next
 *   stop check), cancels its runs, removes its data, and, once no sync of it holds a lease any more,
 *   removes what is left. When a sync still holds a lease, the deletion finishes in the background: that
 *   sync ends at its next stop check and sweeps again (`finishDeletion`), and the scheduler finishes any deletion
 *   left behind (a consumer that died).
 */
import type { Ctx } from "./context";
import type { Entity } from "./entity";
import * as Pending from "./pending";
import * as RunStore from "./run";
import * as SiteStore from "./site";
import { showFinished } from "./sync/run-state";

/** Cancels a run (404 when unknown); a finished run is returned as it is. */
export async function cancelRun(ctx: Ctx, runId: string): Promise<{ run: RunStore.Run; cancelled: boolean }> {
  const before = await RunStore.get(ctx, runId);
  const { finalised, ...out } = await RunStore.cancel(ctx, runId);
  await showFinished(ctx, finalised);
  if (out.cancelled) {
    await Promise.all(
      (Object.keys(before.entities) as Entity[]).map((e) => Pending.release(ctx, before.site_id, e, runId)),
    );
  }
  return out;
}

/** Cancels every run of a site still in progress; returns their ids. */
export async function cancelSiteRuns(ctx: Ctx, siteId: string): Promise<string[]> {
  const active = await RunStore.activeRuns(ctx, siteId);
  for (const run of active) await cancelRun(ctx, run.run_id);
  return active.map((r) => r.run_id);
}

/** `PATCH /api/sites/{id}`: disabling a site also stops its runs in progress. */
export async function updateSite(
  ctx: Ctx,
  siteId: string,
  input: SiteStore.UpdateSite,
): Promise<SiteStore.Site> {
  const site = await SiteStore.update(ctx, siteId, input);
  if (input.enabled === false) await cancelSiteRuns(ctx, siteId);
  return site;
}

/**
 * `DELETE /api/sites/{id}`: answers as soon as the site is gone for callers and its data removed; `finished`
 * is false when a sync still held a lease, in which case the deletion ends in the background.
 */
export async function deleteSite(ctx: Ctx, siteId: string): Promise<{ finished: boolean }> {
  await SiteStore.markDeleting(ctx, siteId);
  await cancelSiteRuns(ctx, siteId);
  return { finished: await finishDeletion(ctx, siteId) };
}

/**
 * Removes a deleting site's data, and the site itself once no sync of it can still write. Safe to repeat;
 * true when nothing of the site is left.
 */
export async function finishDeletion(ctx: Ctx, siteId: string): Promise<boolean> {
  await SiteStore.sweep(ctx, siteId);
  if (await SiteStore.syncing(ctx, siteId)) return false;
  // A sync that wrote between the sweep and its lease's release: one more sweep catches it.
  await SiteStore.sweep(ctx, siteId);
  await SiteStore.dropDeleted(ctx, siteId);
  return true;
}

/** The scheduler's backstop: deletions a stopped consumer left unfinished (their leases expired). */
export async function finishDeletions(ctx: Ctx, siteIds: readonly string[]): Promise<number> {
  let finished = 0;
  for (const siteId of siteIds) if (await finishDeletion(ctx, siteId)) finished++;
  return finished;
}
