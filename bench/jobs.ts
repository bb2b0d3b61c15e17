/**
 * The one-shot jobs a bench child runs against a linked stage: the seed's naive algorithm, and the two
 * halves of the pipeline alone (fetch only, write only) that bound how fast a full sync can be.
 */
import { PutCommand } from "@aws-sdk/lib-dynamodb";
import type { Ctx } from "@dashboard/core/context";
import type { RecordEntity } from "@dashboard/core/entity";
import * as Records from "@dashboard/core/record";
import * as Settings from "@dashboard/core/settings";
import * as SiteStore from "@dashboard/core/site";
import { batchWrite, type Item, putRequest } from "@dashboard/core/store/db";
import { Keys } from "@dashboard/core/store/keys";
import { PAGED_ENTITIES, type PagedEntity, TemplateClient } from "@dashboard/core/template/client";
import { RECORD_SCHEMAS } from "@dashboard/core/template/schema";
import { isoNow } from "@dashboard/core/util/time";
import { ownCpuSeconds } from "./cpu";

/** Starts the clock: wall time and this process's CPU time. */
const stopwatch = () => {
  const wall = performance.now();
  const cpu = ownCpuSeconds();
  return () => ({ seconds: (performance.now() - wall) / 1000, cpu_s: ownCpuSeconds() - cpu });
};

export interface JobOutcome {
  seconds: number;
  /** CPU seconds this process used during the timed part. */
  cpu_s: number;
  records: number;
  requests: number;
  pages: number;
}

async function clientFor(ctx: Ctx, siteId: string) {
  const site = await SiteStore.get(ctx, siteId);
  const client = new TemplateClient({
    baseUrl: site.template_url,
    apiKey: await SiteStore.apiKey(ctx, siteId),
  });
  return { site, client };
}

// ---- the seed's algorithm ----------------------------------------------------------------------------

/** The seed's `_validate_*`: the required keys present and truthy. */
const SEED_REQUIRED: Record<PagedEntity, string[]> = {
  paintings: ["id", "name", "price", "category", "image"],
  users: ["id", "name", "email"],
  orders: ["id", "customer_name", "email", "total_price", "order_date"],
};

const seedValid = (
  entity: PagedEntity,
  record: unknown,
): record is { id: number } & Record<string, unknown> =>
  record !== null &&
  typeof record === "object" &&
  SEED_REQUIRED[entity].every((k) => Boolean((record as Record<string, unknown>)[k]));

/**
 * The seed's `sync_all`, made to read every page: entities one after another, pages one after another,
 * one PutItem per valid record, every record rewritten whether it changed or not. Items have the same
 * shape (keys, indexes, search fields) as the pipeline's, so both write the same bytes.
 */
export async function naive(ctx: Ctx, siteId: string): Promise<JobOutcome> {
  const { site, client } = await clientFor(ctx, siteId);
  const elapsed = stopwatch();
  let records = 0;
  let requests = 0;
  let pages = 0;
  const put = async (item: Item) => {
    requests++;
    await ctx.db.send(new PutCommand({ TableName: ctx.table, Item: item }));
  };
  const now = isoNow();
  const toItem = (entity: RecordEntity, record: { id: number } & Record<string, unknown>) =>
    Records.toItem(site.id, entity, record, site.template_url, now, "");
  for (const entity of PAGED_ENTITIES) {
    for await (const page of client.pages(entity, { prefetch: false })) {
      pages++;
      for (const record of page.records) {
        records++;
        if (seedValid(entity, record)) await put(toItem(entity, record));
      }
    }
  }
  const settings = await client.settings();
  records += settings.length;
  for (const item of Settings.plan(site.id, settings, new Map(), now).items) await put(item);
  for (const entity of ["exhibitions", "custom_requests"] as const) {
    const list = entity === "exhibitions" ? await client.exhibitions() : await client.customRequests();
    records += list.length;
    for (const record of list) {
      const parsed = RECORD_SCHEMAS[entity].safeParse(record);
      if (parsed.success) await put(toItem(entity, parsed.data));
    }
  }
  const { stats } = await client.stats();
  records += 1;
  await put({ ...Keys.stats(site.id, now), type: "stats", data: stats });
  return { ...elapsed(), records, requests, pages: pages + 4 };
}

// ---- the two halves of the pipeline --------------------------------------------------------------------

/** Every page of the paged entities in parallel, each with pages fetched ahead as the consumer does, plus the small endpoints. */
export async function fetchOnly(ctx: Ctx, siteId: string): Promise<JobOutcome> {
  const { client } = await clientFor(ctx, siteId);
  const elapsed = stopwatch();
  let records = 0;
  let pages = 0;
  await Promise.all([
    ...PAGED_ENTITIES.map(async (entity) => {
      for await (const page of client.pages(entity)) {
        pages++;
        records += page.records.length;
      }
    }),
    client.settings().then((s) => {
      records += s.length;
    }),
    client.exhibitions().then((e) => {
      records += e.length;
    }),
    client.customRequests().then((c) => {
      records += c.length;
    }),
    client.stats().then(() => {
      records += 1;
    }),
  ]);
  pages += 4;
  return { ...elapsed(), records, requests: pages, pages };
}

/**
 * Every valid record of the paged entities written in BatchWriteItem requests, the entities in parallel,
 * `concurrency` requests in flight per entity, into an empty partition. Fetching, validating and building
 * the items happen before the clock starts.
 */
export async function writeOnly(
  ctx: Ctx,
  siteId: string,
  targetSiteId: string,
  concurrency: number,
): Promise<JobOutcome> {
  const { site, client } = await clientFor(ctx, siteId);
  const now = isoNow();
  const prepared = await Promise.all(
    PAGED_ENTITIES.map(async (entity) => {
      const items: Item[] = [];
      for await (const page of client.pages(entity)) {
        for (const raw of page.records) {
          const parsed = RECORD_SCHEMAS[entity].safeParse(raw);
          if (!parsed.success) continue;
          const record = parsed.data as { id: number } & Record<string, unknown>;
          const hash = Records.recordHash(record, site.template_url);
          items.push(Records.toItem(targetSiteId, entity, record, site.template_url, now, hash));
        }
      }
      return items;
    }),
  );
  const elapsed = stopwatch();
  const requests = await Promise.all(
    prepared.map((items) => batchWrite(ctx, items.map(putRequest), { concurrency })),
  );
  return {
    ...elapsed(),
    records: prepared.reduce((n, items) => n + items.length, 0),
    requests: requests.reduce((a, b) => a + b, 0),
    pages: 0,
  };
}
