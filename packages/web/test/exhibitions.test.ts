import { describe, expect, it } from "vitest";
import type { Exhibition } from "../src/api/types";
import { byDateDesc } from "../src/screens/Exhibitions";

describe("exhibitions", () => {
  it("sort by date, newest first across sites, undated last", () => {
    const e = (id: number, site_id: string, date: string | null) =>
      ({ id, site_id, date, quality: [] }) as unknown as Exhibition;
    const sorted = byDateDesc([
      e(1, "a", "2025-03-01"),
      e(2, "b", null),
      e(3, "b", "2025-06-15"),
      e(4, "a", "2024-12-31"),
    ]);
    expect(sorted.map((x) => x.id)).toEqual([3, 1, 4, 2]);
  });
});
