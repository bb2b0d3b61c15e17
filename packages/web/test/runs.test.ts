import { describe, expect, it } from "vitest";
import type { EntityResult, Run } from "../src/api/types";
import {
  hasActiveRun,
  orderedEntities,
  reasonText,
  runDurationMs,
  runProgress,
  runTotals,
} from "../src/lib/runs";

/** An entity's result as the API answers it; statuses and entities the UI does not know are allowed on purpose. */
const result = (status: string, fetched = 0, extra: Record<string, unknown> = {}) =>
  ({
    status,
    fetched,
    valid: fetched,
    flagged: 0,
    rejected: 0,
    invalid: 0,
    written: fetched,
    unchanged: 0,
    deleted: 0,
    pages: 0,
    ...extra,
  }) as EntityResult;

const run = (id: string, status: string, entities: Record<string, EntityResult> = {}) =>
  ({
    run_id: id,
    site_id: "s",
    trigger: "manual",
    status,
    started_at: "2025-03-01T12:00:00Z",
    entities,
  }) as Run;

describe("orderedEntities", () => {
  it("lists entities in processing order, unknown ones last by name", () => {
    const r = run("1", "running", {
      stats: result("pending"),
      zeta: result("pending"),
      paintings: result("running"),
      alpha: result("pending"),
      users: result("pending"),
    });
    expect(orderedEntities(r).map(([name]) => name)).toEqual([
      "paintings",
      "users",
      "stats",
      "alpha",
      "zeta",
    ]);
  });
});

describe("runProgress and runTotals", () => {
  it("counts finished entities (succeeded, failed, skipped) and sums records", () => {
    const r = run("1", "running", {
      paintings: result("succeeded", 10, { invalid: 2 }),
      users: result("failed"),
      orders: result("skipped"),
      settings: result("running", 4),
      stats: result("pending"),
    });
    expect(runProgress(r)).toEqual({ done: 3, total: 5, failed: 1 });
    expect(runTotals(r)).toEqual({ fetched: 14, written: 14, invalid: 2 });
  });
});

describe("runDurationMs", () => {
  it("measures to the finish, or to now while running, and gives up on unreadable dates", () => {
    const now = new Date("2025-03-01T12:00:30Z");
    expect(
      runDurationMs({ started_at: "2025-03-01T12:00:00Z", finished_at: "2025-03-01T12:00:10Z" }, now),
    ).toBe(10_000);
    expect(runDurationMs({ started_at: "2025-03-01T12:00:00Z", finished_at: undefined }, now)).toBe(30_000);
    expect(runDurationMs({ started_at: "soon", finished_at: undefined }, now)).toBeNull();
  });
});

describe("hasActiveRun", () => {
  it("is true while any run on screen is queued or running (the runs list polls then)", () => {
    const runs = [run("3", "running"), run("2", "succeeded"), run("1", "failed")];
    expect(hasActiveRun(runs)).toBe(true);
    expect(hasActiveRun([run("4", "queued")])).toBe(true);
    expect(hasActiveRun(runs.slice(1))).toBe(false);
  });
});

describe("reasonText", () => {
  it("reads text reasons and {path, message} reasons", () => {
    expect(reasonText("price: must be a number")).toBe("price: must be a number");
    expect(reasonText({ path: ["items", 0, "price"], message: "required" })).toBe("items.0.price: required");
    expect(reasonText({ field: "email", code: "invalid" })).toBe("email: invalid");
    expect(reasonText({ other: 1 })).toBe('{"other":1}');
  });
});
