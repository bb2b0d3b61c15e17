/**
 * The two secrets of a local Dashboard, kept in the data directory so that a restart finds them again:
 *
 * - `admin-token`: the admin bearer token, unless `ADMIN_TOKEN` gives one (then nothing is written);
 * - `encryption-keys`: the key ring that seals site API keys and webhook secrets at rest (core crypto). Lose
 *   it and the stored API keys can no longer be decrypted, so it is created once and never rewritten.
 *
 * Both files are created with mode 0600 (exclusively, so two starts racing agree on one value) and brought
 * back to 0600 when found readable by others. Their contents are never logged.
 */
import { chmod, mkdir, readFile, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { MIN_TOKEN_LENGTH, parseAdminTokens } from "@dashboard/core/auth";
import { generateKeyRingEntry, parseKeyRing, randomToken } from "@dashboard/core/crypto";
import { LocalRuntimeError } from "./errors";

export const ADMIN_TOKEN_FILE = "admin-token";
export const ENCRYPTION_KEYS_FILE = "encryption-keys";

const FILE_MODE = 0o600;
const DIR_MODE = 0o700;

/** What `authorize` accepts in a bearer header, and no comma (the AdminTokens secret is comma-separated). */
const TOKEN_SHAPE = /^[^\s,]+$/;
const MAX_TOKEN_LENGTH = 512;

/** Refuses a token the API would not accept, or one short enough to guess. */
export function checkAdminToken(token: string, origin: string): string {
  if (token.length < MIN_TOKEN_LENGTH || token.length > MAX_TOKEN_LENGTH || !TOKEN_SHAPE.test(token)) {
    throw new LocalRuntimeError(
      "invalid_config",
      `${origin} must be ${MIN_TOKEN_LENGTH} to ${MAX_TOKEN_LENGTH} characters, with no spaces or commas.`,
    );
  }
  parseAdminTokens(token);
  return token;
}

/** Creates the data directory (0700 when new). */
export async function ensureDataDir(dataDir: string): Promise<void> {
  try {
    await mkdir(dataDir, { recursive: true, mode: DIR_MODE });
    const info = await stat(dataDir);
    if (!info.isDirectory()) throw new Error("not a directory");
  } catch (error) {
    throw new LocalRuntimeError(
      "data_dir_unusable",
      `The data directory ${dataDir} cannot be used (${(error as Error).message}); set DATA_DIR to a writable directory.`,
    );
  }
}

async function readSecretFile(file: string): Promise<string | undefined> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw new LocalRuntimeError(
      "secret_file_invalid",
      `${file} cannot be read (${(error as Error).message}).`,
    );
  }
  const info = await stat(file);
  // Someone loosened the permissions (or copied the file): a secret is for its owner only.
  if ((info.mode & 0o077) !== 0) await chmod(file, FILE_MODE);
  return text.trim();
}

/**
 * The value kept in `file`, or a new one from `generate` written there with mode 0600. `wx` makes the
 * creation exclusive: when another process won the race, its value is read and used.
 */
async function loadOrCreate(
  file: string,
  generate: () => string,
): Promise<{ value: string; created: boolean }> {
  const existing = await readSecretFile(file);
  if (existing !== undefined) return { value: existing, created: false };
  const value = generate();
  try {
    await writeFile(file, `${value}\n`, { mode: FILE_MODE, flag: "wx" });
    return { value, created: true };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") {
      throw new LocalRuntimeError(
        "secret_file_invalid",
        `${file} cannot be written (${(error as Error).message}).`,
      );
    }
    const raced = await readSecretFile(file);
    if (raced === undefined) throw error;
    return { value: raced, created: false };
  }
}

export type AdminTokenSource = "given" | "file" | "generated";

export interface LocalSecrets {
  adminToken: string;
  adminTokenSource: AdminTokenSource;
  /** Where the token is kept (absent when it was given). */
  adminTokenFile?: string;
  /** The `EncryptionKeys` value (`<kid>:<base64 key>`). Never print it. */
  encryptionKeys: string;
  /** True when the key ring was created by this call (a data directory used before had none). */
  encryptionKeysCreated: boolean;
}

/** Loads (or creates) the secrets of `dataDir`; `adminToken` given (ADMIN_TOKEN) wins over the file. */
export async function loadSecrets(dataDir: string, adminToken?: string): Promise<LocalSecrets> {
  await ensureDataDir(dataDir);
  const keysFile = join(dataDir, ENCRYPTION_KEYS_FILE);
  const keys = await loadOrCreate(keysFile, () => generateKeyRingEntry("local1"));
  try {
    parseKeyRing(keys.value);
  } catch (error) {
    throw new LocalRuntimeError(
      "secret_file_invalid",
      `${keysFile} does not hold a valid key ring (${(error as Error).message}). Restore it from a backup; deleting it makes the stored site API keys unreadable.`,
    );
  }

  if (adminToken !== undefined) {
    return {
      adminToken: checkAdminToken(adminToken, "ADMIN_TOKEN"),
      adminTokenSource: "given",
      encryptionKeys: keys.value,
      encryptionKeysCreated: keys.created,
    };
  }
  const tokenFile = join(dataDir, ADMIN_TOKEN_FILE);
  const token = await loadOrCreate(tokenFile, () => randomToken(32));
  return {
    adminToken: checkAdminToken(token.value, tokenFile),
    adminTokenSource: token.created ? "generated" : "file",
    adminTokenFile: tokenFile,
    encryptionKeys: keys.value,
    encryptionKeysCreated: keys.created,
  };
}
