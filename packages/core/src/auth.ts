/**
 * Admin bearer tokens. Tokens come from the `AdminTokens` secret (comma-separated; each entry either a
 * token or `sha256:<hex>` of one, so the secret itself can hold only hashes). Several may be valid at
 * once, which is how a token is rotated: add the new one, move clients, remove the old one.
 * Only SHA-256 digests are kept in memory after start-up, and every check is constant-time.
 */
import { timingSafeEqual } from "node:crypto";
import { sha256Hex } from "./crypto";
import { VisibleError } from "./error";

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

const unauthorized = (message: string) => new VisibleError("unauthorized", "unauthorized", message);

/** Checks an `Authorization` header; throws a 401 VisibleError when it does not carry a valid token. */
export function authorize(tokens: AdminTokens, header: string | undefined): void {
  if (!header) throw unauthorized("Missing Authorization: Bearer <admin token>");
  const match = /^Bearer\s+(\S{1,512})$/i.exec(header.trim());
  if (!match?.[1]) throw unauthorized("Authorization must be Bearer <admin token>");
  const digest = Buffer.from(sha256Hex(match[1]), "hex");
  let ok = false;
  for (const d of tokens.digests) if (timingSafeEqual(d, digest)) ok = true;
  if (!ok) throw unauthorized("The admin token is not valid");
}
