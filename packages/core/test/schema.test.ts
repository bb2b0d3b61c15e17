import { describe, expect, it } from "vitest";
import { imageUrl } from "../src/record";
import { isPublicSetting, PUBLIC_SETTINGS } from "../src/settings";
import {
  looksSecret,
  MASKED,
  SettingsEnvelope,
  StatsEnvelope,
  secretKeysOf,
  TemplatePainting,
  TemplateUser,
  validateRecord,
} from "../src/template/schema";

const painting = { id: 7, name: "Les Nymphéas", price: 1200.5, category: "Paysage", image: "Images/p7.jpg" };

describe("painting", () => {
  it("applies the seed's defaults to absent keys only, and keeps unknown fields", () => {
    const p = TemplatePainting.parse({ ...painting, added_later: "kept" });
    expect(p).toMatchObject({
      technique: "",
      quantity: 1,
      status: "Disponible",
      display_order: 0,
      site_name: "Site Artiste",
      year: null,
      added_later: "kept",
    });
  });

  it("keeps NULL and empty values as null instead of inventing the seed's defaults", () => {
    const p = TemplatePainting.parse({
      ...painting,
      technique: null,
      status: "",
      display_order: null,
      quantity: null,
      year: "",
    });
    expect(p).toMatchObject({
      technique: null,
      status: null,
      display_order: null,
      quantity: null,
      year: null,
    });
    expect(TemplateUser.parse({ id: 1, name: "Ana", email: "a@x.fr", role: null }).role).toBeNull();
    expect(TemplateUser.parse({ id: 1, name: "Ana", email: "a@x.fr" }).role).toBe("user");
  });

  it("turns numeric strings into numbers, keeps the price sent and year as text", () => {
    const p = TemplatePainting.parse({ ...painting, id: "7", price: "99.90", quantity: "3", year: 1998 });
    expect(p).toMatchObject({ id: 7, price: 99.9, quantity: 3, year: "1998" });
    expect(TemplatePainting.parse({ ...painting, price: 1234567.9 }).price).toBe(1234567.9);
    expect(TemplatePainting.parse({ ...painting, price: 0 }).price).toBe(0);
  });
});

describe("validateRecord: flagged or rejected", () => {
  it.each(["name", "price", "category", "image"])(
    "flags a painting whose %s is absent, null or empty, and keeps it",
    (field) => {
      for (const value of [undefined, null, ""]) {
        const input: Record<string, unknown> = { ...painting, [field]: value };
        if (value === undefined) delete input[field];
        const r = validateRecord("paintings", input);
        expect(r).toMatchObject({ ok: true, quality: [`${field}_missing`] });
        if (r.ok) expect(r.record[field]).toBeNull();
      }
    },
  );

  it("gives a complete record no quality codes, and a price of 0 counts as set", () => {
    expect(validateRecord("paintings", { ...painting, price: 0 })).toMatchObject({ ok: true, quality: [] });
  });

  it.each([
    ["a user with an empty name", "users", { id: 1, name: "", email: "a@x.fr" }, ["name_missing"]],
    [
      "an order without date or email",
      "orders",
      { id: 3, customer_name: "Jo", total_price: 15.5, order_date: null },
      ["email_missing", "order_date_missing"],
    ],
  ] as const)("flags %s", (_, entity, input, quality) => {
    expect(validateRecord(entity, input)).toMatchObject({ ok: true, quality });
  });

  it.each([
    ["not an object", "paintings", "painting", ["not_an_object"]],
    ["an array", "paintings", [1, 2], ["not_an_object"]],
    ["no id", "paintings", { ...painting, id: undefined }, ["id_invalid"]],
    [
      "a text id (the broken custom-requests export)",
      "custom_requests",
      { id: "id", client_name: "client_name" },
      ["id_invalid"],
    ],
    ["a negative id", "users", { id: -1, name: "A", email: "a@x.fr" }, ["id_invalid"]],
    [
      "a price that is not a number",
      "paintings",
      { ...painting, price: "douze euros" },
      ["price_not_a_number"],
    ],
    ["items that are not a list", "orders", { id: 3, items: "[]" }, ["items_not_a_list"]],
    [
      "an order line with a price that is not a number",
      "orders",
      { id: 3, items: [{ price: "x" }] },
      ["items.price_not_a_number"],
    ],
    [
      "a record too large for DynamoDB",
      "paintings",
      { ...painting, name: "x".repeat(400_000) },
      ["too_large"],
    ],
  ] as const)("rejects %s with stable reason codes", (_, entity, input, reasons) => {
    expect(validateRecord(entity, input)).toEqual({ ok: false, reasons });
  });

  it("keeps an order line of a deleted painting (null name and image)", () => {
    const r = validateRecord("orders", {
      id: 3,
      customer_name: "Jo",
      email: "j@x.fr",
      total_price: 15.5,
      order_date: "2025-03-01",
      items: [{ painting_id: 9, name: null, image: null, price: 15.5, quantity: 1 }],
    });
    expect(r).toMatchObject({ ok: true, quality: [], record: { items: [{ name: null, image: null }] } });
  });
});

describe("settings", () => {
  it("reads the documented shape", () => {
    expect(
      SettingsEnvelope.parse({ success: true, count: 1, data: [{ id: 1, key: "site_name", value: "A" }] }),
    ).toEqual([{ key: "site_name", value: "A" }]);
  });

  it("reads the flat shape, numbers as text", () => {
    expect(SettingsEnvelope.parse({ site_name: "A", saas_site_price_cache: 490 })).toEqual([
      { key: "site_name", value: "A" },
      { key: "saas_site_price_cache", value: "490" },
    ]);
  });

  it.each([
    ["smtp_password", "hunter2"],
    ["export_api_key", "abc"],
    ["google_places_key", "AIzaSyB-unforeseen"],
    ["stripe_webhook_secret", "whsec_1"],
    ["site_name", "sk_live_1"],
    ["site_name", MASKED],
  ])("masks %s (not an allow-listed public value)", (key, value) => {
    expect(isPublicSetting(key, value)).toBe(false);
  });

  it.each([
    ["site_name", "Atelier"],
    ["stripe_publishable_key", "pk_test_1"],
    ["saas_site_price_cache", "490.00"],
    ["color_primary", "#6366f1"],
  ])("keeps %s readable", (key, value) => {
    expect(isPublicSetting(key, value)).toBe(true);
  });

  it("says why each public setting is public", () => {
    for (const why of Object.values(PUBLIC_SETTINGS)) expect(why.length).toBeGreaterThan(10);
  });

  it("names the secrets a Template serves in clear, never their values", () => {
    const pairs = [
      { key: "site_name", value: "A" },
      { key: "export_api_key", value: "k-123" },
      { key: "smtp_password", value: "" },
      { key: "custom", value: "sk_live_9" },
      { key: "google_places_key", value: "AIzaSyB-unforeseen" },
      { key: "stripe_publishable_key", value: "pk_live_1" },
      { key: "stripe_secret_key", value: MASKED },
    ];
    expect(secretKeysOf(pairs)).toEqual(["custom", "export_api_key", "google_places_key"]);
    expect(looksSecret("stripe_publishable_key", "pk_live_1")).toBe(false);
  });
});

describe("stats", () => {
  it("turns numeric strings into numbers", () => {
    expect(
      StatsEnvelope.parse({ success: true, stats: { paintings_count: "12", total_revenue: 10.5 } }).stats,
    ).toEqual({
      paintings_count: 12,
      total_revenue: 10.5,
    });
  });

  it("refuses a body without stats", () => {
    expect(StatsEnvelope.safeParse({ success: true }).success).toBe(false);
  });
});

describe("imageUrl", () => {
  it.each([
    ["Images/a.jpg", "https://atelier.example/static/Images/a.jpg"],
    ["/Images/h/b c.png", "https://atelier.example/static/Images/h/b%20c.png"],
    ["static/Images/a.jpg", "https://atelier.example/static/Images/a.jpg"],
    ["https://cdn.example/x.jpg", "https://cdn.example/x.jpg"],
    ["http://cdn.example/x.jpg", "http://cdn.example/x.jpg"],
    ["", null],
    ["   ", null],
    [null, null],
    ["javascript:alert(1)", null],
    ["data:image/png;base64,AAAA", null],
  ])("links %j where the Template serves it", (image, expected) => {
    expect(imageUrl("https://atelier.example/", image)).toBe(expected);
  });

  it("keeps the Template's own base path", () => {
    expect(imageUrl("https://host.example/atelier", "Images/a.jpg")).toBe(
      "https://host.example/atelier/static/Images/a.jpg",
    );
  });
});
