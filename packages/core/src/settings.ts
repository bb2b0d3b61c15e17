/**
 * A site's settings, one item per key. Secrets never reach the table: a key that is sensitive or looks
 * like it (schema.ts `isSensitiveSetting`) is stored as masked, with no value, and a `***MASKED***` coming
 * from the Template never overwrites a value already stored.
 */
import * as z from "zod";
import type { Ctx } from "./context";
import { VisibleError } from "./error";
import * as Records from "./record";
import type { Item } from "./store/db";
import { queryAll } from "./store/db";
import { Keys, recordIdFromSortKey } from "./store/keys";
import {
  isSensitiveSetting,
  MASKED,
  type TemplateSetting,
  type WELL_KNOWN_SETTINGS,
} from "./template/schema";
import { contentHash } from "./util/hash";

export const StoredSetting = z.object({
  key: z.string(),
  /** Null when masked. */
  value: z.string().nullable(),
  masked: z.boolean(),
  sync_timestamp: z.string(),
  deleted_at: z.string().optional(),
});
export type StoredSetting = z.infer<typeof StoredSetting>;

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
    const masked = isSensitiveSetting(key, value);
    if (masked) result.masked++;
    if (value === MASKED && before && !before.deleted && before.hash !== maskedHash) {
      // The Template masked a value we hold in clear from an earlier read: keep ours.
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
    result.items.push({
      ...Keys.record(siteId, "settings", key),
      type: "setting",
      entity: "settings",
      site_id: siteId,
      record_id: key,
      hash,
      data: setting,
    });
  }
  return result;
}

export async function get(ctx: Ctx, siteId: string): Promise<SiteSettings> {
  const items: StoredSetting[] = [];
  for await (const page of queryAll(ctx, {
    KeyConditionExpression: "pk = :pk",
    FilterExpression: "attribute_not_exists(deleted_at)",
    ExpressionAttributeValues: { ":pk": Keys.recordPartition(siteId, "settings") },
  })) {
    for (const item of page) items.push(StoredSetting.parse(item.data));
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

/** Keys stored for a site, for tests and checks (never values of masked keys: there are none). */
export const storedKeys = async (ctx: Ctx, siteId: string): Promise<string[]> =>
  [...(await Records.index(ctx, siteId, "settings")).keys()].map((k) => String(k));

export const assertKey = (key: string) => {
  if (!key) throw new VisibleError("invalid_request", "invalid_setting_key", "A setting key is required");
  return recordIdFromSortKey(Keys.record("x", "settings", key).sk);
};
