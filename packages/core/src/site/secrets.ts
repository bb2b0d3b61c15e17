/**
 * A site's secrets: the Template API key and the webhook secrets, encrypted at rest (crypto.ts), in clear
 * only for the Template client and the signature check.
 */
import type { Ctx } from "../context";
import { decrypt, encrypt, randomToken } from "../crypto";
import { SiteEntity } from "../store/entities";
import { getItem, notFound, toSite } from "./item";
import type { Site } from "./schema";

export const aadApiKey = (siteId: string) => `site:${siteId}:api_key`;
export const aadWebhook = (siteId: string) => `site:${siteId}:webhook_secret`;

/** Webhook secrets are shown once; `whsec_` makes them recognisable in a secret scanner. */
export const newWebhookSecret = () => `whsec_${randomToken(32)}`;

/** Old webhook secrets keep working this long after a rotation. */
export const WEBHOOK_ROTATION_GRACE_MS = 24 * 3600 * 1000;

/** The Template API key in clear, for the Template client only. */
export async function apiKey(ctx: Ctx, siteId: string): Promise<string> {
  const item = await getItem(ctx, siteId);
  if (!item) throw notFound(siteId);
  return decrypt(ctx.keyRing, item.api_key_sealed, aadApiKey(siteId));
}

/** The webhook secrets that verify a signature now: the current one and any still in their grace period. */
export async function webhookSecrets(ctx: Ctx, siteId: string): Promise<string[]> {
  return (await getWithWebhookSecrets(ctx, siteId)).secrets;
}

/**
 * A site and the webhook secrets that verify a signature now, from one read (the webhook needs both): no
 * site and no secret for an unknown site or one being deleted.
 */
export async function getWithWebhookSecrets(
  ctx: Ctx,
  siteId: string,
): Promise<{ site?: Site; secrets: string[] }> {
  const item = await getItem(ctx, siteId);
  if (!item || item.deleting) return { secrets: [] };
  const now = ctx.now().toISOString();
  const secrets = item.webhook_secrets
    .filter((s) => !s.expires_at || s.expires_at > now)
    .map((s) => decrypt(ctx.keyRing, s.sealed, aadWebhook(siteId)));
  return { site: toSite(item), secrets };
}

/** A new webhook secret; the previous ones keep working for 24 h. Returns the new secret, shown once. */
export async function rotateWebhookSecret(ctx: Ctx, siteId: string): Promise<string> {
  const item = await getItem(ctx, siteId);
  if (!item || item.deleting) throw notFound(siteId);
  const now = ctx.now();
  const graceEnd = new Date(now.getTime() + WEBHOOK_ROTATION_GRACE_MS).toISOString();
  const secret = newWebhookSecret();
  const kept = item.webhook_secrets
    .filter((s) => !s.expires_at || s.expires_at > now.toISOString())
    .map((s) => ({ ...s, expires_at: s.expires_at && s.expires_at < graceEnd ? s.expires_at : graceEnd }));
  const secrets = [
    { sealed: encrypt(ctx.keyRing, secret, aadWebhook(siteId)), created_at: now.toISOString() },
    ...kept,
  ];
  const done = await SiteEntity.update(ctx, "setWebhookSecrets", [siteId], {
    secrets,
    now: now.toISOString(),
  });
  if (!done.applied) throw notFound(siteId);
  return secret;
}

/** The site and its API key in clear from one read (the sync's consumer, once per message). */
export async function getWithApiKey(ctx: Ctx, siteId: string): Promise<{ site: Site; apiKey: string }> {
  const item = await getItem(ctx, siteId);
  if (!item || item.deleting) throw notFound(siteId);
  return { site: toSite(item), apiKey: decrypt(ctx.keyRing, item.api_key_sealed, aadApiKey(siteId)) };
}
