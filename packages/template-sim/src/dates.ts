/**
 * Dates as the Template stores them: TEXT in whatever format the database or Python produced.
 * - PostgreSQL `CURRENT_TIMESTAMP` cast to text: `2025-03-01 10:11:12.123456+00`
 * - Python `datetime.now().strftime(...)`: `2025-03-01 10:11:12`
 * - Python `datetime.now().isoformat()`: `2025-03-01T10:11:12.123456`
 */

const pad = (n: number, width = 2): string => String(n).padStart(width, "0");

function parts(ms: number): { date: string; time: string } {
  const d = new Date(ms);
  return {
    date: `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`,
    time: `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`,
  };
}

/** `2025-03-01 10:11:12.123456+00`; `micros` are the sub-second digits (0..999999). */
export function pgTimestamp(ms: number, micros: number): string {
  const { date, time } = parts(ms);
  return `${date} ${time}.${pad(micros, 6)}+00`;
}

/** `2025-03-01 10:11:12`. */
export function naiveTimestamp(ms: number): string {
  const { date, time } = parts(ms);
  return `${date} ${time}`;
}

/** `2025-03-01`. */
export function isoDate(ms: number): string {
  return parts(ms).date;
}

/** Python's `datetime.now().isoformat()` (naive, microseconds), from the real clock: only for `stats.timestamp`. */
export function pythonNowIso(now: Date): string {
  const { date, time } = parts(now.getTime());
  return `${date}T${time}.${pad(now.getUTCMilliseconds() * 1000, 6)}`;
}

/**
 * Best-effort parse of the formats above to epoch ms (UTC assumed when no zone). Returns NaN when the text
 * is not a date; the simulator only uses it to place new records after existing ones.
 */
export function parseTemplateDate(text: string): number {
  const m = /^(\d{4})-(\d{2})-(\d{2})(?:[ T](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,6}))?)?)?/.exec(text);
  if (!m) return Number.NaN;
  const [, y, mo, d, h = "0", mi = "0", s = "0", frac = "0"] = m;
  return Date.UTC(+(y ?? 0), +(mo ?? 1) - 1, +(d ?? 1), +h, +mi, +s, Math.floor(+frac.padEnd(6, "0") / 1000));
}

export const DAY_MS = 86_400_000;
