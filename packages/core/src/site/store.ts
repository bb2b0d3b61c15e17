/**
 * Sites: the Templates the Dashboard syncs from. Created, read, listed and changed here; their secrets in
 * secrets.ts, their deletion in deletion.ts, what the sync records on them in sync-status.ts.
 */
import type { Ctx } from "../context";
import { encrypt, randomToken } from "../crypto";
import { VisibleError } from "../error";
import { assertTemplateUrlShape } from "../ssrf";
import { keyRange, queryAll } from "../store/db";
import { SiteEntity } from "../store/entities";
import { Keys } from "../store/keys";
import { isoNow } from "../util/time";
import { getItem, notFound, toSite } from "./item";
import { CreateSite, type Site, SiteItem, UpdateSite } from "./schema";
import { aadApiKey, aadWebhook, newWebhookSecret } from "./secrets";

const slugify = (name: string): string =>
  name
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 48) || "site";

export async function create(ctx: Ctx, input: CreateSite): Promise<{ site: Site; webhook_secret: string }> {
  const data = CreateSite.parse(input);
  await assertTemplateUrlShape(data.template_url, ctx.production);
  const id =
    data.id ??
    `${slugify(data.name)}-${randomToken(3)
      .toLowerCase()
      .replace(/[^a-z0-9]/g, "x")}`;
  const now = isoNow(ctx.now());
  const webhookSecret = newWebhookSecret();
  const item: SiteItem = {
    id,
    name: data.name,
    template_url: data.template_url,
    enabled: data.enabled,
    created_at: now,
    api_key_last4: data.api_key.slice(-4),
    api_key_sealed: encrypt(ctx.keyRing, data.api_key, aadApiKey(id)),
    webhook_secrets: [{ sealed: encrypt(ctx.keyRing, webhookSecret, aadWebhook(id)), created_at: now }],
    ...(data.scan_limits ? { scan_limits: data.scan_limits } : {}),
  };
  // With its index keys (gsi1 lists the sites).
  if (!(await SiteEntity.create(ctx, [id], { ...Keys.site(id), ...item }))) {
    throw new VisibleError("conflict", "site_exists", `A site with id "${id}" already exists`);
  }
  return { site: toSite(item), webhook_secret: webhookSecret };
}

export async function get(ctx: Ctx, siteId: string): Promise<Site> {
  const item = await getItem(ctx, siteId);
  if (!item || item.deleting) throw notFound(siteId);
  return toSite(item);
}

/** `live`, or `deleting` / `gone`: then nothing may be written for it any more. */
export async function writeState(ctx: Ctx, siteId: string): Promise<"live" | "deleting" | "gone"> {
  const item = await SiteEntity.peek(ctx, [siteId], ["deleting"]);
  if (!item) return "gone";
  return item.deleting === true ? "deleting" : "live";
}

/** Every site (a few hundred at most: one index partition, read to the end). */
export async function list(ctx: Ctx): Promise<Site[]> {
  return (await listWithDeleting(ctx)).sites;
}

/** Every site, and apart the ids of the sites whose deletion started and is not finished, in one read. */
export async function listWithDeleting(ctx: Ctx): Promise<{ sites: Site[]; deleting: string[] }> {
  const sites: Site[] = [];
  const deleting: string[] = [];
  for await (const items of queryAll(ctx, keyRange(Keys.sitesIndex()))) {
    for (const item of items) {
      const site = SiteItem.parse(item);
      if (site.deleting) deleting.push(site.id);
      else sites.push(toSite(site));
    }
  }
  return { sites, deleting };
}

/** `https://a.example:8443`: where a key is sent (scheme, host and port). */
const originOf = (url: string): string => new URL(url).origin;

/**
 * Changes a site. Custody of its API key: a `template_url` on another origin needs the `api_key` in the same
 * request, so an edit can never send the stored key to a new host; the write is conditioned on the URL it
 * was checked against.
 */
export async function update(ctx: Ctx, siteId: string, input: UpdateSite): Promise<Site> {
  const patch = UpdateSite.parse(input);
  let was: string | undefined;
  if (patch.template_url) {
    await assertTemplateUrlShape(patch.template_url, ctx.production);
    const current = await getItem(ctx, siteId);
    if (!current || current.deleting) throw notFound(siteId);
    if (originOf(current.template_url) !== originOf(patch.template_url) && patch.api_key === undefined) {
      throw new VisibleError(
        "invalid_request",
        "api_key_required",
        `template_url moves the site to another origin (${originOf(patch.template_url)}): give the site's api_key in the same request, so the stored key is never sent to a new host`,
        // In the shape of a validation error, so a form shows it under the API key field.
        {
          issues: [
            {
              location: "json",
              path: "api_key",
              message: "required when template_url moves to another origin",
            },
          ],
        },
      );
    }
    was = current.template_url;
  }
  const { api_key, ...fields } = patch;
  const done = await SiteEntity.update(ctx, "edit", [siteId], {
    ...fields,
    now: isoNow(ctx.now()),
    ...(was !== undefined ? { was } : {}),
    ...(api_key !== undefined
      ? { api_key: { sealed: encrypt(ctx.keyRing, api_key, aadApiKey(siteId)), last4: api_key.slice(-4) } }
      : {}),
  });
  if (done.applied) return toSite(SiteItem.parse(done.attributes));
  if (patch.template_url && (await getItem(ctx, siteId))) {
    throw new VisibleError(
      "conflict",
      "site_changed",
      "The site's template_url changed during this edit; read the site again and retry",
    );
  }
  throw notFound(siteId);
}
