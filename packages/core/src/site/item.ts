/** The stored site item, read whole: the one read the other site modules share. */
import { GetCommand } from "@aws-sdk/lib-dynamodb";
import type { Ctx } from "../context";
import { VisibleError } from "../error";
import { Keys } from "../store/keys";
import { Site, SiteItem } from "./schema";

export const toSite = (item: SiteItem): Site => {
  const { api_key_sealed: _k, webhook_secrets: _w, ...site } = item;
  return Site.parse(site);
};

export const notFound = (siteId: string) =>
  new VisibleError("not_found", "site_not_found", `No site with id "${siteId}"`);

export async function getItem(ctx: Ctx, siteId: string): Promise<SiteItem | undefined> {
  const out = await ctx.db.send(
    new GetCommand({ TableName: ctx.table, Key: Keys.siteItem(siteId), ConsistentRead: true }),
  );
  return out.Item ? SiteItem.parse(out.Item) : undefined;
}
