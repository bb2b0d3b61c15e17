/**
 * Access (docs/api.md "Access"): who the caller is, the named tokens an owner manages, and the audit log.
 */
import * as Audit from "@dashboard/core/audit";
import { BOOTSTRAP_TOKEN_ID } from "@dashboard/core/auth";
import type { Ctx } from "@dashboard/core/context";
import * as Tokens from "@dashboard/core/token";
import { type ApiApp, errors, json, routesOf } from "../openapi";
import {
  AuditEntry,
  AuditQuery,
  CreateToken,
  Me,
  page,
  TokenCreated,
  TokenInfo,
  TokenList,
  TokenParams,
} from "../schemas";

const route = routesOf("Access");

export const meRoute = route({ role: "viewer" }, "GET /api/me", {
  summary: "The caller: its token's name, id and role",
  description: "The UI reads it at sign-in to show only what the role may do.",
  responses: { 200: json(Me, "The caller"), ...errors() },
});

export const listTokensRoute = route({ role: "owner" }, "GET /api/tokens", {
  summary: "Every named token, newest first (revoked and expired ones for 30 days)",
  responses: { 200: json(TokenList, "The tokens, never their values"), ...errors() },
});

export const createTokenRoute = route({ role: "owner", audit: "token.created" }, "POST /api/tokens", {
  summary: "Create a named token",
  description: "The answer carries the token, shown this once; only its SHA-256 is stored.",
  request: { body: { required: true, ...json(CreateToken, "Its name, role and optional expiry") } },
  responses: { 201: json(TokenCreated, "Created"), ...errors(400, 413) },
});

export const revokeTokenRoute = route(
  { role: "owner", audit: "token.revoked" },
  "DELETE /api/tokens/{token_id}",
  {
    summary: "Revoke a token",
    description: "Refused from the next request on. The token stays listed, revoked, for 30 days.",
    request: { params: TokenParams },
    responses: { 200: json(TokenInfo, "The token, revoked"), ...errors(400, 404) },
  },
);

export const auditRoute = route({ role: "owner" }, "GET /api/audit", {
  summary: "The audit log, newest first",
  description:
    "Every change and every read of personal data in clear: who, what, when, from where, with which outcome. Read-only; entries expire after the configured retention.",
  request: { query: AuditQuery },
  responses: { 200: json(page(AuditEntry), "A page of entries"), ...errors(400) },
});

export function registerAccessRoutes(app: ApiApp, ctx: Ctx): void {
  app.openapi(meRoute, async (c) => {
    const actor = c.get("actor");
    const expires =
      actor.token_id === BOOTSTRAP_TOKEN_ID ? undefined : (await Tokens.get(ctx, actor.token_id)).expires_at;
    return c.json({ ...actor, ...(expires ? { expires_at: expires } : {}) }, 200);
  });

  app.openapi(listTokensRoute, async (c) => c.json({ items: await Tokens.list(ctx) }, 200));

  app.openapi(createTokenRoute, async (c) => {
    const created = await Tokens.create(ctx, c.req.valid("json"), c.get("actor"));
    c.set("auditTarget", { type: "token", id: created.info.token_id });
    return c.json(created, 201);
  });

  app.openapi(revokeTokenRoute, async (c) =>
    c.json(await Tokens.revoke(ctx, c.req.valid("param").token_id, c.get("actor")), 200),
  );

  app.openapi(auditRoute, async (c) => c.json(await Audit.list(ctx, c.req.valid("query")), 200));
}
