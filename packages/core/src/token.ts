/**
 * Named admin tokens: each has a name (the person or the script), a role, an optional expiry, who created
 * it, and when it was last used. The token itself is shown once, at creation; only its SHA-256 is stored,
 * as the item's sort key, so a request is authenticated with one GetItem and nothing stored can be used to
 * sign in. A token's public id is `tok_` + the first 16 hex digits of that hash.
 *
 * Revoked and expired tokens stay listed for `TOKEN_KEPT_DAYS`, then DynamoDB's TTL removes them.
 */
import * as z from "zod";
import type { Ctx } from "./context";
import { randomToken, sha256Hex } from "./crypto";
import { VisibleError } from "./error";
import { type Actor, Role } from "./role";
import { firstPage, keyRange, queryAll } from "./store/db";
import { defineEntity } from "./store/entity";
import { Keys } from "./store/keys";
import { epochSeconds, isoNow } from "./util/time";

/** Every named token starts with this, so a secret scanner (and `authenticate`) recognises one. */
export const TOKEN_PREFIX = "adt_";
const TOKEN_SHAPE = /^adt_[A-Za-z0-9_-]{43}$/;

/** A revoked or expired token stays in the list this long. */
export const TOKEN_KEPT_DAYS = 30;
/** `last_used_at` is written at most this often per token (one write per request would double the cost). */
export const LAST_USED_GRANULARITY_SECONDS = 60;

export const isNamedToken = (token: string): boolean => TOKEN_SHAPE.test(token);

export const TokenId = z.string().regex(/^tok_[0-9a-f]{16}$/, "a token id: tok_ and 16 hex digits");

export const TokenStatus = z.enum(["active", "expired", "revoked"]);

/** What the API returns about a token: never the token, never its hash. */
export const TokenInfo = z.object({
  token_id: TokenId,
  name: z.string(),
  role: Role,
  status: TokenStatus,
  created_at: z.string(),
  created_by: z.string(),
  expires_at: z.string().optional(),
  last_used_at: z.string().optional(),
  revoked_at: z.string().optional(),
  revoked_by: z.string().optional(),
});
export type TokenInfo = z.infer<typeof TokenInfo>;

/**
 * A printable name without control characters: it is shown in the UI and written in the audit log.
 * `bootstrap` names the secret's owner token in the audit log, so no named token may take it.
 */
const TokenName = z
  .string()
  .trim()
  .min(1, "required")
  .max(100)
  .regex(/^[^\p{Cc}\p{Cf}]+$/u, "no control characters")
  .refine((name) => name.toLowerCase() !== "bootstrap", "`bootstrap` is reserved for the secret's token");

export const CreateToken = z.object({
  name: TokenName,
  role: Role,
  expires_at: z.iso
    .datetime({ offset: true })
    .optional()
    .describe("When the token stops working (ISO 8601); none means it never expires"),
});
export type CreateToken = z.input<typeof CreateToken>;

export const TokenCreated = z.object({
  token: z.string().describe("The token, shown this once: `Authorization: Bearer <token>`"),
  info: TokenInfo,
});
export type TokenCreated = z.infer<typeof TokenCreated>;

/** The stored item. `expires_at` is the table's TTL attribute, so the token's own expiry has another name. */
const TokenItem = z.object({
  token_id: TokenId,
  name: z.string(),
  role: Role,
  created_at: z.string(),
  created_by: z.string(),
  token_expires_at: z.string().optional(),
  last_used_at: z.string().optional(),
  revoked_at: z.string().optional(),
  revoked_by: z.string().optional(),
});
type TokenItem = z.infer<typeof TokenItem>;

/** A named token, keyed by its SHA-256 (never by the token): one partition holds them all. */
const AdminToken = defineEntity({
  type: "admin_token",
  schema: TokenItem,
  key: (hash: string) => Keys.adminToken(hash),
  updates: {
    /** Revoked now (kept from a first revocation), purged `TOKEN_KEPT_DAYS` later. */
    revoke: (p: { now: string; by: string; ttl: number }) => ({
      update: "SET revoked_at = if_not_exists(revoked_at, :now), revoked_by = :by, expires_at = :ttl",
      condition: "attribute_exists(pk)",
      values: { ":now": p.now, ":by": p.by, ":ttl": p.ttl },
      returnValues: "ALL_NEW" as const,
    }),
    /** Used now; written only when the last use is older than `cutoff`. */
    touch: (p: { now: string; cutoff: string }) => ({
      update: "SET last_used_at = :now",
      condition: "attribute_exists(pk) AND (attribute_not_exists(last_used_at) OR last_used_at < :cutoff)",
      values: { ":now": p.now, ":cutoff": p.cutoff },
    }),
  },
});

export interface FoundToken {
  token_id: string;
  name: string;
  role: Role;
  expires_at?: string;
  revoked_at?: string;
  last_used_at?: string;
}

const idOf = (hash: string) => `tok_${hash.slice(0, 16)}`;

const statusOf = (item: TokenItem, now: string): z.infer<typeof TokenStatus> =>
  item.revoked_at ? "revoked" : item.token_expires_at && item.token_expires_at <= now ? "expired" : "active";

const toInfo = (item: TokenItem, now: string): TokenInfo =>
  TokenInfo.parse({
    token_id: item.token_id,
    name: item.name,
    role: item.role,
    status: statusOf(item, now),
    created_at: item.created_at,
    created_by: item.created_by,
    expires_at: item.token_expires_at,
    last_used_at: item.last_used_at,
    revoked_at: item.revoked_at,
    revoked_by: item.revoked_by,
  });

const notFound = (tokenId: string) =>
  new VisibleError("not_found", "token_not_found", `No token with id "${tokenId}"`);

const ttlAfter = (iso: string) => epochSeconds(new Date(iso)) + TOKEN_KEPT_DAYS * 86_400;

/** A new named token. Returns it in clear (shown once) with what is stored about it. */
export async function create(ctx: Ctx, input: CreateToken, by: Actor): Promise<TokenCreated> {
  const data = CreateToken.parse(input);
  const now = isoNow(ctx.now());
  const expires = data.expires_at ? new Date(data.expires_at).toISOString() : undefined;
  if (expires && expires <= now) {
    throw new VisibleError("invalid_request", "expiry_in_past", "expires_at must be in the future");
  }
  const token = `${TOKEN_PREFIX}${randomToken(32)}`;
  const hash = sha256Hex(token);
  const item: TokenItem = {
    token_id: idOf(hash),
    name: data.name,
    role: data.role,
    created_at: now,
    created_by: by.name,
    ...(expires ? { token_expires_at: expires } : {}),
  };
  await AdminToken.create(ctx, [hash], { ...item, ...(expires ? { expires_at: ttlAfter(expires) } : {}) });
  return { token, info: toInfo(item, now) };
}

/** Every token, newest first (a few dozen: one partition, read to the end). */
export async function list(ctx: Ctx): Promise<TokenInfo[]> {
  const now = isoNow(ctx.now());
  const tokens: TokenInfo[] = [];
  for await (const items of queryAll(ctx, keyRange({ pk: Keys.adminTokenPartition }))) {
    for (const item of items) tokens.push(toInfo(TokenItem.parse(item), now));
  }
  return tokens.sort((a, b) => b.created_at.localeCompare(a.created_at));
}

async function itemById(ctx: Ctx, tokenId: string): Promise<{ hash: string; item: TokenItem } | undefined> {
  if (!TokenId.safeParse(tokenId).success) return undefined;
  const [found] = await firstPage(ctx, {
    ...keyRange({ pk: Keys.adminTokenPartition, prefix: tokenId.slice(4) }),
    ConsistentRead: true,
    Limit: 1,
  });
  return found ? { hash: String(found.sk), item: TokenItem.parse(found) } : undefined;
}

/** One token's information. */
export async function get(ctx: Ctx, tokenId: string): Promise<TokenInfo> {
  const found = await itemById(ctx, tokenId);
  if (!found) throw notFound(tokenId);
  return toInfo(found.item, isoNow(ctx.now()));
}

/** Revokes a token: from the next request on, it is refused. Revoking a revoked token changes nothing. */
export async function revoke(ctx: Ctx, tokenId: string, by: Actor): Promise<TokenInfo> {
  const found = await itemById(ctx, tokenId);
  if (!found) throw notFound(tokenId);
  const now = isoNow(ctx.now());
  if (found.item.revoked_at) return toInfo(found.item, now);
  const out = await AdminToken.update(ctx, "revoke", [found.hash], {
    now,
    by: by.name,
    ttl: ttlAfter(now),
  });
  if (!out.applied) throw notFound(tokenId);
  return toInfo(TokenItem.parse(out.attributes), now);
}

/** The token whose SHA-256 is `hash`, read strongly consistent (a revocation is seen at once). */
export async function findByHash(ctx: Ctx, hash: string): Promise<FoundToken | undefined> {
  const item = await AdminToken.get(ctx, [hash]);
  if (!item) return undefined;
  return {
    token_id: item.token_id,
    name: item.name,
    role: item.role,
    ...(item.token_expires_at ? { expires_at: item.token_expires_at } : {}),
    ...(item.revoked_at ? { revoked_at: item.revoked_at } : {}),
    ...(item.last_used_at ? { last_used_at: item.last_used_at } : {}),
  };
}

/** Records that a token was used now, at most once per `LAST_USED_GRANULARITY_SECONDS`. */
export async function touch(ctx: Ctx, hash: string, found: FoundToken): Promise<void> {
  const now = ctx.now();
  const cutoff = new Date(now.getTime() - LAST_USED_GRANULARITY_SECONDS * 1000).toISOString();
  if (found.last_used_at && found.last_used_at > cutoff) return;
  await AdminToken.update(ctx, "touch", [hash], { now: isoNow(now), cutoff });
}
