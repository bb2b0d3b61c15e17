/** A site's deletion, in steps the sync engine respects: marked, swept, and dropped once no sync writes. */
import type { Ctx } from "../context";
import { ALL_ENTITIES, RECORD_ENTITIES } from "../entity";
import * as HashIndex from "../hash-index";
import { batchWrite, deletePartition, deleteRequest, queryAll, rangeQuery } from "../store/db";
import { Lease, SiteEntity } from "../store/entities";
import { Keys } from "../store/keys";
import { epochSeconds, isoNow } from "../util/time";
import { notFound } from "./item";

/**
 * The first step of a deletion: the site disappears for every caller and stops accepting writes (the sync
 * engine checks this every few seconds of a scan). A site already being deleted is not found.
 */
export async function markDeleting(ctx: Ctx, siteId: string): Promise<void> {
  const { applied } = await SiteEntity.update(ctx, "markDeleting", [siteId], { now: isoNow(ctx.now()) });
  if (!applied) throw notFound(siteId);
}

/** Removes everything synced from a site: records, settings, stats, runs, logs, quarantine, markers. */
export async function sweep(ctx: Ctx, siteId: string): Promise<void> {
  for (const entity of [...RECORD_ENTITIES, "settings" as const]) {
    await deletePartition(ctx, Keys.recordPartition(siteId, entity));
  }
  for (const entity of RECORD_ENTITIES) await HashIndex.remove(ctx, siteId, entity);
  await deletePartition(ctx, Keys.statsPartition(siteId));
  for await (const runs of queryAll(ctx, rangeQuery(Keys.siteRunsIndex(siteId), { project: ["run_id"] }))) {
    for (const run of runs) await deletePartition(ctx, Keys.runPartition(String(run.run_id)));
  }
  await batchWrite(ctx, [deleteRequest(Keys.pending(siteId))]);
  await deletePartition(ctx, Keys.webhookEvent(siteId, "").pk);
}

/** True while a sync of the site holds an unexpired lease (a message may still be writing). */
export async function syncing(ctx: Ctx, siteId: string): Promise<boolean> {
  const now = epochSeconds(ctx.now());
  for (const entity of ALL_ENTITIES) {
    const lease = await Lease.peek(ctx, [siteId, entity], ["expires_at"]);
    if (lease && Number(lease.expires_at ?? 0) >= now) return true;
  }
  return false;
}

/** The last step of a deletion, once no sync of the site can write any more: leases and the site item go. */
export async function dropDeleted(ctx: Ctx, siteId: string): Promise<void> {
  await batchWrite(
    ctx,
    ALL_ENTITIES.map((e) => deleteRequest(Keys.lease(siteId, e))),
  );
  await SiteEntity.remove(ctx, "dropDeleted", [siteId], undefined);
}
