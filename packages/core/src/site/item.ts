/** The stored site item, read whole: the one read the other site modules share. */
import type { Ctx } from "../context";
import { VisibleError } from "../error";
import { SiteEntity } from "../store/entities";
import { Site, type SiteItem } from "./schema";

export const toSite = (item: SiteItem): Site => {
  const { api_key_sealed: _k, webhook_secrets: _w, ...site } = item;
  return Site.parse(site);
};

export const notFound = (siteId: string) =>
  new VisibleError("not_found", "site_not_found", `No site with id "${siteId}"`);

export async function getItem(ctx: Ctx, siteId: string): Promise<SiteItem | undefined> {
  return SiteEntity.get(ctx, [siteId]);
}
