/**
 * Alert subscriptions: created, edited and deleted by owners (the API's role rules); the signing secret of
 * a URL target is generated here, returned once, stored sealed (crypto.ts) and read back only to sign.
 */
import { isIP } from "node:net";
import type { Ctx } from "../context";
import { decrypt, encrypt, randomToken } from "../crypto";
import { VisibleError } from "../error";
import { assertTemplateUrlShape } from "../ssrf";
import { keyRange, queryAll } from "../store/db";
import { Keys } from "../store/keys";
import { createId } from "../util/id";
import { isoNow } from "../util/time";
import { SubscriptionEntity } from "./entities";
import {
  NewSubscription,
  Subscription,
  type SubscriptionCreated,
  SubscriptionItem,
  SubscriptionPatch,
  type Target,
} from "./schema";

export const aadSecret = (subscriptionId: string) => `alert:${subscriptionId}:signing_secret`;

/** Signing secrets are shown once; `alsec_` makes them recognisable in a secret scanner. */
const newSecret = () => `alsec_${randomToken(32)}`;

const notFound = (id: string) =>
  new VisibleError("not_found", "subscription_not_found", `No alert subscription "${id}"`);

const refuse = (message: string) => new VisibleError("invalid_request", "target_url_not_allowed", message);

const isLoopback = (host: string) =>
  host === "localhost" ||
  (isIP(host) === 4 && host.startsWith("127.")) ||
  (isIP(host) === 6 && (host === "::1" || host === "0:0:0:0:0:0:0:1"));

/**
 * The SSRF guard's rules for a target URL (ssrf.ts): in production https only and no internal address;
 * locally (tests, `npm start`) https anywhere, or http to a loopback address so a local receiver works.
 */
export async function assertTargetUrl(value: string, production: boolean): Promise<void> {
  const url = new URL(value);
  if (url.username || url.password) throw refuse("the target URL must not carry credentials");
  if (production) {
    try {
      await assertTemplateUrlShape(value, true);
    } catch (error) {
      throw error instanceof VisibleError
        ? refuse(error.message.replace("template_url", "the target URL"))
        : error;
    }
    return;
  }
  const host = url.hostname.replace(/^\[|\]$/g, "").toLowerCase();
  if (url.protocol !== "https:" && !isLoopback(host)) {
    throw refuse("the target URL must use https (http only to a loopback address, locally)");
  }
}

async function assertTarget(ctx: Ctx, target: Target): Promise<void> {
  if (target.type === "url") await assertTargetUrl(target.url, ctx.production);
  else if (ctx.production && !ctx.alerts?.emailFrom) {
    throw new VisibleError(
      "invalid_request",
      "email_not_configured",
      "E-mail alerts need a sender (ALERTS_EMAIL_FROM) in this deployment",
    );
  }
}

const publicView = (item: SubscriptionItem): Subscription => Subscription.parse(item);

export async function create(ctx: Ctx, input: NewSubscription): Promise<SubscriptionCreated> {
  const data = NewSubscription.parse(input);
  await assertTarget(ctx, data.target);
  const id = createId("sub");
  const now = isoNow(ctx.now());
  const secret = data.target.type === "url" ? newSecret() : undefined;
  const item: SubscriptionItem = {
    subscription_id: id,
    ...data,
    enabled: true,
    created_at: now,
    updated_at: now,
    ...(secret
      ? { secret_sealed: encrypt(ctx.keyRing, secret, aadSecret(id)), secret_last4: secret.slice(-4) }
      : {}),
  };
  await SubscriptionEntity.create(ctx, [id], item);
  return { subscription: publicView(item), ...(secret ? { secret } : {}) };
}

/** Every subscription with its sealed secret (for matching and sending; never leaves core). */
export async function listItems(ctx: Ctx): Promise<SubscriptionItem[]> {
  const items: SubscriptionItem[] = [];
  for await (const page of queryAll(
    ctx,
    keyRange({ pk: Keys.alertSubscriptionPartition, prefix: Keys.alertSubscriptionPrefix }),
  )) {
    items.push(...page.map((i) => SubscriptionItem.parse(i)));
  }
  return items;
}

export async function list(ctx: Ctx): Promise<Subscription[]> {
  return (await listItems(ctx)).map(publicView).sort((a, b) => a.created_at.localeCompare(b.created_at));
}

export async function getItem(ctx: Ctx, id: string): Promise<SubscriptionItem> {
  const item = await SubscriptionEntity.get(ctx, [id]);
  if (!item) throw notFound(id);
  return item;
}

export const get = async (ctx: Ctx, id: string): Promise<Subscription> => publicView(await getItem(ctx, id));

export async function update(ctx: Ctx, id: string, input: SubscriptionPatch): Promise<Subscription> {
  const patch = SubscriptionPatch.parse(input);
  const done = await SubscriptionEntity.update(ctx, "edit", [id], { patch, now: isoNow(ctx.now()) });
  if (!done.applied || !done.attributes) throw notFound(id);
  return publicView(SubscriptionItem.parse(done.attributes));
}

/** Deletes the subscription; its deliveries and seen events expire with their TTL. */
export async function remove(ctx: Ctx, id: string): Promise<void> {
  if (!(await SubscriptionEntity.remove(ctx, "existing", [id], undefined))) throw notFound(id);
}

/** The signing secret in clear, to sign one POST. */
export const signingSecret = (ctx: Ctx, item: SubscriptionItem): string | undefined =>
  item.secret_sealed ? decrypt(ctx.keyRing, item.secret_sealed, aadSecret(item.subscription_id)) : undefined;
