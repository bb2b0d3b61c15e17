import { describe, expect, it } from "vitest";
import { percentile, renderTable, round } from "./stats";

describe("percentile", () => {
  const oneToHundred = Array.from({ length: 100 }, (_, i) => 100 - i);

  it("takes the nearest rank, whatever the order of the samples", () => {
    expect(percentile(oneToHundred, 50)).toBe(50);
    expect(percentile(oneToHundred, 95)).toBe(95);
    expect(percentile(oneToHundred, 99)).toBe(99);
    expect(percentile(oneToHundred, 100)).toBe(100);
    expect(percentile(oneToHundred, 0)).toBe(1);
    expect(percentile([7, 1, 3], 50)).toBe(3);
  });

  it("on a few samples, p95 and p99 are the worst one", () => {
    const ten = [120, 80, 95, 101, 99, 310, 100, 98, 97, 96];
    expect(percentile(ten, 95)).toBe(310);
    expect(percentile(ten, 99)).toBe(310);
  });

  it("has no value without samples and refuses a rank outside 0..100", () => {
    expect(percentile([], 50)).toBeUndefined();
    expect(() => percentile([1], 101)).toThrow(RangeError);
    expect(() => percentile([1], Number.NaN)).toThrow(RangeError);
  });

  it("does not reorder the caller's array", () => {
    const samples = [3, 1, 2];
    percentile(samples, 50);
    expect(samples).toEqual([3, 1, 2]);
  });
});

describe("round and renderTable", () => {
  it("rounds to the digits asked", () => {
    expect(round(1.23456)).toBe(1.23);
    expect(round(1.5, 0)).toBe(2);
    expect(round(0.6666, 3)).toBe(0.667);
  });

  it("pads every column to its widest cell, the first to the left, the others to the right", () => {
    const text = renderTable(
      ["name", "value"],
      [
        ["full sync", "58.5 s"],
        ["fan-out", "4.1 s"],
      ],
    );
    expect(text.split("\n")).toEqual([
      "name        value",
      "---------  ------",
      "full sync  58.5 s",
      "fan-out     4.1 s",
    ]);
  });
});
