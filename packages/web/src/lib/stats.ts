/**
 * Pure helpers behind the Stats screen: turning a site's stats history into time series, summing the
 * latest figures across sites, and the scales and ticks of the hand-written SVG line charts.
 */
import type { StatsPoint } from "../api/types";
import { parseLooseDate, toNumber } from "./format";

/** The Template's stats keys the UI charts (TEMPLATE-API.md, `/api/export/stats`). */
export const STAT_KEYS = {
  revenue: "total_revenue",
  orders: "orders_count",
  paintings: "paintings_count",
  users: "users_count",
} as const;

export interface Point {
  t: Date;
  v: number;
}

/** One figure over time, oldest first; entries with an unreadable date or value are left out. */
export function seriesOf(history: readonly StatsPoint[], key: string): Point[] {
  // One point per instant (the last one received wins), so a chart never draws two values at once.
  const byTime = new Map<number, Point>();
  for (const entry of history) {
    const t = parseLooseDate(entry.timestamp);
    const v = toNumber(entry.data[key]);
    if (t && v !== null) byTime.set(t.getTime(), { t, v });
  }
  return [...byTime.values()].sort((a, b) => a.t.getTime() - b.t.getTime());
}

export interface Total {
  sum: number;
  /** How many sites contributed a number. */
  sites: number;
}

/** Sum of each site's latest figure, per key. A site without stats, or without that figure, adds nothing. */
export function totalsAcrossSites(
  latest: ReadonlyArray<Record<string, unknown> | null | undefined>,
  keys: readonly string[],
): Record<string, Total> {
  const totals: Record<string, Total> = {};
  for (const key of keys) totals[key] = { sum: 0, sites: 0 };
  for (const stats of latest) {
    if (!stats) continue;
    for (const key of keys) {
      const value = toNumber(stats[key]);
      const total = totals[key];
      if (value !== null && total) {
        total.sum += value;
        total.sites += 1;
      }
    }
  }
  return totals;
}

/** 1, 2, 2.5 or 5 times a power of ten: the step of "nice" axis ticks. */
function niceStep(span: number, count: number): number {
  const rough = span / Math.max(1, count);
  const power = 10 ** Math.floor(Math.log10(rough));
  const fraction = rough / power;
  const nice = fraction <= 1 ? 1 : fraction <= 2 ? 2 : fraction <= 2.5 ? 2.5 : fraction <= 5 ? 5 : 10;
  return nice * power;
}

/** Round tick values covering [min, max] and zero, about `count` steps of 1, 2, 2.5 or 5 × 10ⁿ. */
export function niceTicks(min: number, max: number, count = 4): number[] {
  if (!Number.isFinite(min) || !Number.isFinite(max)) return [0, 1];
  // The axis always shows zero, so a chart never exaggerates a small change.
  const lo = Math.min(min, max, 0);
  let hi = Math.max(min, max, 0);
  // A flat or vanishingly small range gets a unit axis instead of an endless run of tiny steps.
  if (hi - lo < 1e-9) hi = lo + 1;
  const step = niceStep(hi - lo, count);
  const start = Math.floor(lo / step) * step;
  const end = Math.ceil(hi / step) * step;
  const ticks: number[] = [];
  for (let i = 0; start + i * step <= end + step / 2; i++) {
    ticks.push(Number((start + i * step).toPrecision(12)));
  }
  return ticks;
}

/** A linear map from a domain to a range. */
export function scale(domain: [number, number], range: [number, number]): (value: number) => number {
  const [d0, d1] = domain;
  const [r0, r1] = range;
  if (d1 === d0) return () => (r0 + r1) / 2;
  return (value) => r0 + ((value - d0) / (d1 - d0)) * (r1 - r0);
}

/** `count` instants evenly spread over [first, last] (just one when they coincide). */
export function timeTicks(first: Date, last: Date, count = 4): Date[] {
  const a = first.getTime();
  const b = last.getTime();
  if (b <= a || count < 2) return [new Date(a)];
  return Array.from({ length: count }, (_, i) => new Date(a + ((b - a) * i) / (count - 1)));
}

/** The SVG path of a polyline through the given pixel coordinates. */
export function linePath(points: ReadonlyArray<[number, number]>): string {
  return points.map(([x, y], i) => `${i === 0 ? "M" : "L"}${round(x)} ${round(y)}`).join(" ");
}

const round = (n: number): number => Math.round(n * 10) / 10;

/**
 * At most `max` points, keeping the first, the last and an even spread between: a year of 15-minute stats
 * would otherwise draw 35 000 points into a 640-pixel-wide chart.
 */
export function downsample(points: readonly Point[], max: number): Point[] {
  if (points.length <= max || max < 2) return [...points];
  const out: Point[] = [];
  const step = (points.length - 1) / (max - 1);
  for (let i = 0; i < max; i++) {
    const point = points[Math.round(i * step)];
    if (point) out.push(point);
  }
  return out;
}

/**
 * A site's latest figures: the API's `latest`, else the newest history entry (by its timestamp, whatever
 * order the history comes in), else null.
 */
export function latestOf(stats: {
  latest?: Record<string, unknown> | null;
  history: readonly StatsPoint[];
}): Record<string, unknown> | null {
  if (stats.latest) return stats.latest;
  let best: { time: number; data: Record<string, unknown> } | null = null;
  for (const entry of stats.history) {
    const time = parseLooseDate(entry.timestamp)?.getTime();
    if (time !== undefined && (best === null || time >= best.time)) best = { time, data: entry.data };
  }
  return best?.data ?? null;
}
