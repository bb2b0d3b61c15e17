import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  downsample,
  latestOf,
  linePath,
  niceTicks,
  scale,
  seriesOf,
  timeTicks,
  totalsAcrossSites,
} from "../src/lib/stats";

describe("seriesOf", () => {
  it("sorts by time, reads numeric text, skips unreadable entries and keeps one value per instant", () => {
    const series = seriesOf(
      [
        { timestamp: "2025-03-02T00:00:00Z", data: { total_revenue: "200.5" } },
        { timestamp: "2025-03-01T00:00:00Z", data: { total_revenue: 100 } },
        { timestamp: "garbage", data: { total_revenue: 1 } },
        { timestamp: "2025-03-03T00:00:00Z", data: { total_revenue: "n/a" } },
        { timestamp: "2025-03-02T00:00:00Z", data: { total_revenue: 250 } },
      ],
      "total_revenue",
    );
    expect(series.map((p) => [p.t.toISOString().slice(0, 10), p.v])).toEqual([
      ["2025-03-01", 100],
      ["2025-03-02", 250],
    ]);
  });
});

describe("totalsAcrossSites", () => {
  it("sums each site's latest figure and counts who contributed", () => {
    const totals = totalsAcrossSites(
      [
        { total_revenue: 100.5, orders_count: 2 },
        null,
        { total_revenue: "50", orders_count: "x" },
        undefined,
      ],
      ["total_revenue", "orders_count", "paintings_count"],
    );
    expect(totals).toEqual({
      total_revenue: { sum: 150.5, sites: 2 },
      orders_count: { sum: 2, sites: 1 },
      paintings_count: { sum: 0, sites: 0 },
    });
  });
});

describe("latestOf", () => {
  it("prefers latest, else the newest history entry whatever the order", () => {
    expect(latestOf({ latest: { a: 1 }, history: [] })).toEqual({ a: 1 });
    expect(
      latestOf({
        latest: null,
        history: [
          { timestamp: "2025-03-02T00:00:00Z", data: { a: 2 } },
          { timestamp: "2025-03-03T00:00:00Z", data: { a: 3 } },
          { timestamp: "2025-03-01T00:00:00Z", data: { a: 1 } },
        ],
      }),
    ).toEqual({ a: 3 });
    expect(latestOf({ latest: null, history: [] })).toBeNull();
  });
});

describe("niceTicks", () => {
  it("gives round ticks from zero", () => {
    expect(niceTicks(3, 97)).toEqual([0, 25, 50, 75, 100]);
    expect(niceTicks(0, 0)).toEqual([0, 0.25, 0.5, 0.75, 1]);
    expect(niceTicks(1200, 12460)).toEqual([0, 5000, 10000, 15000]);
  });

  it("always covers the data, ascending, with few ticks", () => {
    fc.assert(
      fc.property(
        fc.double({ min: -1e9, max: 1e9, noNaN: true }),
        fc.double({ min: -1e9, max: 1e9, noNaN: true }),
        (a, b) => {
          const ticks = niceTicks(a, b);
          const first = ticks[0] as number;
          const last = ticks.at(-1) as number;
          expect(first).toBeLessThanOrEqual(Math.min(a, b, 0) + 1e-6 * Math.max(1, Math.abs(Math.min(a, b))));
          expect(last).toBeGreaterThanOrEqual(Math.max(a, b) - 1e-6 * Math.max(1, Math.abs(Math.max(a, b))));
          expect(ticks.length).toBeLessThanOrEqual(12);
          for (let i = 1; i < ticks.length; i++) expect(ticks[i]).toBeGreaterThan(ticks[i - 1] as number);
        },
      ),
    );
  });
});

describe("downsample", () => {
  it("keeps at most max points, always the first and the last", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2000 }), fc.integer({ min: 2, max: 300 }), (n, max) => {
        const points = Array.from({ length: n }, (_, i) => ({ t: new Date(i * 1000), v: i }));
        const out = downsample(points, max);
        expect(out.length).toBe(Math.min(n, max));
        if (n > 0) {
          expect(out[0]).toBe(points[0]);
          expect(out.at(-1)).toBe(points.at(-1));
        }
      }),
    );
  });
});

describe("chart geometry", () => {
  it("maps domains to ranges, draws paths and spreads time ticks", () => {
    const y = scale([0, 100], [200, 0]);
    expect(y(0)).toBe(200);
    expect(y(50)).toBe(100);
    expect(scale([5, 5], [0, 10])(5)).toBe(5);
    expect(
      linePath([
        [0, 0],
        [10.04, 5.06],
      ]),
    ).toBe("M0 0 L10 5.1");
    const ticks = timeTicks(new Date(0), new Date(3000), 4);
    expect(ticks.map((d) => d.getTime())).toEqual([0, 1000, 2000, 3000]);
    expect(timeTicks(new Date(5), new Date(5))).toHaveLength(1);
  });
});
