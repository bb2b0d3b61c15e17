import { CHANGE_FILTERS } from "@dashboard/core/activity/stream";
import { describe, expect, it } from "vitest";
import { passesFilters } from "../src/filters";

/** A stream record in Lambda's shape, with the new image's `type` (and `status`) marshalled. */
const record = (eventName: string, type: string, extra: Record<string, unknown> = {}) => ({
  eventID: "1",
  eventName,
  eventSource: "aws:dynamodb",
  dynamodb: { SequenceNumber: "100", NewImage: { type: { S: type }, ...extra } },
});

describe("Lambda's event filtering, as the local stream poller applies it", () => {
  it("passes everything without patterns", () => {
    expect(passesFilters(undefined, record("MODIFY", "lease"))).toBe(true);
    expect(passesFilters([], record("MODIFY", "lease"))).toBe(true);
  });

  it("lets through what the change processor acts on", () => {
    expect(passesFilters(CHANGE_FILTERS, record("INSERT", "record"))).toBe(true);
    expect(passesFilters(CHANGE_FILTERS, record("MODIFY", "record"))).toBe(true);
    expect(passesFilters(CHANGE_FILTERS, record("MODIFY", "setting"))).toBe(true);
    expect(passesFilters(CHANGE_FILTERS, record("MODIFY", "site"))).toBe(true);
    expect(passesFilters(CHANGE_FILTERS, record("MODIFY", "run", { status: { S: "failed" } }))).toBe(true);
    expect(passesFilters(CHANGE_FILTERS, record("INSERT", "event"))).toBe(true);
  });

  it("drops the rest: run progress, the processor's own writes, log lines, leases, removals", () => {
    expect(passesFilters(CHANGE_FILTERS, record("MODIFY", "run", { status: { S: "running" } }))).toBe(false);
    expect(passesFilters(CHANGE_FILTERS, record("MODIFY", "run"))).toBe(false);
    expect(passesFilters(CHANGE_FILTERS, record("INSERT", "history"))).toBe(false);
    expect(passesFilters(CHANGE_FILTERS, record("MODIFY", "event"))).toBe(false);
    expect(passesFilters(CHANGE_FILTERS, record("INSERT", "log"))).toBe(false);
    expect(passesFilters(CHANGE_FILTERS, record("MODIFY", "lease"))).toBe(false);
    const removed = { eventName: "REMOVE", dynamodb: { OldImage: { type: { S: "record" } } } };
    expect(passesFilters(CHANGE_FILTERS, removed)).toBe(false);
  });
});
