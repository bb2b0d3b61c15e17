/**
 * Secrets at rest (Template API keys, webhook secrets): AES-256-GCM with a key ring. The ring comes from the
 * `EncryptionKeys` secret, `<kid>:<base64 32-byte key>[,<kid>:<key>...]`: the first key encrypts, every key
 * decrypts, so a key can be rotated without re-encrypting everything at once (docs/operations.md).
 * Each ciphertext is bound to what it protects (associated data such as `site:<id>:api_key`), so a value
 * copied to another site or field does not decrypt.
 */
import { createCipheriv, createDecipheriv, createHash, randomBytes, timingSafeEqual } from "node:crypto";
import * as z from "zod";
import { VisibleError } from "./error";

export interface KeyRing {
  readonly primary: { kid: string; key: Buffer };
  readonly byKid: ReadonlyMap<string, Buffer>;
}

const Kid = z.string().regex(/^[A-Za-z0-9_-]{1,32}$/, "key id: letters, digits, _ or -, at most 32");

export const parseKeyRing = (value: string): KeyRing => {
  const entries = value
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean)
    .map((entry) => {
      const at = entry.indexOf(":");
      if (at < 1) throw new Error("EncryptionKeys: each entry must be <kid>:<base64 key>");
      const kid = Kid.parse(entry.slice(0, at));
      const key = Buffer.from(entry.slice(at + 1), "base64");
      if (key.length !== 32)
        throw new Error(`EncryptionKeys: key "${kid}" must be 32 bytes (base64), got ${key.length}`);
      return { kid, key };
    });
  const primary = entries[0];
  if (!primary) throw new Error("EncryptionKeys: no key configured");
  return { primary, byKid: new Map(entries.map((e) => [e.kid, e.key])) };
};

/** A new random key ring entry, e.g. for `npm start`'s generated local key. */
export const generateKeyRingEntry = (kid = "k1"): string => `${kid}:${randomBytes(32).toString("base64")}`;

const VERSION = "v1";

export const encrypt = (ring: KeyRing, plaintext: string, aad: string): string => {
  const iv = randomBytes(12);
  const cipher = createCipheriv("aes-256-gcm", ring.primary.key, iv);
  cipher.setAAD(Buffer.from(aad));
  const ct = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final()]);
  const tag = cipher.getAuthTag();
  return [
    VERSION,
    ring.primary.kid,
    iv.toString("base64url"),
    tag.toString("base64url"),
    ct.toString("base64url"),
  ].join(":");
};

export const decrypt = (ring: KeyRing, sealed: string, aad: string): string => {
  const [version, kid, iv, tag, ct] = sealed.split(":");
  const key = kid ? ring.byKid.get(kid) : undefined;
  if (version !== VERSION || !key || !iv || !tag || ct === undefined) {
    throw new VisibleError(
      "internal",
      "secret_unreadable",
      "A stored secret cannot be decrypted with the configured keys",
    );
  }
  try {
    const decipher = createDecipheriv("aes-256-gcm", key, Buffer.from(iv, "base64url"));
    decipher.setAAD(Buffer.from(aad));
    decipher.setAuthTag(Buffer.from(tag, "base64url"));
    return Buffer.concat([decipher.update(Buffer.from(ct, "base64url")), decipher.final()]).toString("utf8");
  } catch {
    throw new VisibleError(
      "internal",
      "secret_unreadable",
      "A stored secret cannot be decrypted with the configured keys",
    );
  }
};

export const sha256Hex = (value: string): string => createHash("sha256").update(value).digest("hex");

/** Constant-time equality of two strings (by their SHA-256, so lengths leak nothing either). */
export const safeEqual = (a: string, b: string): boolean =>
  timingSafeEqual(createHash("sha256").update(a).digest(), createHash("sha256").update(b).digest());

export const randomToken = (bytes = 32): string => randomBytes(bytes).toString("base64url");
