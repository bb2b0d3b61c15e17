import { describe, expect, it } from "vitest";
import { parseStatCpuSeconds, processCpuSeconds } from "./cpu";

describe("parseStatCpuSeconds", () => {
  it("reads utime + stime after a command name holding spaces and parentheses", () => {
    const fields = ["S", "1", "2", "3", "0", "-1", "4194560", "100", "0", "0", "0", "250", "75", "0", "0"];
    const stat = `4242 (node (bench) x) ${fields.join(" ")}`;
    expect(parseStatCpuSeconds(stat, 100)).toBe(3.25);
  });

  it("gives nothing for a line that is not a stat line", () => {
    expect(parseStatCpuSeconds("garbage", 100)).toBeUndefined();
    expect(parseStatCpuSeconds("1 (x) S 1", 100)).toBeUndefined();
  });

  it("reads this very process on Linux, and nothing for a pid that does not exist", () => {
    if (process.platform === "linux") expect(processCpuSeconds(process.pid)).toBeGreaterThanOrEqual(0);
    expect(processCpuSeconds(2 ** 30)).toBeUndefined();
  });
});
