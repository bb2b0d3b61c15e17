/**
 * Small helpers for route definitions: JSON content, documented error responses, bearer security, and
 * `routesOf`, the one way to declare an admin route (`route(access, "GET /api/sites", { summary, ... })`):
 * its required role (and, for a change or a read of personal data, its audit action) is part of its
 * definition, documented in the OpenAPI document and enforced by the authentication middleware (auth.ts),
 * which refuses any admin route that has none.
 */
import type { AuditAction } from "@dashboard/core/audit";
import type { Actor, Role } from "@dashboard/core/role";
import { createRoute, type OpenAPIHono, type RouteConfig, z } from "@hono/zod-openapi";
import type { RequestIdVariables } from "./logging";

type OpenApiMethod = (this: z.ZodType, refId: string) => z.ZodType;

/**
 * A core schema, named as an OpenAPI component. zod 4 copies prototype methods onto each schema when it is
 * built, so a schema core built before `@hono/zod-openapi` extended zod has no `.openapi` of its own (it
 * depends on import order); the extended prototype's method works on any schema.
 */
export const named = <T extends z.ZodType>(schema: T, refId: string): T =>
  (z.ZodType.prototype as unknown as { openapi: OpenApiMethod }).openapi.call(schema, refId) as T;

/**
 * The body of every error answer (errors.ts builds it). Defined with the OpenAPI pieces, not in errors.ts:
 * the webhook's Lambda shares the error mapping but serves no document, and stays free of the OpenAPI
 * extension of zod (which keeps all of zod in a bundle).
 */
export const ErrorBody = z
  .object({
    error: z.object({
      code: z.string().openapi({ example: "not_found" }),
      reason: z.string().optional().openapi({ example: "site_not_found" }),
      message: z.string(),
      details: z.unknown().optional(),
    }),
  })
  .openapi("Error");
export type ErrorBody = z.infer<typeof ErrorBody>;

export const SECURITY_SCHEME = "bearerAuth";
/** Admin routes: `Authorization: Bearer <admin token>`. */
export const BEARER = [{ [SECURITY_SCHEME]: [] }];

export const json = <T extends z.ZodType>(schema: T, description: string) => ({
  content: { "application/json": { schema } },
  description,
});

const ERROR_DESCRIPTIONS = {
  400: "Invalid request (`invalid_request`): a bad parameter, body or cursor",
  401: "Missing, wrong, revoked or expired token (`unauthorized`; reason `token_revoked`, `token_expired`)",
  403: "The token's role may not do this (`forbidden`, reason `role_forbidden`)",
  404: "Not found (`not_found`)",
  409: "Conflict (`conflict`)",
  413: "Body too large (`payload_too_large`)",
  429: "Too many requests (`rate_limited`)",
  500: "Internal error (`internal`); never carries internals",
} as const;
type ErrorStatus = keyof typeof ERROR_DESCRIPTIONS;

/** Documented error responses; 401 and 500 can happen on every admin route, so they are always added. */
export const errors = <S extends ErrorStatus>(...statuses: S[]) =>
  Object.fromEntries(
    [...new Set<ErrorStatus>([...statuses, 401, 500])].map((s) => [
      s,
      json(ErrorBody, ERROR_DESCRIPTIONS[s]),
    ]),
  ) as Record<S | 401 | 500, ReturnType<typeof json<typeof ErrorBody>>>;

/** Error responses of a public route (no 401 unless asked). */
export const publicErrors = <S extends ErrorStatus>(...statuses: S[]) =>
  Object.fromEntries(
    [...new Set<ErrorStatus>([...statuses, 500])].map((s) => [s, json(ErrorBody, ERROR_DESCRIPTIONS[s])]),
  ) as Record<S | 500, ReturnType<typeof json<typeof ErrorBody>>>;

export interface AccessVariables {
  /** The authenticated caller (set by the authentication middleware on every admin route). */
  actor: Actor;
  /** What a create action made, when the path does not name it (for the audit entry). */
  auditTarget?: { type: "site" | "token" | "records" | "alert_subscription"; id: string };
}

export type ApiEnv = { Variables: RequestIdVariables & AccessVariables };
export type ApiApp = OpenAPIHono<ApiEnv>;

/** Who may call an admin route, and what the audit log records of it. */
export interface Access {
  role: Role;
  /** Recorded for every call, whatever its outcome (`personal_data.read`: only when seen in clear). */
  audit?: AuditAction;
}

const ROLE_SENTENCE: Record<Role, string> = {
  viewer: "**Role:** viewer or above (any valid token).",
  operator: "**Role:** operator or owner.",
  owner: "**Role:** owner.",
};

/** `/api/sites/{site_id}` → `/api/sites/:site_id`, the path Hono matches. */
export const honoPath = (openApiPath: string): string => openApiPath.replace(/\{([a-z_]+)\}/g, ":$1");

const ACCESS = new Map<string, Access>();

/** The access rule of a route, by the method and Hono path it is served at. */
export const accessOf = (method: string, path: string): Access | undefined =>
  ACCESS.get(`${method.toUpperCase()} ${path}`);

/**
 * An admin route: bearer security, the role in its description and as `x-required-role`, 401 and 403 among
 * its responses, and its access rule registered for the authentication middleware.
 */
function adminRoute<const R extends RouteConfig>(access: Access, config: R) {
  const route = createRoute({
    ...config,
    security: BEARER,
    description: [config.description, ROLE_SENTENCE[access.role]].filter(Boolean).join("\n\n"),
    "x-required-role": access.role,
    ...(access.audit ? { "x-audit-action": access.audit } : {}),
    responses: { ...config.responses, ...errors(403) },
  });
  ACCESS.set(`${config.method.toUpperCase()} ${honoPath(config.path)}`, access);
  return route;
}

/** `"GET /api/sites/{site_id}"`: a route's method and OpenAPI path, as API-CONTRACT.md writes them. */
type Endpoint = `${"GET" | "POST" | "PUT" | "PATCH" | "DELETE"} /${string}`;
type MethodOf<E extends Endpoint> = E extends `${infer M} ${string}` ? Lowercase<M> : never;
type PathOf<E extends Endpoint> = E extends `${string} ${infer P}` ? P : never;

/**
 * The declarer of one group's admin routes (its OpenAPI `tags`): each route from its parts, who may call it,
 * its endpoint, then what it is (`summary`, `description`), takes (`request`) and answers (`responses`).
 */
export const routesOf =
  (...tags: string[]) =>
  <const E extends Endpoint, const P extends Omit<RouteConfig, "method" | "path" | "tags">>(
    access: Access,
    endpoint: E,
    parts: P,
  ) => {
    const space = endpoint.indexOf(" ");
    return adminRoute(access, {
      ...parts,
      method: endpoint.slice(0, space).toLowerCase() as MethodOf<E>,
      path: endpoint.slice(space + 1) as PathOf<E>,
      tags,
    });
  };
