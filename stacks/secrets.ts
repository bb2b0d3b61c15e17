/**
 * Secrets, set per stage with `sst secret set <Name> <value> --stage <stage>` (see docs/deploy.md).
 * Neither has a placeholder: a deploy with a missing secret fails instead of shipping an open API.
 */

/**
 * Bearer tokens of the admin API, comma-separated. Each entry is a token or `sha256:<hex>` of one, so the
 * stored value need not contain the tokens themselves. Several entries at once allow rotation without downtime.
 */
export const adminTokens = new sst.Secret("AdminTokens");

/**
 * Keys that encrypt site API keys at rest, comma-separated `<kid>:<base64 of 32 bytes>`. The first entry
 * encrypts; every entry decrypts, so a new key is prepended and an old one dropped once nothing uses it.
 */
export const encryptionKeys = new sst.Secret("EncryptionKeys");

export const secrets = [adminTokens, encryptionKeys];
