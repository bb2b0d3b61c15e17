import { describe, expect, it } from "vitest";
import type { Site } from "../src/api/types";
import { STALE_AFTER_MS, siteHealth, sortByHealth } from "../src/lib/health";

const now = new Date("2025-03-01T12:00:00Z");
const minutesAgo = (m: number) => new Date(now.getTime() - m * 60_000).toISOString();

const site = (id: string, over: Partial<Site> = {}): Site => ({
  id,
  name: id,
  template_url: `https://${id}.example`,
  enabled: true,
  created_at: "2025-01-01T00:00:00Z",
  api_key_last4: "abcd",
  ...over,
});

describe("siteHealth", () => {
  it("is ok for a recent successful run, with the data's age", () => {
    const health = siteHealth(
      site("a", { last_run: { run_id: "r", status: "succeeded", finished_at: minutesAgo(5) } }),
      now,
    );
    expect(health).toEqual({ kind: "ok", tone: "success", ageMs: 5 * 60_000 });
  });

  it("is failing when the last run failed, however recent", () => {
    expect(
      siteHealth(site("a", { last_run: { run_id: "r", status: "failed", finished_at: minutesAgo(1) } }), now)
        .kind,
    ).toBe("failing");
  });

  it("is stale past the threshold, and partial when fresh but partial", () => {
    const old = minutesAgo(STALE_AFTER_MS / 60_000 + 1);
    expect(
      siteHealth(site("a", { last_run: { run_id: "r", status: "succeeded", finished_at: old } }), now).kind,
    ).toBe("stale");
    expect(
      siteHealth(site("a", { last_run: { run_id: "r", status: "partial", finished_at: minutesAgo(2) } }), now)
        .kind,
    ).toBe("partial");
  });

  it("says never synced without a finished run, syncing while one runs, disabled when disabled", () => {
    expect(siteHealth(site("a"), now)).toMatchObject({ kind: "never", ageMs: null });
    expect(
      siteHealth(site("a", { last_run: { run_id: "r", status: "running", finished_at: undefined } }), now)
        .kind,
    ).toBe("syncing");
    expect(
      siteHealth(
        site("a", {
          enabled: false,
          last_run: { run_id: "r", status: "failed", finished_at: minutesAgo(1) },
        }),
        now,
      ).kind,
    ).toBe("disabled");
  });
});

describe("sortByHealth", () => {
  it("lists failing and stale sites first and disabled ones last", () => {
    const sites = [
      site("ok", { last_run: { run_id: "1", status: "succeeded", finished_at: minutesAgo(3) } }),
      site("off", { enabled: false }),
      site("stale", { last_run: { run_id: "2", status: "succeeded", finished_at: minutesAgo(600) } }),
      site("failing", { last_run: { run_id: "3", status: "failed", finished_at: minutesAgo(1) } }),
      site("partial", { last_run: { run_id: "4", status: "partial", finished_at: minutesAgo(1) } }),
      site("never"),
    ];
    expect(sortByHealth(sites, now).map((s) => s.id)).toEqual([
      "failing",
      "never",
      "stale",
      "partial",
      "ok",
      "off",
    ]);
  });

  it("puts the oldest data first within a rank, then sorts by name", () => {
    const sites = [
      site("b", { last_run: { run_id: "1", status: "succeeded", finished_at: minutesAgo(1) } }),
      site("c", { last_run: { run_id: "2", status: "succeeded", finished_at: minutesAgo(9) } }),
      site("a", { last_run: { run_id: "3", status: "succeeded", finished_at: minutesAgo(1) } }),
    ];
    expect(sortByHealth(sites, now).map((s) => s.id)).toEqual(["c", "a", "b"]);
  });
});
