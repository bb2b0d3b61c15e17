/**
 * Authentication, authorization and the audit trail of the admin API, in one middleware that runs on every
 * `/api` path (secure by default: only `PUBLIC_PATHS` are open):
 *
 *   1. the bearer token names an actor (core auth: a bootstrap owner token or a named token, read on every
 *      request, so a revoked one is refused from the next request on) — else 401;
 *   2. the route's access rule (`routesOf` in openapi.ts) says which role it needs — a route without one is refused
 *      (403 `route_without_role`), so a route added without a role cannot be reached;
 *   3. a role below it is a 403 with the role needed; for an audited action the refusal is recorded;
 *   4. after the handler, an audited action is recorded with its outcome.
 */
import * as Audit from "@dashboard/core/audit";
import { type AdminTokens, assertAllowed, authenticate } from "@dashboard/core/auth";
import type { Ctx } from "@dashboard/core/context";
import { VisibleError } from "@dashboard/core/error";
import { allows, seesPersonalData } from "@dashboard/core/role";
import type { Context, MiddlewareHandler } from "hono";
import { matchedRoutes } from "hono/route";
import { type HttpLogger, requestIdOf } from "./logging";
import { type Access, type ApiEnv, accessOf } from "./openapi";

/** Paths served without a token: the health check and the OpenAPI document. */
export const PUBLIC_PATHS: ReadonlySet<string> = new Set(["/api/health", "/api/openapi.json"]);

/** The route a request matched (its handler, not a middleware), as `[method, path]`. */
function matchedRoute(c: Context): [string, string] | undefined {
  const route = matchedRoutes(c).find((r) => r.method !== "ALL");
  return route ? [route.method, route.path] : undefined;
}

/**
 * The path parameters of the matched route, read from the path itself: a middleware's `c.req.param()` has
 * its own (none) until the handler runs, and a refused request never gets there.
 */
function paramsOf(pattern: string, path: string): Record<string, string> {
  const names = pattern.split("/");
  const values = path.split("/");
  const params: Record<string, string> = {};
  names.forEach((name, i) => {
    const value = values[i];
    if (name.startsWith(":") && value) {
      try {
        params[name.slice(1)] = decodeURIComponent(value);
      } catch {
        params[name.slice(1)] = value;
      }
    }
  });
  return params;
}

/** Where the request came from: the connection's address (Lambda or Node) and `X-Forwarded-For`. */
function origin(c: Context): { ip?: string; forwarded_for?: string; user_agent?: string } {
  const env = c.env as
    | {
        event?: { requestContext?: { http?: { sourceIp?: string }; identity?: { sourceIp?: string } } };
        incoming?: { socket?: { remoteAddress?: string } };
      }
    | undefined;
  const ip =
    env?.event?.requestContext?.http?.sourceIp ??
    env?.event?.requestContext?.identity?.sourceIp ??
    env?.incoming?.socket?.remoteAddress;
  const forwarded = c.req.header("x-forwarded-for");
  const agent = c.req.header("user-agent");
  return {
    ...(ip ? { ip } : {}),
    ...(forwarded ? { forwarded_for: forwarded } : {}),
    ...(agent ? { user_agent: agent } : {}),
  };
}

const TARGET_PARAMS = [
  ["token_id", "token"],
  ["run_id", "run"],
  ["site_id", "site"],
  ["subscription_id", "alert_subscription"],
] as const;

/** The names (never the values) of the fields a change set, or of the filters a read used. */
function fieldsOf(c: Context, action: Audit.AuditAction): string[] | undefined {
  const req = c.req as unknown as { valid: (target: string) => unknown };
  let data: unknown;
  try {
    data = req.valid(action === "personal_data.read" || action === "data.exported" ? "query" : "json");
  } catch {
    return undefined;
  }
  if (!data || typeof data !== "object") return undefined;
  const keys = Object.entries(data)
    .filter(([key, value]) => value !== undefined && key !== "cursor" && key !== "limit")
    .map(([key]) => key);
  return keys.length ? keys : undefined;
}

async function audit(
  ctx: Ctx,
  logger: HttpLogger,
  c: Context<ApiEnv>,
  action: Audit.AuditAction,
  outcome: { status: number; reason?: string },
): Promise<void> {
  const route = matchedRoute(c);
  const params: Record<string, string | undefined> = route ? paramsOf(route[1], c.req.path) : {};
  const named = TARGET_PARAMS.find(([param]) => params[param]);
  const target = named ? { type: named[1], id: params[named[0]] as string } : c.get("auditTarget");
  const siteId =
    params.site_id ?? (target?.type === "site" ? target.id : undefined) ?? c.req.query("site_id");
  const fields = fieldsOf(c, action);
  const entry: Audit.NewAuditEntry = {
    actor: c.get("actor"),
    action,
    ...(target ? { target } : {}),
    ...(siteId ? { site_id: siteId } : {}),
    ...(fields ? { fields } : {}),
    outcome: outcome.status < 400 ? "success" : outcome.reason === "role_forbidden" ? "denied" : "failed",
    status: outcome.status,
    ...(outcome.reason ? { reason: outcome.reason } : {}),
    ...origin(c),
    request_id: requestIdOf(c),
  };
  try {
    await Audit.record(ctx, entry);
  } catch (error) {
    // The action already happened: its answer stands, and the entry goes to the operator's log instead
    // (docs/operations.md suggests an alarm on "audit entry not recorded").
    logger.error("audit entry not recorded", {
      request_id: requestIdOf(c),
      entry,
      error: { name: (error as Error).name, message: (error as Error).message.slice(0, 500) },
    });
  }
}

/** Whether an audited read is recorded for this caller (personal data: only when seen in clear). */
const isRecorded = (access: Access, c: Context<ApiEnv>) =>
  access.audit !== undefined &&
  (access.audit !== "personal_data.read" || seesPersonalData(c.get("actor").role));

export interface AdminAuthDeps {
  ctx: Ctx;
  tokens: AdminTokens;
  logger: HttpLogger;
}

export const adminAuth =
  ({ ctx, tokens, logger }: AdminAuthDeps): MiddlewareHandler<ApiEnv> =>
  async (c, next) => {
    if (PUBLIC_PATHS.has(c.req.path)) return next();
    const actor = await authenticate(ctx, tokens, c.req.header("authorization"));
    c.set("actor", actor);
    const route = matchedRoute(c);
    // No route: the 404 is for authenticated callers only (an anonymous one learnt nothing above).
    if (!route) return next();
    const access = accessOf(...route);
    if (!access) {
      throw new VisibleError(
        "forbidden",
        "route_without_role",
        `${route[0]} ${route[1]} declares no role, so no token may call it`,
      );
    }
    if (!allows(actor.role, access.role)) {
      if (access.audit) await audit(ctx, logger, c, access.audit, { status: 403, reason: "role_forbidden" });
      assertAllowed(actor, access.role, `${c.req.method} ${c.req.path}`);
    }
    await next();
    if (isRecorded(access, c) && access.audit) {
      const error =
        c.error instanceof VisibleError ? c.error.code : c.res.status >= 500 ? "internal" : undefined;
      await audit(ctx, logger, c, access.audit, {
        status: c.res.status,
        ...(c.res.status >= 400 && error ? { reason: error } : {}),
      });
    }
  };
