import { parseCsv } from "@dashboard/testing/csv";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { BOM, cell, csvStream, LISTS, line } from "../../src/export";
import { isoDate } from "../../src/util/time";

const order = (id: number, over: Record<string, unknown> = {}) => ({
  id,
  customer_name: "Élodie Dupré",
  email: "elodie.dupre@example.fr",
  total_price: 1250.5,
  order_date: "2025-03-01 10:11:12",
  status: "Livrée",
  items: [
    { painting_id: 7, name: "Étude, bleue", image: null, price: 1000, quantity: 1 },
    { painting_id: 9, name: 'Nu "assis"', image: null, price: 250.5, quantity: 1 },
  ],
  site_name: "Atelier A",
  site_id: "atelier-a",
  template_url: "https://a.example",
  sync_timestamp: "2026-12-07T10:00:00.000Z",
  quality: [],
  ...over,
});

const text = async (chunks: AsyncIterable<string>) => {
  let all = "";
  for await (const chunk of chunks) all += chunk;
  return all;
};

describe("cell", () => {
  it("quotes a field holding the separator, a quote or a line break, doubling quotes", () => {
    expect(cell("a,b", ",")).toBe('"a,b"');
    expect(cell("a,b", ";")).toBe("a,b");
    expect(cell("a;b", ";")).toBe('"a;b"');
    expect(cell('il dit "oui"', ",")).toBe('"il dit ""oui"""');
    expect(cell("ligne 1\nligne 2", ",")).toBe('"ligne 1\nligne 2"');
    expect(cell("a\r\nb", ",")).toBe('"a\r\nb"');
    expect(cell("Étude", ",")).toBe("Étude");
  });

  it("writes null and absent values as empty cells, numbers as numbers", () => {
    expect(cell(null, ",")).toBe("");
    expect(cell(undefined, ",")).toBe("");
    expect(cell(0, ",")).toBe("0");
    expect(cell(-12.5, ",")).toBe("-12.5");
    expect(cell(true, ",")).toBe("true");
  });

  it("keeps text that a spreadsheet would read as a formula as text", () => {
    for (const start of ["=", "+", "-", "@", "\t", "\r"]) {
      expect(
        cell(`${start}1+1`, ";").startsWith(`'${start}`) || cell(`${start}1+1`, ";").startsWith(`"'${start}`),
      ).toBe(true);
    }
    expect(cell('=HYPERLINK("http://x")', ",")).toBe('"\'=HYPERLINK(""http://x"")"');
    expect(cell("-5", ",")).toBe("'-5");
    expect(cell("a=b", ",")).toBe("a=b");
  });

  it("reads back as the value it wrote, whatever the text (formula guard aside)", () => {
    fc.assert(
      fc.property(
        fc.array(fc.string({ unit: "binary" }), { minLength: 1, maxLength: 6 }),
        fc.constantFrom(",", ";"),
        (values, sep) => {
          const [parsed] = parseCsv(line(values, sep as "," | ";"), sep);
          expect(parsed).toEqual(values.map((v) => (/^[=+\-@\t\r]/.test(v) ? `'${v}` : v)));
        },
      ),
    );
  });
});

describe("isoDate", () => {
  it("writes the Template's text dates ISO 8601, keeping what is not a date", () => {
    expect(isoDate("2025-03-01")).toBe("2025-03-01");
    expect(isoDate("2025-03-01 10:11:12")).toBe("2025-03-01T10:11:12");
    expect(isoDate("2025-03-01 10:11:12.123456")).toBe("2025-03-01T10:11:12.123456");
    expect(isoDate("2025-03-01 12:11:12+02:00")).toBe("2025-03-01T10:11:12.000Z");
    expect(isoDate("2025-03-01 10:11:12.5+00")).toBe("2025-03-01T10:11:12.500Z");
    expect(isoDate("hier")).toBe("hier");
    expect(isoDate(null)).toBeNull();
  });
});

describe("csvStream", () => {
  const pages = (all: unknown[], size: number) => async (cursor: string | undefined) => {
    const start = cursor ? Number(cursor) : 0;
    const items = all.slice(start, start + size);
    return start + size < all.length ? { items, next_cursor: String(start + size) } : { items };
  };

  it("starts with the BOM and the header, then one line per order item, CRLF-ended", async () => {
    const csv = await text(
      await csvStream(LISTS.orders, pages([order(1), order(2, { items: [] })], 1), {
        separator: ",",
        mask: false,
      }),
    );
    expect(csv.startsWith(`${BOM}site_id,site_name,order_id,order_date,`)).toBe(true);
    const rows = parseCsv(csv.slice(1), ",");
    const header = rows[0] as string[];
    const at = (row: string[], name: string) => row[header.indexOf(name)];
    expect(rows).toHaveLength(4);
    const [first, second, empty] = rows.slice(1) as [string[], string[], string[]];
    expect(at(first, "customer_name")).toBe("Élodie Dupré");
    expect(at(first, "email")).toBe("elodie.dupre@example.fr");
    expect(at(first, "order_date")).toBe("2025-03-01T10:11:12");
    expect(at(first, "status")).toBe("Livrée");
    expect([at(first, "line"), at(first, "item_name"), at(first, "item_price")]).toEqual([
      "1",
      "Étude, bleue",
      "1000",
    ]);
    expect([at(second, "line"), at(second, "item_name")]).toEqual(["2", 'Nu "assis"']);
    expect([at(empty, "order_id"), at(empty, "line"), at(empty, "item_name")]).toEqual(["2", "0", ""]);
    expect(at(first, "deleted_at")).toBe("");
    // UTF-8 bytes of the BOM and of the accents (what Excel reads).
    const bytes = Buffer.from(csv, "utf8");
    expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    expect(bytes.includes(Buffer.from("Élodie", "utf8"))).toBe(true);
  });

  it("separates with ; for a French Excel, quoting what holds a ;", async () => {
    const csv = await text(
      await csvStream(LISTS.orders, pages([order(1, { customer_name: "Dupré; Fils" })], 10), {
        separator: ";",
        mask: false,
      }),
    );
    const rows = parseCsv(csv.slice(1), ";");
    expect(rows[0]?.slice(0, 3)).toEqual(["site_id", "site_name", "order_id"]);
    expect(rows[1]?.[4]).toBe("Dupré; Fils");
    expect(csv).toContain('"Dupré; Fils"');
    expect(rows[1]?.[7]).toBe("1250.5");
  });

  it("masks e-mail addresses as the list API does when asked, on personal lists only", async () => {
    const csv = await text(
      await csvStream(LISTS.orders, pages([order(1)], 10), { separator: ",", mask: true }),
    );
    expect(csv).toContain("e***@e***.fr");
    expect(csv).not.toContain("elodie.dupre@example.fr");
  });

  it("writes a painting's image_url and quality codes", async () => {
    const painting = {
      id: 3,
      name: "=cmd|' /C calc'!A0",
      price: null,
      category: "Huile",
      technique: "",
      year: "1998",
      quantity: 1,
      status: "Vendu",
      image: "Images/a.jpg",
      display_order: 0,
      site_name: "Atelier A",
      image_url: "https://a.example/static/Images/a.jpg",
      site_id: "atelier-a",
      template_url: "https://a.example",
      sync_timestamp: "2026-12-07T10:00:00.000Z",
      quality: ["price_missing"],
    };
    const rows = parseCsv(
      (
        await text(await csvStream(LISTS.paintings, pages([painting], 10), { separator: ",", mask: true }))
      ).slice(1),
      ",",
    );
    const header = rows[0] as string[];
    const row = rows[1] as string[];
    expect(row[header.indexOf("image_url")]).toBe("https://a.example/static/Images/a.jpg");
    expect(row[header.indexOf("name")]).toBe("'=cmd|' /C calc'!A0");
    expect(row[header.indexOf("price")]).toBe("");
    expect(row[header.indexOf("quality")]).toBe("price_missing");
  });

  it("reads the first page before handing the stream back, so a refused filter fails first", async () => {
    const refused = new Error("invalid_date");
    await expect(
      csvStream(LISTS.orders, async () => Promise.reject(refused), { separator: ",", mask: false }),
    ).rejects.toBe(refused);
  });
});
