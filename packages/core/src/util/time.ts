import { VisibleError } from "../error";

/** Timestamps the Dashboard creates: ISO 8601 UTC. */
export const isoNow = (now: Date = new Date()): string => now.toISOString();

export const epochSeconds = (date: Date): number => Math.floor(date.getTime() / 1000);

const TEMPLATE_DATE =
  /^(\d{4})-(\d{2})-(\d{2})(?:[ T](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?)?\s*(Z|[+-]\d{2}(?::?\d{2})?)?$/i;

/**
 * A sortable form of a date the Template stored as TEXT (`2025-03-01 10:11:12.123456+00`, `2025-03-01`,
 * ISO...). Best effort: returns an ISO-like UTC string `YYYY-MM-DDTHH:MM:SS.ffffffZ`, or null when the text
 * is not a date. Only used for ordering and range filters; the original text is always kept.
 */
export const sortableDate = (text: string | null | undefined): string | null => {
  if (!text) return null;
  const m = TEMPLATE_DATE.exec(text.trim());
  if (!m) {
    const parsed = Date.parse(text);
    return Number.isNaN(parsed) ? null : new Date(parsed).toISOString().replace("Z", "000Z");
  }
  const [, y, mo, d, h = "00", mi = "00", s = "00", frac = "", zone] = m;
  const micros = `${frac}000000`.slice(0, 6);
  let ms = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s));
  if (Number.isNaN(ms)) return null;
  if (zone && zone.toUpperCase() !== "Z") {
    const sign = zone.startsWith("-") ? -1 : 1;
    const digits = zone.slice(1).replace(":", "");
    const offsetMin = Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2, 4) || "0");
    ms -= sign * offsetMin * 60_000;
  }
  const iso = new Date(ms).toISOString(); // 2025-03-01T10:11:12.000Z
  return `${iso.slice(0, 19)}.${micros}Z`;
};

/**
 * A date the Template stored as TEXT, written as ISO 8601 for an export: a bare date stays a date
 * (`2025-03-01`), a time without a zone keeps its wall-clock time (`2025-03-01T10:11:12`, the Template's
 * zone not being known), a time with a zone becomes UTC (`2025-03-01T09:11:12.000Z`). Text that is not a
 * date is returned as it is (an export never drops what the Template holds).
 */
export const isoDate = (text: string | null | undefined): string | null => {
  if (text === null || text === undefined) return null;
  const trimmed = text.trim();
  const m = TEMPLATE_DATE.exec(trimmed);
  if (!m) {
    const parsed = Date.parse(trimmed);
    return Number.isNaN(parsed) ? text : new Date(parsed).toISOString();
  }
  const [, y, mo, d, h, mi, s = "00", frac, zone] = m;
  if (h === undefined) return `${y}-${mo}-${d}`;
  if (zone) {
    const sortable = sortableDate(trimmed);
    return sortable ? new Date(`${sortable.slice(0, 23)}Z`).toISOString() : text;
  }
  return `${y}-${mo}-${d}T${h}:${mi}:${s}${frac ? `.${frac}` : ""}`;
};

/** `from` after `to` is a caller's mistake (DynamoDB would refuse the BETWEEN with an internal error). */
export const assertDateRange = (
  from: string | undefined,
  to: string | undefined,
  asked: { from?: string; to?: string },
): void => {
  if (from !== undefined && to !== undefined && from > to) {
    throw new VisibleError(
      "invalid_request",
      "invalid_date_range",
      "from must not be after to: swap the two dates",
      { from: asked.from, to: asked.to },
    );
  }
};
