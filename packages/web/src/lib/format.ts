/**
 * Display formatting through Intl: money in euros, numbers, dates, ages and durations. Every function is
 * total: a value it cannot read is shown as received (or as an em dash when absent), never as "NaN" or
 * "Invalid Date". Template dates are free text (`2025-03-01 10:11:12.123456+00`, `2025-03-01`,
 * `01/03/2025`...), so they are parsed best effort by `parseLooseDate`.
 */
import { type Lang, localeOf } from "./i18n";

const EMPTY = "—";

const numberFormats = new Map<string, Intl.NumberFormat>();
const cachedNumberFormat = (locale: string, options: Intl.NumberFormatOptions): Intl.NumberFormat => {
  const key = `${locale}|${JSON.stringify(options)}`;
  let format = numberFormats.get(key);
  if (!format) {
    format = new Intl.NumberFormat(locale, options);
    numberFormats.set(key, format);
  }
  return format;
};

/** 12, 12.5, "12.5", "12,5", " 1 200 " → a finite number; anything else → null. */
export function toNumber(value: unknown): number | null {
  if (typeof value === "number") return Number.isFinite(value) ? value : null;
  if (typeof value === "string") {
    const cleaned = value
      .trim()
      .replace(/[\s\u00a0\u202f]/g, "")
      .replace(",", ".");
    if (cleaned === "" || !/^[-+]?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?$/i.test(cleaned)) return null;
    const n = Number(cleaned);
    return Number.isFinite(n) ? n : null;
  }
  return null;
}

/** An amount in euros: `1 234,50 €` in French, `€1,234.50` in English. */
export function formatMoney(value: unknown, lang: Lang): string {
  const n = toNumber(value);
  if (n === null) return isBlank(value) ? EMPTY : String(value);
  return cachedNumberFormat(localeOf(lang), { style: "currency", currency: "EUR" }).format(n);
}

/** A compact amount for chart axes: `1,2 k€`. */
export function formatMoneyCompact(value: number, lang: Lang): string {
  return cachedNumberFormat(localeOf(lang), {
    style: "currency",
    currency: "EUR",
    notation: "compact",
    maximumFractionDigits: 1,
  }).format(value);
}

export function formatNumber(value: unknown, lang: Lang): string {
  const n = toNumber(value);
  if (n === null) return isBlank(value) ? EMPTY : String(value);
  return cachedNumberFormat(localeOf(lang), { maximumFractionDigits: 2 }).format(n);
}

export function formatCompact(value: number, lang: Lang): string {
  return cachedNumberFormat(localeOf(lang), { notation: "compact", maximumFractionDigits: 1 }).format(value);
}

const isBlank = (value: unknown): boolean =>
  value === undefined || value === null || (typeof value === "string" && value.trim() === "");

const ISO_LIKE =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?\s*(Z|[+-]\d{2}(?::?\d{2})?)?)?$/i;
const FRENCH = /^(\d{1,2})\/(\d{1,2})\/(\d{4})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2}))?)?$/;

/**
 * Reads the dates a Template or the Dashboard produce. Date-only values and values without a zone are
 * read as local time (so a day shows as that day); values with a zone are exact. Returns null when the
 * text is not a date we can trust.
 */
export function parseLooseDate(value: unknown): Date | null {
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : value;
  if (typeof value === "number") {
    if (!Number.isFinite(value)) return null;
    // Unix seconds are below 1e11 until the year 5138; milliseconds are above it after 1973.
    return new Date(value < 1e11 ? value * 1000 : value);
  }
  if (typeof value !== "string") return null;
  const text = value.trim();
  if (text === "") return null;

  const iso = ISO_LIKE.exec(text);
  if (iso) {
    const [, y, mo, d, h, mi, s, frac, zone] = iso;
    const year = Number(y);
    const month = Number(mo);
    const day = Number(d);
    if (month < 1 || month > 12 || day < 1 || day > 31) return null;
    if (h === undefined) return localDate(year, month, day, 0, 0, 0, 0);
    const ms = frac ? Number(frac.slice(0, 3).padEnd(3, "0")) : 0;
    if (!zone) return localDate(year, month, day, Number(h), Number(mi), Number(s ?? 0), ms);
    const offset = zone.toUpperCase() === "Z" ? "+00:00" : normalizeOffset(zone);
    const normalized = `${y}-${mo}-${d}T${h}:${mi}:${s ?? "00"}.${String(ms).padStart(3, "0")}${offset}`;
    const date = new Date(normalized);
    return Number.isNaN(date.getTime()) ? null : date;
  }

  const fr = FRENCH.exec(text);
  if (fr) {
    const [, d, mo, y, h, mi, s] = fr;
    const month = Number(mo);
    const day = Number(d);
    if (month < 1 || month > 12 || day < 1 || day > 31) return null;
    return localDate(Number(y), month, day, Number(h ?? 0), Number(mi ?? 0), Number(s ?? 0), 0);
  }
  return null;
}

function normalizeOffset(zone: string): string {
  const sign = zone[0];
  const digits = zone.slice(1).replace(":", "");
  const hours = digits.slice(0, 2);
  const minutes = digits.length >= 4 ? digits.slice(2, 4) : "00";
  return `${sign}${hours}:${minutes}`;
}

function localDate(
  y: number,
  mo: number,
  d: number,
  h: number,
  mi: number,
  s: number,
  ms: number,
): Date | null {
  const date = new Date(y, mo - 1, d, h, mi, s, ms);
  // Rejects 31/02 and friends instead of silently rolling over into the next month.
  if (date.getFullYear() !== y || date.getMonth() !== mo - 1 || date.getDate() !== d) return null;
  return date;
}

const dateFormats = new Map<string, Intl.DateTimeFormat>();
const cachedDateFormat = (locale: string, options: Intl.DateTimeFormatOptions): Intl.DateTimeFormat => {
  const key = `${locale}|${JSON.stringify(options)}`;
  let format = dateFormats.get(key);
  if (!format) {
    format = new Intl.DateTimeFormat(locale, options);
    dateFormats.set(key, format);
  }
  return format;
};

/** Date and time, `1 mars 2025, 10:11`; text that is not a date is shown as received. */
export function formatDateTime(value: unknown, lang: Lang): string {
  const date = parseLooseDate(value);
  if (!date) return isBlank(value) ? EMPTY : String(value);
  if (typeof value === "string" && /^\d{4}-\d{2}-\d{2}$/.test(value.trim())) return formatDate(date, lang);
  return cachedDateFormat(localeOf(lang), { dateStyle: "medium", timeStyle: "short" }).format(date);
}

/** The day only, `1 mars 2025`. */
export function formatDate(value: unknown, lang: Lang): string {
  const date = parseLooseDate(value);
  if (!date) return isBlank(value) ? EMPTY : String(value);
  return cachedDateFormat(localeOf(lang), { dateStyle: "medium" }).format(date);
}

/** Short day for chart axes, `1 mars`. */
export function formatShortDate(date: Date, lang: Lang): string {
  return cachedDateFormat(localeOf(lang), { day: "numeric", month: "short" }).format(date);
}

export function formatTime(value: unknown, lang: Lang): string {
  const date = parseLooseDate(value);
  if (!date) return isBlank(value) ? EMPTY : String(value);
  return cachedDateFormat(localeOf(lang), { timeStyle: "medium" }).format(date);
}

const UNITS: ReadonlyArray<[Intl.RelativeTimeFormatUnit, number]> = [
  ["year", 365 * 24 * 3600_000],
  ["month", 30 * 24 * 3600_000],
  ["week", 7 * 24 * 3600_000],
  ["day", 24 * 3600_000],
  ["hour", 3600_000],
  ["minute", 60_000],
  ["second", 1000],
];

/** "il y a 5 minutes" / "5 minutes ago", in the largest unit that fits. */
export function formatRelative(value: unknown, now: Date, lang: Lang): string {
  const date = parseLooseDate(value);
  if (!date) return isBlank(value) ? EMPTY : String(value);
  const diff = date.getTime() - now.getTime();
  const abs = Math.abs(diff);
  const rtf = new Intl.RelativeTimeFormat(localeOf(lang), { numeric: "auto" });
  if (abs < 10_000) return rtf.format(0, "second");
  for (const [unit, size] of UNITS) {
    if (abs >= size) return rtf.format(Math.round(diff / size), unit);
  }
  return rtf.format(Math.round(diff / 1000), "second");
}

/** 350 → "350 ms", 1234 → "1,2 s", 125000 → "2 min 5 s". */
export function formatDuration(ms: unknown, lang: Lang): string {
  const n = toNumber(ms);
  if (n === null || n < 0) return EMPTY;
  const locale = localeOf(lang);
  if (n < 1000) return `${cachedNumberFormat(locale, { maximumFractionDigits: 0 }).format(n)} ms`;
  if (n < 60_000) return `${cachedNumberFormat(locale, { maximumFractionDigits: 1 }).format(n / 1000)} s`;
  const minutes = Math.floor(n / 60_000);
  const seconds = Math.round((n % 60_000) / 1000);
  return seconds === 0 ? `${minutes} min` : `${minutes} min ${seconds} s`;
}

/**
 * A day picked in a date input (`YYYY-MM-DD`, local) → the ISO instant where it starts, or where it ends
 * (last millisecond) for an inclusive "to" bound. Anything else → undefined (the filter is not sent).
 */
export function dayBoundaryIso(day: string, edge: "start" | "end"): string | undefined {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(day.trim());
  if (!match) return undefined;
  const [, y, m, d] = match;
  const date =
    edge === "start"
      ? localDate(Number(y), Number(m), Number(d), 0, 0, 0, 0)
      : localDate(Number(y), Number(m), Number(d), 23, 59, 59, 999);
  return date ? date.toISOString() : undefined;
}
