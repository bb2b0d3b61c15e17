/**
 * CSV as spreadsheets read it (RFC 4180): fields separated by `,` (or `;`, what a French Excel expects),
 * quoted when they hold the separator, a quote or a line break (quotes doubled), lines ended by CRLF, the
 * whole file UTF-8 with a byte-order mark so Excel reads accents right ("Étude", not "Ã‰tude").
 *
 * Cells are values, never formulas: text starting with `=`, `+`, `-`, `@` (and tab or carriage return,
 * which some spreadsheets strip before reading a formula) gets a leading `'` (OWASP "CSV injection"), so a
 * customer named `=HYPERLINK(...)` stays text. Numbers are written as numbers (a negative price is not text).
 * `null` and absent values are empty cells.
 */
import * as z from "zod";

export const Separator = z.enum([",", ";"]);
export type Separator = z.infer<typeof Separator>;

/** U+FEFF: tells Excel (and others) the file is UTF-8. */
export const BOM = "\uFEFF";

export const LINE_END = "\r\n";

const FORMULA_START = /^[=+\-@\t\r]/;

/** One value as a CSV field. */
export function cell(value: unknown, separator: Separator): string {
  if (value === null || value === undefined) return "";
  if (typeof value === "number") return Number.isFinite(value) ? String(value) : "";
  if (typeof value === "boolean") return value ? "true" : "false";
  let text = typeof value === "string" ? value : JSON.stringify(value);
  if (FORMULA_START.test(text)) text = `'${text}`;
  const quoted = text.includes(separator) || text.includes('"') || text.includes("\n") || text.includes("\r");
  return quoted ? `"${text.replaceAll('"', '""')}"` : text;
}

/** One line: its fields, separated, ended by CRLF. */
export const line = (values: readonly unknown[], separator: Separator): string =>
  values.map((v) => cell(v, separator)).join(separator) + LINE_END;
