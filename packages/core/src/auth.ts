/**
 * Who is calling the admin API, and with which role.
 *
 * Two kinds of bearer tokens are accepted:
 * - the bootstrap owner tokens of the `AdminTokens` secret (comma-separated; each entry either a token or
 *   `sha256:<hex>` of one, so the secret itself can hold only hashes). They never expire and act as the
 *   owner named `bootstrap`; they exist to create the first named tokens and to recover a lost owner.
 * - named tokens (token.ts), created by an owner, each with a name, a role and an optional expiry, stored
 *   as a SHA-256 only and read on every request (no cache), so a revocation holds from the next request.
 *
 * Roles (role.ts) nest: `viewer` < `operator` < `owner`; docs/security.md says what each may do.
 */
import { timingSafeEqual } from "node:crypto";
import type { Ctx } from "./context";
import { sha256Hex } from "./crypto";
import { VisibleError } from "./error";
import { type Actor, allows, type Role } from "./role";
import * as Tokens from "./token";

export const BOOTSTRAP_TOKEN_ID = "bootstrap";

export interface AdminTokens {
  readonly digests: readonly Buffer[];
}

export const parseAdminTokens = (value: string): AdminTokens => {
  const digests = value
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean)
    .map((entry) => {
      const hex = entry.startsWith("sha256:") ? entry.slice(7).toLowerCase() : sha256Hex(entry);
      if (!/^[0-9a-f]{64}$/.test(hex))
        throw new Error("AdminTokens: a sha256: entry must be 64 hex characters");
      return Buffer.from(hex, "hex");
    });
  if (digests.length === 0) throw new Error("AdminTokens: no admin token configured");
  return { digests };
};

/** Minimum length of a token in clear: shorter ones are refused at start-up. */
export const MIN_TOKEN_LENGTH = 16;

const unauthorized = (reason: string, message: string) => new VisibleError("unauthorized", reason, message);

/** The token of an `Authorization: Bearer <token>` header; a 401 when there is none. */
export function bearerToken(header: string | undefined): string {
  if (!header) throw unauthorized("unauthorized", "Missing Authorization: Bearer <admin token>");
  const match = /^Bearer\s+(\S{1,512})$/i.exec(header.trim());
  if (!match?.[1]) throw unauthorized("unauthorized", "Authorization must be Bearer <admin token>");
  return match[1];
}

/**
 * The actor an `Authorization` header stands for: a bootstrap owner token, or a named token that is neither
 * revoked nor expired. Anything else is a 401 (`unauthorized`, `token_revoked` or `token_expired`).
 */
export async function authenticate(
  ctx: Ctx,
  bootstrap: AdminTokens,
  header: string | undefined,
): Promise<Actor> {
  const token = bearerToken(header);
  const hash = sha256Hex(token);
  const digest = Buffer.from(hash, "hex");
  let isBootstrap = false;
  // Every comparison runs, so timing does not tell which entry matched.
  for (const d of bootstrap.digests) if (timingSafeEqual(d, digest)) isBootstrap = true;
  if (isBootstrap) return { token_id: BOOTSTRAP_TOKEN_ID, name: BOOTSTRAP_TOKEN_ID, role: "owner" };

  const found = Tokens.isNamedToken(token) ? await Tokens.findByHash(ctx, hash) : undefined;
  if (!found) throw unauthorized("unauthorized", "The admin token is not valid");
  if (found.revoked_at)
    throw unauthorized("token_revoked", "This token was revoked; ask an owner for a new one");
  if (found.expires_at && found.expires_at <= ctx.now().toISOString()) {
    throw unauthorized("token_expired", "This token has expired; ask an owner for a new one");
  }
  await Tokens.touch(ctx, hash, found);
  return { token_id: found.token_id, name: found.name, role: found.role };
}

/** A 403 naming the role an action needs and the role the caller has. */
export function assertAllowed(actor: Actor, required: Role, action: string): void {
  if (allows(actor.role, required)) return;
  throw new VisibleError(
    "forbidden",
    "role_forbidden",
    `${action} needs the ${required} role; the token "${actor.name}" has the ${actor.role} role`,
    { required_role: required, role: actor.role },
  );
}
