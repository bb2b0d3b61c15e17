import { createHash } from "node:crypto";

/** A canonical array index ("0", "7", "42"; not "07" or "4294967295"): such keys come first in an object. */
const isArrayIndex = (key: string): boolean =>
  /^(?:0|[1-9]\d{0,9})$/.test(key) && Number(key) < 4_294_967_295;

/**
 * An object's keys in canonical order: array-index keys in numeric order, then the others sorted by UTF-16
 * code units (the order an object built from the sorted keys takes, so the text never changed).
 */
const canonicalKeys = (value: object): string[] => {
  const keys = Object.keys(value);
  const indexes: string[] = [];
  const names: string[] = [];
  for (const key of keys) (isArrayIndex(key) ? indexes : names).push(key);
  if (indexes.length === 0) return names.sort();
  indexes.sort((a, b) => Number(a) - Number(b));
  return indexes.concat(names.sort());
};

/** `JSON.stringify` of one value with sorted keys; undefined where JSON.stringify leaves a value out. */
const write = (input: unknown, key: string): string | undefined => {
  let value = input;
  if (value !== null && (typeof value === "object" || typeof value === "bigint")) {
    const { toJSON } = value as { toJSON?: unknown };
    if (typeof toJSON === "function") value = toJSON.call(value, key);
  }
  if (value === null || typeof value !== "object") return JSON.stringify(value);
  if (Array.isArray(value)) {
    let text = "[";
    for (let i = 0; i < value.length; i++) {
      if (i > 0) text += ",";
      text += write(value[i], String(i)) ?? "null";
    }
    return `${text}]`;
  }
  let text = "{";
  let first = true;
  const object = value as Record<string, unknown>;
  for (const name of canonicalKeys(object)) {
    const member = write(object[name], name);
    if (member === undefined) continue;
    text += `${first ? "" : ","}${JSON.stringify(name)}:${member}`;
    first = false;
  }
  return `${text}}`;
};

/**
 * JSON with object keys sorted at every level, so equal content always gives equal text. Written out
 * directly rather than through a `JSON.stringify` replacer that rebuilt every object from sorted entries:
 * the same text, without three short-lived copies of each record (this runs once per synced record).
 */
export const canonicalJson = (value: unknown): string => write(value, "") as string;

export const contentHash = (value: unknown): string =>
  createHash("sha256").update(canonicalJson(value)).digest("base64url").slice(0, 32);
