/**
 * Synced data (API-CONTRACT.md "Synced data"): lists across sites with filters and cursors, and single
 * records. Stored records are parsed with core's stored schemas on the way out, so an answer always has the
 * shape the OpenAPI document promises.
 */
import type { Ctx } from "@dashboard/core/context";
import type { RecordEntity } from "@dashboard/core/entity";
import * as FacetStore from "@dashboard/core/facets";
import { maskPersonalData } from "@dashboard/core/privacy";
import * as Records from "@dashboard/core/record";
import { type Role, seesPersonalData } from "@dashboard/core/role";
import type { z } from "@hono/zod-openapi";
import { type Access, type ApiApp, errors, json, routesOf } from "../openapi";
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

const route = routesOf("Synced data");

interface EntityApi<Q extends z.ZodObject, S extends z.ZodType> {
  entity: RecordEntity;
  /** `/api/<entity>` lists; `/api/sites/{site_id}/<entity>/{id}` reads one. */
  query: Q;
  schema: S;
  summary: string;
  /** Holds customers' or users' e-mail addresses: masked for viewers, audited when read in clear. */
  personal: boolean;
}

const api = <Q extends z.ZodObject, S extends z.ZodType>(a: EntityApi<Q, S>) => a;

const PAINTINGS = api({
  entity: "paintings",
  query: PaintingsQuery,
  schema: Painting,
  summary: "Paintings",
  personal: false,
});
const USERS = api({ entity: "users", query: UsersQuery, schema: User, summary: "Users", personal: true });
const ORDERS = api({
  entity: "orders",
  query: OrdersQuery,
  schema: Order,
  summary: "Orders (with their items), newest first",
  personal: true,
});
const EXHIBITIONS = api({
  entity: "exhibitions",
  query: ExhibitionsQuery,
  schema: Exhibition,
  summary: "Exhibitions",
  personal: false,
});
const CUSTOM_REQUESTS = api({
  entity: "custom_requests",
  query: CustomRequestsQuery,
  schema: CustomRequest,
  summary: "Custom requests, where the Template has them",
  personal: true,
});

const PERSONAL_NOTE =
  "E-mail addresses come masked (`j***@g***.com`) to a viewer; a read in clear (operator, owner) is recorded in the audit log.";

const accessOf = (a: EntityApi<z.ZodObject, z.ZodType>): Access =>
  a.personal ? { role: "viewer", audit: "personal_data.read" } : { role: "viewer" };

const describe = (a: EntityApi<z.ZodObject, z.ZodType>, text?: string) =>
  [text, a.personal ? PERSONAL_NOTE : undefined].filter(Boolean).join(" ") || undefined;

const listRoute = <Q extends z.ZodObject, S extends z.ZodType>(a: EntityApi<Q, S>) =>
  route(accessOf(a), `GET /api/${a.entity}`, {
    summary: `${a.summary}, across sites or of one`,
    description: describe(
      a,
      "Records that disappeared from the Template are left out unless `include_deleted=true` (they carry `deleted_at`).",
    ),
    request: { query: a.query },
    responses: { 200: json(page(a.schema), "A page of records"), ...errors(400) },
  });

const getRoute = <Q extends z.ZodObject, S extends z.ZodType>(a: EntityApi<Q, S>) =>
  route(accessOf(a), `GET /api/sites/{site_id}/${a.entity}/{id}`, {
    summary: `One record of a site (${a.entity})`,
    description: describe(a),
    request: { params: RecordParams },
    responses: { 200: json(a.schema, "The record"), ...errors(400, 404) },
  });

/** One page of an entity, each record parsed with its stored schema. */
/** What a role may see of a record: a viewer gets personal data masked. */
const shown = <T>(a: EntityApi<z.ZodObject, z.ZodType>, role: Role, record: T): T =>
  a.personal && !seesPersonalData(role) ? maskPersonalData(record) : record;

async function listPage<S extends z.ZodType>(
  ctx: Ctx,
  a: EntityApi<z.ZodObject, S>,
  query: unknown,
  role: Role,
): Promise<{ items: z.output<S>[]; next_cursor?: string }> {
  const page = await Records.list(ctx, a.entity, Records.ListFilter.parse(query));
  const items = page.items.map((item) => shown(a, role, a.schema.parse(item)));
  return page.next_cursor ? { items, next_cursor: page.next_cursor } : { items };
}

async function getOne<S extends z.ZodType>(
  ctx: Ctx,
  a: EntityApi<z.ZodObject, S>,
  params: { site_id: string; id: number },
  role: Role,
): Promise<z.output<S>> {
  return shown(a, role, a.schema.parse(await Records.get(ctx, params.site_id, a.entity, params.id)));
}

const facetsRoute = (entity: FacetStore.FacetEntity) =>
  route({ role: "viewer" }, `GET /api/${entity}/facets`, {
    summary: `The filter values present in the ${entity} (${FacetStore.FACET_FIELDS[entity].join(", ")})`,
    description:
      "Each value as the filter takes it (`value`, folded: lower case, no accents), its most frequent spelling (`label`) and how many live records have it. Reads the records' facet attributes only; `complete` is false past 20,000 records.",
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
    c.json(await listPage(ctx, PAINTINGS, c.req.valid("query"), c.get("actor").role), 200),
  );
  app.openapi(listRoute(USERS), async (c) =>
    c.json(await listPage(ctx, USERS, c.req.valid("query"), c.get("actor").role), 200),
  );
  app.openapi(listRoute(ORDERS), async (c) =>
    c.json(await listPage(ctx, ORDERS, c.req.valid("query"), c.get("actor").role), 200),
  );
  app.openapi(listRoute(EXHIBITIONS), async (c) =>
    c.json(await listPage(ctx, EXHIBITIONS, c.req.valid("query"), c.get("actor").role), 200),
  );
  app.openapi(listRoute(CUSTOM_REQUESTS), async (c) =>
    c.json(await listPage(ctx, CUSTOM_REQUESTS, c.req.valid("query"), c.get("actor").role), 200),
  );

  app.openapi(getRoute(PAINTINGS), async (c) =>
    c.json(await getOne(ctx, PAINTINGS, c.req.valid("param"), c.get("actor").role), 200),
  );
  app.openapi(getRoute(USERS), async (c) =>
    c.json(await getOne(ctx, USERS, c.req.valid("param"), c.get("actor").role), 200),
  );
  app.openapi(getRoute(ORDERS), async (c) =>
    c.json(await getOne(ctx, ORDERS, c.req.valid("param"), c.get("actor").role), 200),
  );
  app.openapi(getRoute(EXHIBITIONS), async (c) =>
    c.json(await getOne(ctx, EXHIBITIONS, c.req.valid("param"), c.get("actor").role), 200),
  );
  app.openapi(getRoute(CUSTOM_REQUESTS), async (c) =>
    c.json(await getOne(ctx, CUSTOM_REQUESTS, c.req.valid("param"), c.get("actor").role), 200),
  );
}
