import { describe, expect, it } from "vitest";
import {
  isSensitiveSetting,
  MASKED,
  reasonsOf,
  SettingsEnvelope,
  StatsEnvelope,
  TemplateOrder,
  TemplatePainting,
  TemplateUser,
} from "../src/template/schema";

const painting = { id: 7, name: "Les Nymphéas", price: 1200.5, category: "Paysage", image: "Images/p7.jpg" };

const reasons = (
  schema: typeof TemplatePainting | typeof TemplateUser | typeof TemplateOrder,
  input: unknown,
) => {
  const r = schema.safeParse(input);
  return r.success ? [] : reasonsOf(r.error);
};

describe("painting", () => {
  it("applies the seed's defaults and keeps unknown fields", () => {
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

  it("turns numeric strings into numbers and keeps year as text", () => {
    const p = TemplatePainting.parse({ ...painting, id: "7", price: "99.90", quantity: "3", year: 1998 });
    expect(p).toMatchObject({ id: 7, price: 99.9, quantity: 3, year: "1998" });
  });

  it("accepts a price of 0", () => {
    expect(TemplatePainting.parse({ ...painting, price: 0 }).price).toBe(0);
    expect(TemplatePainting.parse({ ...painting, price: "0" }).price).toBe(0);
  });

  it.each(["id", "name", "price", "category", "image"])("rejects %s when absent, null or empty", (field) => {
    for (const value of [undefined, null, ""]) {
      const input: Record<string, unknown> = { ...painting, [field]: value };
      if (value === undefined) delete input[field];
      expect(reasons(TemplatePainting, input)).toEqual([`${field}: required`]);
    }
  });

  it("rejects a non-numeric price with a reason", () => {
    expect(reasons(TemplatePainting, { ...painting, price: "douze euros" })).toEqual([
      "price: must be a number",
    ]);
  });
});

describe("user and order", () => {
  it("defaults a user's role to user", () => {
    expect(TemplateUser.parse({ id: 1, name: "Ana", email: "a@x.fr", role: null }).role).toBe("user");
  });

  it.each(["id", "name", "email"])("requires user %s", (field) => {
    expect(reasons(TemplateUser, { id: 1, name: "Ana", email: "a@x.fr", [field]: "" })).toEqual([
      `${field}: required`,
    ]);
  });

  const order = {
    id: 3,
    customer_name: "Jo",
    email: "j@x.fr",
    total_price: "15.5",
    order_date: "2025-03-01 10:11:12+00",
  };
  it.each(["id", "customer_name", "email", "total_price", "order_date"])("requires order %s", (field) => {
    expect(reasons(TemplateOrder, { ...order, [field]: null })).toEqual([`${field}: required`]);
  });

  it("defaults items to [] and validates each item", () => {
    expect(TemplateOrder.parse(order).items).toEqual([]);
    expect(reasons(TemplateOrder, { ...order, items: [{ painting_id: 1, price: "x" }] })).toEqual([
      "items.0.price: must be a number",
    ]);
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
    ["stripe_secret_key", "sk_live_1"],
    ["some_token", "t"],
    ["custom", "sk_test_123"],
    ["anything", MASKED],
  ])("treats %s as sensitive", (key, value) => {
    expect(isSensitiveSetting(key, value)).toBe(true);
  });

  it.each([
    ["site_name", "Atelier"],
    ["stripe_publishable_key", "pk_test_1"],
    ["saas_site_price_cache", "490.00"],
  ])("keeps %s readable", (key, value) => {
    expect(isSensitiveSetting(key, value)).toBe(false);
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
