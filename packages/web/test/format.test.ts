import { describe, expect, it } from "vitest";
import {
  dayBoundaryIso,
  formatDate,
  formatDateTime,
  formatDuration,
  formatMoney,
  formatNumber,
  formatRelative,
  parseLooseDate,
  toNumber,
} from "../src/lib/format";

/** Intl uses narrow and regular no-break spaces in French; tests compare with plain spaces. */
const plain = (text: string) => text.replace(/[\u00a0\u202f]/g, " ");

describe("toNumber", () => {
  it("reads numbers and numeric text, French decimal comma included", () => {
    expect(toNumber(12)).toBe(12);
    expect(toNumber("12.5")).toBe(12.5);
    expect(toNumber(" 12,5 ")).toBe(12.5);
    expect(toNumber("1 200")).toBe(1200);
    expect(toNumber("-3")).toBe(-3);
  });

  it("refuses what is not a finite number", () => {
    for (const value of [
      "",
      "  ",
      "abc",
      "12abc",
      "1.2.3",
      null,
      undefined,
      Number.NaN,
      Number.POSITIVE_INFINITY,
      {},
      [],
    ]) {
      expect(toNumber(value)).toBeNull();
    }
  });
});

describe("formatMoney", () => {
  it("shows euros the French way in French and the English way in English", () => {
    expect(plain(formatMoney(1234.5, "fr"))).toBe("1 234,50 €");
    expect(plain(formatMoney("1250.50", "fr"))).toBe("1 250,50 €");
    expect(formatMoney(1234.5, "en")).toBe("€1,234.50");
  });

  it("shows 0 as a price, an em dash when absent and odd text as received", () => {
    expect(plain(formatMoney(0, "fr"))).toBe("0,00 €");
    expect(formatMoney(null, "fr")).toBe("—");
    expect(formatMoney("", "fr")).toBe("—");
    expect(formatMoney("sur demande", "fr")).toBe("sur demande");
  });
});

describe("formatNumber", () => {
  it("groups thousands per language", () => {
    expect(plain(formatNumber(12345, "fr"))).toBe("12 345");
    expect(formatNumber(12345, "en")).toBe("12,345");
  });
});

describe("parseLooseDate", () => {
  it("reads the Template's PostgreSQL text with microseconds and a short zone", () => {
    expect(parseLooseDate("2025-03-01 10:11:12.123456+00")?.toISOString()).toBe("2025-03-01T10:11:12.123Z");
    expect(parseLooseDate("2025-03-01 10:11:12+02")?.toISOString()).toBe("2025-03-01T08:11:12.000Z");
    expect(parseLooseDate("2025-03-01T10:11:12+0530")?.toISOString()).toBe("2025-03-01T04:41:12.000Z");
  });

  it("reads ISO instants exactly", () => {
    expect(parseLooseDate("2025-03-01T10:11:12Z")?.toISOString()).toBe("2025-03-01T10:11:12.000Z");
    expect(parseLooseDate("2025-03-01T10:11:12.5Z")?.toISOString()).toBe("2025-03-01T10:11:12.500Z");
  });

  it("reads a day, or a time without zone, as local time", () => {
    const day = parseLooseDate("2025-03-01");
    expect([day?.getFullYear(), day?.getMonth(), day?.getDate(), day?.getHours()]).toEqual([2025, 2, 1, 0]);
    const local = parseLooseDate("2025-03-01 10:11");
    expect([local?.getDate(), local?.getHours(), local?.getMinutes()]).toEqual([1, 10, 11]);
    const fr = parseLooseDate("01/03/2025 09:30");
    expect([fr?.getFullYear(), fr?.getMonth(), fr?.getDate(), fr?.getHours()]).toEqual([2025, 2, 1, 9]);
  });

  it("reads epoch seconds and milliseconds", () => {
    expect(parseLooseDate(1_700_000_000)?.toISOString()).toBe("2023-11-14T22:13:20.000Z");
    expect(parseLooseDate(1_700_000_000_000)?.toISOString()).toBe("2023-11-14T22:13:20.000Z");
  });

  it("refuses impossible and unreadable dates instead of rolling them over", () => {
    for (const value of ["2025-02-31", "31/02/2025", "2025-13-01", "n/a", "", "hier", null, {}, Number.NaN]) {
      expect(parseLooseDate(value)).toBeNull();
    }
  });
});

describe("formatDateTime and formatDate", () => {
  it("formats readable dates and keeps unreadable text as received", () => {
    expect(formatDateTime("2025-03-01 10:11:12+00", "fr")).toMatch(/mars 2025/);
    expect(formatDateTime("2025-03-01", "fr")).toBe(formatDate("2025-03-01", "fr"));
    expect(formatDate("2025-03-01", "en")).toBe("1 Mar 2025");
    expect(formatDateTime("bientôt", "fr")).toBe("bientôt");
    expect(formatDateTime(undefined, "fr")).toBe("—");
  });
});

describe("formatRelative", () => {
  const now = new Date("2025-03-01T12:00:00Z");
  it("says how long ago in the largest fitting unit", () => {
    expect(formatRelative("2025-03-01T11:55:00Z", now, "fr")).toBe("il y a 5 minutes");
    expect(formatRelative("2025-03-01T09:00:00Z", now, "en")).toBe("3 hours ago");
    expect(formatRelative("2025-02-28T12:00:00Z", now, "fr")).toBe("hier");
    expect(formatRelative("2025-03-01T11:59:58Z", now, "en")).toBe("now");
  });
});

describe("formatDuration", () => {
  it("picks ms, seconds or minutes", () => {
    expect(formatDuration(350, "fr")).toBe("350 ms");
    expect(formatDuration(1234, "fr")).toBe("1,2 s");
    expect(formatDuration(1234, "en")).toBe("1.2 s");
    expect(formatDuration(125_000, "fr")).toBe("2 min 5 s");
    expect(formatDuration(120_000, "fr")).toBe("2 min");
    expect(formatDuration(null, "fr")).toBe("—");
    expect(formatDuration(-1, "fr")).toBe("—");
  });
});

describe("dayBoundaryIso", () => {
  it("turns a picked day into the instants where it starts and ends, locally", () => {
    const start = dayBoundaryIso("2025-03-01", "start");
    const end = dayBoundaryIso("2025-03-01", "end");
    expect(start).toBe(new Date(2025, 2, 1, 0, 0, 0, 0).toISOString());
    expect(end).toBe(new Date(2025, 2, 1, 23, 59, 59, 999).toISOString());
    expect(new Date(end as string).getTime() - new Date(start as string).getTime()).toBeGreaterThan(
      22 * 3600_000,
    );
  });

  it("sends nothing for a value that is not a day", () => {
    expect(dayBoundaryIso("", "start")).toBeUndefined();
    expect(dayBoundaryIso("2025-02-30", "end")).toBeUndefined();
    expect(dayBoundaryIso("01/03/2025", "start")).toBeUndefined();
  });
});
