/** What the sync records on a site: its last run (the overview's status) and each entity's counts. */
import type { Ctx } from "../context";
import type { Entity } from "../entity";
import { SiteEntity } from "../store/entities";
import { isoNow } from "../util/time";
import type { Site } from "./schema";

/** After a run: its status on the site, for the overview (never replaced by an older run's). */
export async function recordRun(ctx: Ctx, siteId: string, run: NonNullable<Site["last_run"]>): Promise<void> {
  await SiteEntity.update(ctx, "recordRun", [siteId], { run, now: isoNow(ctx.now()) });
}

/** After an entity sync: how many live records the site has, and when the entity was last synced. */
export async function recordEntitySync(ctx: Ctx, siteId: string, entity: Entity, count: number | undefined) {
  await SiteEntity.update(ctx, "prepareEntitySync", [siteId], { withCount: count !== undefined });
  await SiteEntity.update(ctx, "recordEntitySync", [siteId], { entity, count, now: isoNow(ctx.now()) });
}
