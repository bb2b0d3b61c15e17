import { describe, expect, it } from "vitest";
import { flaskJson } from "../src/index";

describe("flaskJson (Flask's jsonify in production)", () => {
  it("sorts keys, is compact and ends with a newline", () => {
    expect(flaskJson({ b: 1, a: { d: [1, 2], c: null } })).toBe('{"a":{"c":null,"d":[1,2]},"b":1}\n');
  });

  it("escapes everything outside printable ASCII like ensure_ascii, emoji as surrogate pairs", () => {
    expect(flaskJson({ s: "Réservé 🎨 \u007f\u2028" })).toBe(
      '{"s":"R\\u00e9serv\\u00e9 \\ud83c\\udfa8 \\u007f\\u2028"}\n',
    );
    expect(flaskJson({ s: 'a"b\\c\n\t\u0001' })).toBe('{"s":"a\\"b\\\\c\\n\\t\\u0001"}\n');
  });

  it("writes REAL columns as Python floats and leaves other numbers alone", () => {
    const body = flaskJson({
      price: 450,
      total_price: 12.5,
      quantity: 2,
      id: 7,
      items: [{ price: 80, quantity: 1 }],
      stats: { total_revenue: 0, orders_count: 3 },
    });
    expect(body).toBe(
      '{"id":7,"items":[{"price":80.0,"quantity":1}],"price":450.0,"quantity":2,"stats":{"orders_count":3,"total_revenue":0.0},"total_price":12.5}\n',
    );
  });

  it("never rewrites text that merely looks like a float field", () => {
    expect(flaskJson({ note: '{"price":12}', price: "12" })).toBe(
      '{"note":"{\\"price\\":12}","price":"12"}\n',
    );
  });

  it("round-trips through JSON.parse", () => {
    const value = { name: "Les Nymphéas du soir", price: 1999.99, year: null, list: ["é", 1, true] };
    expect(JSON.parse(flaskJson(value))).toEqual(value);
  });
});
