/**
 * Synced data (API-CONTRACT.md "Synced data"): lists across sites with filters and cursors, and single
 * records. Stored records are parsed with core's stored schemas on the way out, so an answer always has the
 * shape the OpenAPI document promises.
 */
import type { Ctx } from "@dashboard/core/context";
import type { RecordEntity } from "@dashboard/core/entity";
import * as FacetStore from "@dashboard/core/facets";
import * as Records from "@dashboard/core/record";
import { createRoute, type z } from "@hono/zod-openapi";
import { type ApiApp, BEARER, errors, json } from "../openapi";
import {
  CustomRequest,
  CustomRequestsQuery,
  Exhibition,
  ExhibitionsQuery,
  Facets,
  FacetsQuery,
  Order,
  OrdersQuery,
  Painting,
  PaintingsQuery,
  page,
  RecordParams,
  User,
  UsersQuery,
} from "../schemas";

const tags = ["Synced data"];

interface EntityApi<Q extends z.ZodObject, S extends z.ZodType> {
  entity: RecordEntity;
  /** `/api/<entity>` lists; `/api/sites/{site_id}/<entity>/{id}` reads one. */
  query: Q;
  schema: S;
  summary: string;
}

const api = <Q extends z.ZodObject, S extends z.ZodType>(a: EntityApi<Q, S>) => a;

const PAINTINGS = api({ entity: "paintings", query: PaintingsQuery, schema: Painting, summary: "Paintings" });
const USERS = api({ entity: "users", query: UsersQuery, schema: User, summary: "Users" });
const ORDERS = api({
  entity: "orders",
  query: OrdersQuery,
  schema: Order,
  summary: "Orders (with their items), newest first",
});
const EXHIBITIONS = api({
  entity: "exhibitions",
  query: ExhibitionsQuery,
  schema: Exhibition,
  summary: "Exhibitions",
});
const CUSTOM_REQUESTS = api({
  entity: "custom_requests",
  query: CustomRequestsQuery,
  schema: CustomRequest,
  summary: "Custom requests, where the Template has them",
});

const listRoute = <Q extends z.ZodObject, S extends z.ZodType>(a: EntityApi<Q, S>) =>
  createRoute({
    method: "get",
    path: `/api/${a.entity}`,
    tags,
    summary: `${a.summary}, across sites or of one`,
    description:
      "Records that disappeared from the Template are left out unless `include_deleted=true` (they carry `deleted_at`).",
    security: BEARER,
    request: { query: a.query },
    responses: { 200: json(page(a.schema), "A page of records"), ...errors(400) },
  });

const getRoute = <Q extends z.ZodObject, S extends z.ZodType>(a: EntityApi<Q, S>) =>
  createRoute({
    method: "get",
    path: `/api/sites/{site_id}/${a.entity}/{id}`,
    tags,
    summary: `One record of a site (${a.entity})`,
    security: BEARER,
    request: { params: RecordParams },
    responses: { 200: json(a.schema, "The record"), ...errors(400, 404) },
  });

/** One page of an entity, each record parsed with its stored schema. */
async function listPage<S extends z.ZodType>(
  ctx: Ctx,
  a: EntityApi<z.ZodObject, S>,
  query: unknown,
): Promise<{ items: z.output<S>[]; next_cursor?: string }> {
  const page = await Records.list(ctx, a.entity, Records.ListFilter.parse(query));
  const items = page.items.map((item) => a.schema.parse(item));
  return page.next_cursor ? { items, next_cursor: page.next_cursor } : { items };
}

async function getOne<S extends z.ZodType>(
  ctx: Ctx,
  a: EntityApi<z.ZodObject, S>,
  params: { site_id: string; id: number },
): Promise<z.output<S>> {
  return a.schema.parse(await Records.get(ctx, params.site_id, a.entity, params.id));
}

const facetsRoute = (entity: FacetStore.FacetEntity) =>
  createRoute({
    method: "get",
    path: `/api/${entity}/facets`,
    tags,
    summary: `The filter values present in the ${entity} (${FacetStore.FACET_FIELDS[entity].join(", ")})`,
    description:
      "Each value as the filter takes it (`value`, folded: lower case, no accents), its most frequent spelling (`label`) and how many live records have it. Reads the records' facet attributes only; `complete` is false past 20,000 records.",
    security: BEARER,
    request: { query: FacetsQuery },
    responses: { 200: json(Facets, "The values present"), ...errors(400) },
  });

export function registerRecordRoutes(app: ApiApp, ctx: Ctx): void {
  for (const entity of Object.keys(FacetStore.FACET_FIELDS) as FacetStore.FacetEntity[]) {
    app.openapi(facetsRoute(entity), async (c) =>
      c.json(await FacetStore.list(ctx, entity, c.req.valid("query").site_id), 200),
    );
  }

  app.openapi(listRoute(PAINTINGS), async (c) =>
    c.json(await listPage(ctx, PAINTINGS, c.req.valid("query")), 200),
  );
  app.openapi(listRoute(USERS), async (c) => c.json(await listPage(ctx, USERS, c.req.valid("query")), 200));
  app.openapi(listRoute(ORDERS), async (c) => c.json(await listPage(ctx, ORDERS, c.req.valid("query")), 200));
  app.openapi(listRoute(EXHIBITIONS), async (c) =>
    c.json(await listPage(ctx, EXHIBITIONS, c.req.valid("query")), 200),
  );
  app.openapi(listRoute(CUSTOM_REQUESTS), async (c) =>
    c.json(await listPage(ctx, CUSTOM_REQUESTS, c.req.valid("query")), 200),
  );

  app.openapi(getRoute(PAINTINGS), async (c) =>
    c.json(await getOne(ctx, PAINTINGS, c.req.valid("param")), 200),
  );
  app.openapi(getRoute(USERS), async (c) => c.json(await getOne(ctx, USERS, c.req.valid("param")), 200));
  app.openapi(getRoute(ORDERS), async (c) => c.json(await getOne(ctx, ORDERS, c.req.valid("param")), 200));
  app.openapi(getRoute(EXHIBITIONS), async (c) =>
    c.json(await getOne(ctx, EXHIBITIONS, c.req.valid("param")), 200),
  );
  app.openapi(getRoute(CUSTOM_REQUESTS), async (c) =>
    c.json(await getOne(ctx, CUSTOM_REQUESTS, c.req.valid("param")), 200),
  );
}
