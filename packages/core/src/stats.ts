/**
 * Stats history: every sync of `/api/export/stats` appends one item, so the UI can chart a site over time.
 */
import * as z from "zod";
import type { Ctx } from "./context";
import { VisibleError } from "./error";
import { type Item, keyRange, queryAll } from "./store/db";
import { defineEntity } from "./store/entity";
import { Keys } from "./store/keys";
import { assertDateRange, epochSeconds } from "./util/time";

/** Stats points are kept this long. */
export const STATS_RETENTION_DAYS = 400;
/** At most this many points are returned by one history request (the most recent in the range). */
export const MAX_HISTORY_POINTS = 2_000;

export const StatsPoint = z.object({ timestamp: z.string(), data: z.record(z.string(), z.unknown()) });
export type StatsPoint = z.infer<typeof StatsPoint>;

export const StatsHistory = z.object({
  latest: z.record(z.string(), z.unknown()).nullable(),
  history: z.array(StatsPoint),
});
export type StatsHistory = z.infer<typeof StatsHistory>;

/** One point of a site's stats history, under its time. */
const StatsPointItem = defineEntity({
  type: "stats",
  schema: StatsPoint,
  key: (siteId: string, timestamp: string) => Keys.stats(siteId, timestamp),
});

export const statsItem = (ctx: Ctx, siteId: string, point: StatsPoint): Item =>
  StatsPointItem.item([siteId, point.timestamp], {
    site_id: siteId,
    expires_at: epochSeconds(ctx.now()) + STATS_RETENTION_DAYS * 86_400,
    ...point,
  });

const isoOrThrow = (value: string, name: string): string => {
  const ms = Date.parse(value);
  if (Number.isNaN(ms)) {
    throw new VisibleError(
      "invalid_request",
      "invalid_date",
      `${name} must be an ISO date such as 2025-03-01`,
      {
        [name]: value,
      },
    );
  }
  return new Date(ms).toISOString();
};

/** Latest point and the history in [from, to], oldest first. */
export async function history(
  ctx: Ctx,
  siteId: string,
  range: { from?: string; to?: string } = {},
): Promise<StatsHistory> {
  const from = range.from ? isoOrThrow(range.from, "from") : undefined;
  const to = range.to
    ? /^\d{4}-\d{2}-\d{2}$/.test(range.to)
      ? `${range.to}T23:59:59.999Z`
      : isoOrThrow(range.to, "to")
    : undefined;
  assertDateRange(from, to, range);
  const points: StatsPoint[] = [];
  for await (const items of queryAll(ctx, {
    ...keyRange({ pk: Keys.statsPartition(siteId), from, to }),
    ScanIndexForward: false,
    Limit: MAX_HISTORY_POINTS,
  })) {
    for (const item of items)
      if (points.length < MAX_HISTORY_POINTS) points.push(StatsPointItem.schema.parse(item));
    if (points.length >= MAX_HISTORY_POINTS) break;
  }
  let latest: Record<string, unknown> | null = null;
  for await (const items of queryAll(ctx, {
    ...keyRange({ pk: Keys.statsPartition(siteId) }),
    ScanIndexForward: false,
    Limit: 1,
  })) {
    latest = items[0] ? StatsPointItem.schema.parse(items[0]).data : null;
    break;
  }
  return { latest, history: points.reverse() };
}
