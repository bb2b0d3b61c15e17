/**
 * What DynamoDB refuses to store, checked before a batch is written so that one such record is rejected on
 * its own (with its reason) instead of failing the whole batch: numbers beyond DynamoDB's range, more than
 * 32 levels of nesting, an item over 400 KB.
 */

/** DynamoDB numbers: magnitudes from 1e-130 to 9.99…e125 (below 1e126), 38 significant digits. */
const NUMBER_CEILING = 1e126;
const MIN_NUMBER = 1e-130;
/** DynamoDB's nesting limit for lists and maps. */
export const MAX_NESTING = 32;
/** DynamoDB's item limit is 400 KB; the JSON size is a close, slightly larger estimate, kept below it. */
export const MAX_ITEM_BYTES = 390 * 1024;
/** What a rejected record's stored raw copy may weigh. */
export const MAX_RAW_BYTES = 8 * 1024;

/**
 * Why DynamoDB would refuse this item, as a stable rejection code the UI words (`<field>_out_of_range`,
 * `<field>_too_deep`, `too_large`; the field is the record's, without the item's `data.`); undefined when it
 * can be stored.
 */
export function whyUnstorable(item: unknown): string | undefined {
  const problem = walk(item, "", 0);
  if (problem) return `${problem.path.replace(/^data(\.|$)/, "") || "record"}_${problem.code}`;
  const bytes = Buffer.byteLength(JSON.stringify(item) ?? "", "utf8");
  return bytes > MAX_ITEM_BYTES ? "too_large" : undefined;
}

type Problem = { path: string; code: "out_of_range" | "too_deep" };

function walk(value: unknown, path: string, depth: number): Problem | undefined {
  if (typeof value === "number") {
    const abs = Math.abs(value);
    if (!Number.isFinite(value) || (abs !== 0 && (abs >= NUMBER_CEILING || abs < MIN_NUMBER))) {
      return { path, code: "out_of_range" };
    }
    return undefined;
  }
  if (value === null || typeof value !== "object") return undefined;
  if (depth >= MAX_NESTING) return { path, code: "too_deep" };
  const entries: [string, unknown][] = Array.isArray(value)
    ? value.map((v, i) => [String(i), v])
    : Object.entries(value);
  for (const [key, child] of entries) {
    const problem = walk(child, path ? `${path}.${key}` : key, depth + 1);
    if (problem) return problem;
  }
  return undefined;
}

/**
 * The raw copy of a rejected record as it is kept: as received when it is small and storable, otherwise
 * the start of its JSON text (so a record rejected for its size or depth can still be read and stored).
 */
export function boundedRaw(raw: unknown): unknown {
  const text = JSON.stringify(raw) ?? "null";
  if (Buffer.byteLength(text, "utf8") <= MAX_RAW_BYTES && walk(raw, "", 1) === undefined) return raw;
  return {
    truncated: true,
    bytes: Buffer.byteLength(text, "utf8"),
    json_start: text.slice(0, MAX_RAW_BYTES / 2),
  };
}
