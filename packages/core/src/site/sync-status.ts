/** What the sync records on a site: its last run (the overview's status) and each entity's counts. */
import type { Ctx } from "../context";
import type { EntitySyncs } from "../run/schema";
import { SiteEntity } from "../store/entities";
import { isoNow } from "../util/time";
import type { Site } from "./schema";

/** DynamoDB refuses a nested path (`counts.paintings`) whose map does not exist yet. */
const isMissingMap = (e: unknown): boolean => (e as Error | undefined)?.name === "ValidationException";

/**
 * A run's status on the site, for the overview (never replaced by an older run's), and with a finished run,
 * in the same write, what it synced: each succeeded entity's live count and when it synced. A run that
 * finished after a newer one leaves `last_run` alone and records only what it synced.
 */
export async function recordRun(
  ctx: Ctx,
  siteId: string,
  run: NonNullable<Site["last_run"]>,
  synced: EntitySyncs = {},
): Promise<void> {
  const hasSynced = Object.keys(synced).length > 0;
  const write = () => SiteEntity.update(ctx, "recordRun", [siteId], { run, now: isoNow(ctx.now()), synced });
  let done: { applied: boolean };
  try {
    done = await write();
  } catch (e) {
    // The first entity a site ever synced: its maps are made once, then the write goes again.
    if (!hasSynced || !isMissingMap(e)) throw e;
    await SiteEntity.update(ctx, "prepareEntitySync", [siteId], undefined);
    done = await write();
  }
  if (!done.applied && hasSynced) {
    await SiteEntity.update(ctx, "prepareEntitySync", [siteId], undefined);
    await SiteEntity.update(ctx, "recordSynced", [siteId], { synced });
  }
}
