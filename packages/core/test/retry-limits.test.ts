import { describe, expect, it } from "vitest";
import { parseRetryDelays, retryDelaySeconds } from "../src/retry";
import { boundedRaw, MAX_RAW_BYTES, whyUnstorable } from "../src/store/limits";
import { createId, idTime } from "../src/util/id";

describe("the retry schedule", () => {
  it("waits 30 s, 2 min, 8 min (±25 %) after the 1st, 2nd and 3rd failed attempt, then keeps the last", () => {
    for (const [attempt, nominal] of [
      [1, 30],
      [2, 120],
      [3, 480],
      [4, 480],
    ] as const) {
      expect(retryDelaySeconds(attempt, { random: () => 0 })).toBe(Math.round(nominal * 0.75));
      expect(retryDelaySeconds(attempt, { random: () => 0.5 })).toBe(nominal);
      expect(retryDelaySeconds(attempt, { random: () => 1 })).toBe(Math.round(nominal * 1.25));
    }
  });

  it("honours a longer Retry-After, never waits less than a second, never more than SQS allows", () => {
    expect(retryDelaySeconds(1, { random: () => 0.5, retryAfterMs: 90_500 })).toBe(91);
    expect(retryDelaySeconds(1, { random: () => 0.5, retryAfterMs: 1_000 })).toBe(30);
    expect(retryDelaySeconds(1, { delays: [1], random: () => 0 })).toBe(1);
    expect(retryDelaySeconds(1, { random: () => 0.5, retryAfterMs: 100 * 3600_000 })).toBe(12 * 3600);
  });

  it("reads SYNC_RETRY_DELAYS_SECONDS, and refuses what is not whole positive seconds", () => {
    expect(parseRetryDelays(undefined)).toEqual([30, 120, 480]);
    expect(parseRetryDelays(" 2, 4 ")).toEqual([2, 4]);
    for (const bad of ["0", "2,x", "1.5", "-3", "50000"])
      expect(() => parseRetryDelays(bad)).toThrow(/whole seconds/);
  });
});

describe("what DynamoDB cannot store", () => {
  it("names a number out of range, too deep a nesting and too large an item; accepts the rest", () => {
    let deep: unknown = 1;
    for (let i = 0; i < 40; i++) deep = [deep];
    expect(whyUnstorable({ data: { price: 1e200 } })).toBe("price_out_of_range");
    expect(whyUnstorable({ data: { items: [{ tiny: 1e-200 }] } })).toBe("items.0.tiny_out_of_range");
    expect(whyUnstorable({ data: { deep } })).toMatch(/^deep(\.0)+_too_deep$/);
    expect(whyUnstorable({ data: 1e300 })).toBe("record_out_of_range");
    expect(whyUnstorable({ data: { text: "é".repeat(250_000) } })).toBe("too_large");
    expect(
      whyUnstorable({ data: { price: 1234567.9, zero: 0, neg: -5e125, text: "x".repeat(300_000) } }),
    ).toBe(undefined);
  });

  it("keeps a small raw record as it is and cuts a large or deep one to a bounded preview", () => {
    const small = { id: 1, name: "Lac" };
    expect(boundedRaw(small)).toBe(small);
    const cut = boundedRaw({ id: 2, notes: "x".repeat(100_000) }) as {
      truncated: boolean;
      json_start: string;
    };
    expect(cut.truncated).toBe(true);
    expect(cut.json_start.length).toBeLessThanOrEqual(MAX_RAW_BYTES);
    let deep: unknown = 1;
    for (let i = 0; i < 40; i++) deep = { n: deep };
    expect(boundedRaw({ id: 3, deep })).toMatchObject({ truncated: true });
  });
});

describe("idTime", () => {
  it("reads the creation time of a prefixed ulid, and nothing from another shape", () => {
    const before = Date.now();
    const id = createId("run");
    const time = idTime(id) ?? 0;
    expect(time).toBeGreaterThanOrEqual(before);
    expect(time).toBeLessThanOrEqual(Date.now());
    expect(idTime("run_not-a-ulid")).toBeUndefined();
  });
});
