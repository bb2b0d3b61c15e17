/**
 * Synced records: one item per (site, entity, record id), holding the Template's record as received
 * (validated), its provenance and a content hash, so a sync writes only what changed. Records that
 * disappeared from the Template keep their item with `deleted_at`.
 */
import * as z from "zod";
import type { Ctx } from "./context";
import type { RecordEntity } from "./entity";
import { VisibleError } from "./error";
import { expiresAfterDays } from "./retention";
import { type Item, type KeyRange, listPage, type Page, queryAll, rangeQuery } from "./store/db";
import { RecordItem } from "./store/entities";
import { absent, type Condition, contains, equals, notDeleted } from "./store/expression";
import { Keys, recordIdFromSortKey } from "./store/keys";
import {
  TemplateCustomRequest,
  TemplateExhibition,
  TemplateOrder,
  TemplatePainting,
  TemplateUser,
} from "./template/schema";
import { contentHash } from "./util/hash";
import { pool } from "./util/pool";
import { assertDateRange, sortableDate } from "./util/time";

/** Provenance the Dashboard adds to every record (seed: template_url, sync_timestamp; plus site_id). */
export const Provenance = z.object({
  site_id: z.string(),
  template_url: z.string(),
  sync_timestamp: z.string(),
  deleted_at: z.string().optional(),
});

/**
 * Data-quality codes of a stored record (`category_missing`...): the seed's required-field rule it fails.
 * Empty for a complete record. A record with codes is "flagged": stored and shown, never dropped.
 */
export const Quality = z.array(z.string()).default([]);
const Stored = { ...Provenance.shape, quality: Quality };

export const Painting = TemplatePainting.extend({ ...Stored, image_url: z.string().nullable() });
export type Painting = z.infer<typeof Painting>;
export const User = TemplateUser.extend(Stored);
export type User = z.infer<typeof User>;
export const Order = TemplateOrder.extend(Stored);
export type Order = z.infer<typeof Order>;
export const Exhibition = TemplateExhibition.extend(Stored);
export type Exhibition = z.infer<typeof Exhibition>;
export const CustomRequest = TemplateCustomRequest.extend(Stored);
export type CustomRequest = z.infer<typeof CustomRequest>;

export const STORED_SCHEMAS = {
  paintings: Painting,
  users: User,
  orders: Order,
  exhibitions: Exhibition,
  custom_requests: CustomRequest,
} as const;

type AnyTemplateRecord = { id: number } & Record<string, unknown>;

/**
 * A painting's image as the Template serves it: a relative `image` sits under the Template's static folder
 * (`Images/a.jpg` → `<template_url>/static/Images/a.jpg`), an absolute http(s) URL is used as it is, and an
 * empty one (or any other scheme) has no image.
 */
export const imageUrl = (templateUrl: string, image: unknown): string | null => {
  if (typeof image !== "string" || image.trim() === "") return null;
  const value = image.trim();
  if (/^[a-z][a-z0-9+.-]*:/i.test(value) || value.startsWith("//")) {
    try {
      const url = new URL(value);
      return url.protocol === "http:" || url.protocol === "https:" ? url.toString() : null;
    } catch {
      return null;
    }
  }
  try {
    const path = value.replace(/^\/+/, "").replace(/^static\//, "");
    return new URL(`static/${path}`, `${templateUrl.replace(/\/+$/, "")}/`).toString();
  } catch {
    return null;
  }
};

/**
 * Text as the filters compare it: lower case, accents removed, spaces collapsed ("  Étude " → "etude"), so
 * "etude" finds "Étude" and "livree" finds "Livrée". Stored at sync time (`search`, `f_*`), applied to the
 * query at read time: a filter stays a DynamoDB query, never a scan.
 */
export const fold = (v: string): string =>
  v.normalize("NFD").replace(/\p{M}/gu, "").toLocaleLowerCase("fr").replace(/\s+/g, " ").trim();

/**
 * The version of the stored `search` / `f_*` fields, part of the content hash: a record stored with an
 * older form of them is written again by its next sync (2: accents folded).
 */
const SEARCH_FORMAT = 2;

const lower = (v: unknown): string | undefined =>
  typeof v === "string" && v.trim() !== "" ? fold(v) : undefined;

/** Folded text searched by `q`. */
const searchText = (entity: RecordEntity, r: Record<string, unknown>): string =>
  fold(
    (entity === "paintings"
      ? [r.name, r.category, r.technique, r.year]
      : entity === "users"
        ? [r.name, r.email]
        : entity === "orders"
          ? [r.customer_name, r.email]
          : [r.title, r.client_name, r.location, r.description]
    )
      .filter((v): v is string => typeof v === "string")
      .join(" "),
  );

/**
 * Bumped when what is stored for the same source record changes (v2: nulls kept, quality codes, image
 * URLs under /static/, the artist's-order index): every record is rewritten once by the next sync.
 */
const STORAGE_VERSION = 2;

/** The hash a record is compared on: its content and where it comes from, never the sync time. */
export const recordHash = (record: AnyTemplateRecord, templateUrl: string): string =>
  contentHash({ record, templateUrl, v: STORAGE_VERSION, search: SEARCH_FORMAT });

/** The full item of a record as stored. */
export function toItem(
  siteId: string,
  entity: RecordEntity,
  record: AnyTemplateRecord,
  templateUrl: string,
  syncTimestamp: string,
  hash: string,
  /** The run that writes it (see `StoredState.changedBy`). */
  changedBy?: string,
  /** Its data-quality codes (`validateRecord`); empty for a complete record. */
  quality: string[] = [],
  /**
   * Written by the first import of its (site, entity), not by a change at the Template: the change processor
   * records its creation in history but raises no "added" event (a new site would otherwise announce every
   * record it already had). The next write of the record drops the mark.
   */
  initialImport = false,
): Item {
  const data: Record<string, unknown> = {
    ...record,
    site_id: siteId,
    template_url: templateUrl,
    sync_timestamp: syncTimestamp,
    quality,
  };
  if (entity === "paintings") data.image_url = imageUrl(templateUrl, record.image);
  const orderDate = entity === "orders" ? sortableDate(record.order_date as string | null) : undefined;
  const displayOrder = entity === "paintings" ? (record.display_order as number | null) : undefined;
  return RecordItem.item([siteId, entity, record.id], {
    ...Keys.recordIndexes(siteId, entity, record.id, orderDate, displayOrder),
    entity,
    site_id: siteId,
    record_id: record.id,
    hash,
    changed_by: changedBy,
    search: searchText(entity, record),
    f_status: lower(record.status),
    f_category: lower(record.category),
    f_role: lower(record.role),
    f_quality: quality.length > 0 ? "flagged" : undefined,
    initial_import: initialImport || undefined,
    data,
  });
}

export interface StoredState {
  hash: string;
  deleted: boolean;
  /**
   * The run that last wrote or deleted the record: a redelivered message of that run finds its earlier
   * delivery's work done and still counts it as the run's own.
   */
  changedBy?: string;
}

/**
 * Every stored record id of a (site, entity) with its hash: what a sync compares against (settings; a
 * record entity whose hash index cannot be used, hash-index.ts). `consistent`: a strongly consistent read,
 * for a hash index rebuilt from it.
 */
export async function index(
  ctx: Ctx,
  siteId: string,
  entity: RecordEntity | "settings",
  opts: { consistent?: boolean } = {},
): Promise<Map<number | string, StoredState>> {
  const map = new Map<number | string, StoredState>();
  for await (const items of queryAll(ctx, {
    ...rangeQuery(
      { pk: Keys.recordPartition(siteId, entity) },
      { project: ["sk", "hash", "deleted_at", "changed_by"] },
    ),
    ...(opts.consistent ? { ConsistentRead: true } : {}),
  })) {
    for (const item of items) {
      map.set(recordIdFromSortKey(String(item.sk)), {
        hash: String(item.hash),
        deleted: item.deleted_at !== undefined,
        ...(typeof item.changed_by === "string" ? { changedBy: item.changed_by } : {}),
      });
    }
  }
  return map;
}

/** UpdateItem requests in flight at once when marking records deleted. */
const MARK_DELETED_CONCURRENCY = 8;

/**
 * Marks records as gone from the Template: kept, with `deleted_at`, and purged by DynamoDB's TTL after
 * `ctx.retention.deletedRecordsDays` (personal data the Template erased does not outlive it for long). A
 * record that comes back is written whole again, without the TTL.
 */
export async function markDeleted(
  ctx: Ctx,
  siteId: string,
  entity: RecordEntity | "settings",
  ids: (number | string)[],
  at: string,
  /** The run that deletes them (see `StoredState.changedBy`). */
  changedBy?: string,
): Promise<void> {
  const ttl = expiresAfterDays(new Date(at), ctx.retention.deletedRecordsDays);
  await pool(ids, MARK_DELETED_CONCURRENCY, async (id) => {
    await RecordItem.update(ctx, "markDeleted", [siteId, entity, id], {
      at,
      ttl,
      ...(changedBy ? { changedBy } : {}),
    });
  });
}

// ---- reading -------------------------------------------------------------------------------------

export const ListFilter = z.object({
  site_id: z.string().optional(),
  status: z.string().optional(),
  category: z.string().optional(),
  role: z.string().optional(),
  q: z.string().optional(),
  from: z.string().optional(),
  to: z.string().optional(),
  include_deleted: z.boolean().optional(),
  /** `flagged`: only records with data-quality codes; `complete`: only records without. */
  quality: z.enum(["flagged", "complete"]).optional(),
  /** Paintings only: `recent` (newest id first, the default) or `artist` (the site's own order; needs site_id). */
  sort: z.enum(["recent", "artist"]).optional(),
  limit: z.number().int().min(1).max(200),
  cursor: z.string().optional(),
});
export type ListFilter = z.infer<typeof ListFilter>;

const dateBound = (value: string, name: string, end: boolean): string => {
  const sortable = sortableDate(
    end && /^\d{4}-\d{2}-\d{2}$/.test(value) ? `${value} 23:59:59.999999` : value,
  );
  if (!sortable) {
    throw new VisibleError("invalid_request", "invalid_date", `${name} must be a date such as 2025-03-01`, {
      [name]: value,
    });
  }
  return sortable;
};

/** One page of an entity's records, newest first, across all sites or one. */
export async function list(
  ctx: Ctx,
  entity: RecordEntity,
  f: ListFilter,
): Promise<Page<Record<string, unknown>>> {
  const facet = (attr: string, value: string | undefined): Condition | undefined =>
    value === undefined || value === "" ? undefined : equals(attr, fold(value));
  const q = f.q ? fold(f.q) : "";
  const where = [
    !f.include_deleted && notDeleted,
    facet("f_status", f.status),
    facet("f_category", f.category),
    facet("f_role", f.role),
    f.quality === "flagged" && equals("f_quality", "flagged"),
    f.quality === "complete" && absent("f_quality"),
    q && contains("search", q),
  ];

  let key: KeyRange;
  if (entity === "orders") {
    const from = f.from ? dateBound(f.from, "from", false) : undefined;
    const to = f.to ? `${dateBound(f.to, "to", true)}~` : undefined;
    assertDateRange(from, to, f);
    key = { ...(f.site_id ? Keys.ordersByDateIndex(f.site_id) : Keys.entityIndex("orders")), from, to };
  } else if (f.sort === "artist") {
    if (entity !== "paintings" || !f.site_id) {
      throw new VisibleError(
        "invalid_request",
        "invalid_sort",
        "sort=artist lists one site's paintings in the artist's order: give site_id, on /api/paintings",
        { sort: f.sort },
      );
    }
    key = Keys.paintingsByArtistOrderIndex(f.site_id);
  } else {
    key = f.site_id ? { pk: Keys.recordPartition(f.site_id, entity) } : Keys.entityIndex(entity);
  }
  const page = await listPage(ctx, {
    key,
    where,
    descending: true,
    limit: f.limit,
    cursor: f.cursor,
    scope: `records:${entity}:${JSON.stringify({ ...f, limit: undefined, cursor: undefined })}`,
  });
  return { ...page, items: page.items.map(fromItem) };
}

const fromItem = (item: Item): Record<string, unknown> => item.data as Record<string, unknown>;

export async function get(
  ctx: Ctx,
  siteId: string,
  entity: RecordEntity,
  id: number,
): Promise<Record<string, unknown>> {
  const item = await RecordItem.get(ctx, [siteId, entity, id], { consistent: false });
  if (!item) {
    throw new VisibleError("not_found", "record_not_found", `No ${entity} record ${id} on site "${siteId}"`);
  }
  return fromItem(item);
}
