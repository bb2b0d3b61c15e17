/**
 * A site's settings, one item per key, stored by allow-list (DESIGN.md decision 9): only the keys of
 * `PUBLIC_SETTINGS`, known to be public, keep their value; every other key is stored as masked, with no
 * value, whatever its name (real Templates hold secrets no name pattern anticipates, such as
 * `google_places_key`). A `***MASKED***` coming from the Template never overwrites a value already stored.
 */
import * as z from "zod";
import type { Ctx } from "./context";
import type * as Records from "./record";
import type { Item } from "./store/db";
import { queryAll, rangeQuery } from "./store/db";
import { defineEntity } from "./store/entity";
import { notDeleted } from "./store/expression";
import { Keys } from "./store/keys";
import { MASKED, SECRET_VALUE, type TemplateSetting, type WELL_KNOWN_SETTINGS } from "./template/schema";
import { contentHash } from "./util/hash";

/**
 * The settings stored and served in clear, each with why it is public. Everything else is masked.
 * Adding a key here is a security decision: it must be something the site already shows to its visitors.
 */
export const PUBLIC_SETTINGS: Readonly<Record<string, string>> = {
  site_name: "shown on every page of the site and stamped on every exported record",
  site_logo: "shown on every page of the site",
  site_description: "shown on the site's home page",
  stripe_publishable_key: "Stripe's publishable key is meant for browsers (the secret key is masked)",
  saas_site_price_cache: "the site's subscription price, shown to the artist; the Dashboard reads it",
  color_primary: "a display colour of the site's theme",
  color_secondary: "a display colour of the site's theme",
  email_sender: "the contact address the site shows and sends from",
  contact_email: "the contact address the site shows",
  contact_phone: "the contact phone number the site shows",
  contact_address: "the postal address the site shows",
  enable_auto_registration: "a display switch: whether visitors can create an account",
  enable_custom_orders: "a display switch: whether the custom-request form is shown",
};

/** Whether a setting is stored and served in clear: an allow-listed key whose value is not a secret. */
export const isPublicSetting = (key: string, value: string | null): boolean =>
  Object.hasOwn(PUBLIC_SETTINGS, key) && value !== MASKED && !(value !== null && SECRET_VALUE.test(value));

export const StoredSetting = z.object({
  key: z.string(),
  /** Null when masked. */
  value: z.string().nullable(),
  masked: z.boolean(),
  sync_timestamp: z.string(),
  deleted_at: z.string().optional(),
});
export type StoredSetting = z.infer<typeof StoredSetting>;

/** A setting of a site, in the site's settings partition (a record partition keyed by the setting's name). */
const SettingItem = defineEntity({
  type: "setting",
  schema: z.looseObject({ data: StoredSetting }),
  key: (siteId: string, name: string) => Keys.record(siteId, "settings", name),
});

export const SiteSettings = z.object({
  items: z.array(StoredSetting.omit({ value: true }).extend({ value: z.string().nullable() })),
  site_name: z.string().nullable(),
  site_logo: z.string().nullable(),
  stripe_publishable_key: z.string().nullable(),
  saas_site_price_cache: z.number().nullable(),
});
export type SiteSettings = z.infer<typeof SiteSettings>;

const hashOf = (key: string, value: string | null, masked: boolean) => contentHash({ key, value, masked });

export interface SettingsPlan {
  items: Item[];
  unchanged: number;
  masked: number;
  kept: number;
  seen: Set<string>;
}

/** What to write for a fresh set of settings, given what is stored. Pure: no I/O. */
export function plan(
  siteId: string,
  pairs: TemplateSetting[],
  stored: Map<number | string, Records.StoredState>,
  syncTimestamp: string,
): SettingsPlan {
  const result: SettingsPlan = { items: [], unchanged: 0, masked: 0, kept: 0, seen: new Set() };
  for (const { key, value } of pairs) {
    if (result.seen.has(key)) continue;
    result.seen.add(key);
    const before = stored.get(key);
    const maskedHash = hashOf(key, null, true);
    const masked = !isPublicSetting(key, value);
    if (masked) result.masked++;
    if (
      value === MASKED &&
      Object.hasOwn(PUBLIC_SETTINGS, key) &&
      before &&
      !before.deleted &&
      before.hash !== maskedHash
    ) {
      // The Template masked a public value we hold in clear from an earlier read: keep ours.
      result.kept++;
      continue;
    }
    const hash = masked ? maskedHash : hashOf(key, value, false);
    if (before && !before.deleted && before.hash === hash) {
      result.unchanged++;
      continue;
    }
    const setting: StoredSetting = {
      key,
      value: masked ? null : value,
      masked,
      sync_timestamp: syncTimestamp,
    };
    result.items.push(
      SettingItem.item([siteId, key], {
        entity: "settings",
        site_id: siteId,
        record_id: key,
        hash,
        data: setting,
      }),
    );
  }
  return result;
}

export async function get(ctx: Ctx, siteId: string): Promise<SiteSettings> {
  const items: StoredSetting[] = [];
  for await (const page of queryAll(
    ctx,
    rangeQuery({ pk: Keys.recordPartition(siteId, "settings") }, { where: [notDeleted] }),
  )) {
    for (const item of page) items.push(SettingItem.schema.parse(item).data);
  }
  const value = (key: (typeof WELL_KNOWN_SETTINGS)[number]) => {
    const s = items.find((i) => i.key === key);
    return s && !s.masked ? s.value : null;
  };
  const price = value("saas_site_price_cache");
  const priceNumber = price === null || price.trim() === "" ? null : Number(price.replace(",", "."));
  return {
    items: items.map((s) => ({ ...s, value: s.masked ? MASKED : s.value })),
    site_name: value("site_name"),
    site_logo: value("site_logo"),
    stripe_publishable_key: value("stripe_publishable_key"),
    saas_site_price_cache: priceNumber !== null && Number.isFinite(priceNumber) ? priceNumber : null,
  };
}
