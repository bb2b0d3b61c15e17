/**
 * JSON exactly as Flask's `jsonify` writes it in production: `json.dumps(obj, sort_keys=True,
 * ensure_ascii=True, separators=(",", ":"))` plus a trailing newline. Python floats keep their `.0`
 * (`450.0`), so the fields backed by REAL columns are written that way.
 *
 * Built on the native JSON.stringify (a 50,000-record page must stay fast): objects whose keys are not
 * already sorted are copied in sorted order, then two passes over the text add what Python does
 * differently (non-ASCII as \uXXXX, `.0` on whole floats).
 */

/** Keys whose numeric values are Python floats in the Template's responses. */
const FLOAT_FIELD = /([{,]"(?:price|total_price|total_revenue)":)(-?\d+)(?=[,}])/g;
/** ensure_ascii: everything from DEL up, as UTF-16 code units in lower-case hex (like Python). */
const NON_ASCII = /[\u007f-\uffff]/g;

function sortKeysDeep(value: unknown): unknown {
  if (value === null || typeof value !== "object") return value;
  if (Array.isArray(value)) {
    let copy: unknown[] | undefined;
    for (let i = 0; i < value.length; i++) {
      const item = value[i];
      const sorted = sortKeysDeep(item);
      if (sorted !== item) {
        copy ??= value.slice();
        copy[i] = sorted;
      }
    }
    return copy ?? value;
  }
  const obj = value as Record<string, unknown>;
  const keys = Object.keys(obj);
  let inOrder = true;
  for (let i = 1; i < keys.length; i++) {
    if ((keys[i - 1] as string) > (keys[i] as string)) {
      inOrder = false;
      break;
    }
  }
  let changed = !inOrder;
  const children: unknown[] = new Array(keys.length);
  for (let i = 0; i < keys.length; i++) {
    const child = obj[keys[i] as string];
    const sorted = sortKeysDeep(child);
    children[i] = sorted;
    if (sorted !== child) changed = true;
  }
  if (!changed) return obj;
  const order = keys.map((k, i) => [k, children[i]] as const);
  if (!inOrder) order.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  const out: Record<string, unknown> = {};
  for (const [k, v] of order) out[k] = v;
  return out;
}

const escapeUnit = (c: string): string => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`;

/** The body `jsonify(value)` would send, trailing newline included. */
export function flaskJson(value: unknown): string {
  const text = JSON.stringify(sortKeysDeep(value)) ?? "null";
  return `${text.replace(NON_ASCII, escapeUnit).replace(FLOAT_FIELD, "$1$2.0")}\n`;
}
