import { describe, expect, it } from "vitest";
import { sortRows } from "../src/lib/sort";

type Row = { name: string | null; date: string | null; n?: unknown };

describe("sortRows", () => {
  it("sorts text by the language's collation, ignoring case and accents", () => {
    const rows: Row[] = [
      { name: "émile", date: null },
      { name: "Zoé", date: null },
      { name: "eric", date: null },
      { name: "Anne", date: null },
    ];
    expect(sortRows(rows, (r) => r.name, "text", "asc", "fr-FR").map((r) => r.name)).toEqual([
      "Anne",
      "émile",
      "eric",
      "Zoé",
    ]);
    expect(sortRows(rows, (r) => r.name, "text", "desc", "fr-FR").map((r) => r.name)).toEqual([
      "Zoé",
      "eric",
      "émile",
      "Anne",
    ]);
  });

  it("sorts Template dates by their instant, not their text", () => {
    const rows: Row[] = [
      { name: "b", date: "2025-03-01 10:00:00+00" },
      { name: "a", date: "2025-02-28T23:00:00Z" },
      { name: "c", date: "02/03/2025" },
    ];
    expect(sortRows(rows, (r) => r.date, "date", "asc", "fr-FR").map((r) => r.name)).toEqual(["a", "b", "c"]);
  });

  it("keeps empty values last in both directions, and equal rows in their order", () => {
    const rows: Row[] = [
      { name: "x", date: null, n: 2 },
      { name: "y", date: null, n: null },
      { name: "z", date: null, n: "10" },
      { name: "w", date: null, n: 2 },
    ];
    expect(sortRows(rows, (r) => r.n, "number", "asc", "en-GB").map((r) => r.name)).toEqual([
      "x",
      "w",
      "z",
      "y",
    ]);
    expect(sortRows(rows, (r) => r.n, "number", "desc", "en-GB").map((r) => r.name)).toEqual([
      "z",
      "x",
      "w",
      "y",
    ]);
  });
});
