import { describe, expect, it } from "vitest";
import { translate } from "../src/lib/i18n";
import { describeCode, isHealthCode, missingFields } from "../src/lib/quality";

const fr = (key: Parameters<typeof translate>[1], vars?: Parameters<typeof translate>[2]) =>
  translate("fr", key, vars);
const en = (key: Parameters<typeof translate>[1], vars?: Parameters<typeof translate>[2]) =>
  translate("en", key, vars);

describe("describeCode", () => {
  it.each([
    ["category_missing", "catégorie non renseigné", "category not set"],
    ["price_not_a_number", "prix : pas un nombre", "price: not a number"],
    ["items.price_not_a_number", "articles › prix : pas un nombre", "items › price: not a number"],
    ["items_not_a_list", "articles : pas une liste", "items: not a list"],
    ["id_invalid", "pas d'identifiant entier utilisable", "no usable integer id"],
    ["not_an_object", "pas un objet JSON", "not a JSON object"],
    ["too_large", "trop volumineux pour être stocké", "too large to be stored"],
    [
      "display_order_not_an_integer",
      "ordre d'affichage : pas un nombre entier",
      "display order: not a whole number",
    ],
  ])("words %s in French and English", (code, inFrench, inEnglish) => {
    expect(describeCode(code, fr)).toBe(inFrench);
    expect(describeCode(code, en)).toBe(inEnglish);
  });

  it("shows an unknown code or an older prose reason as it is", () => {
    expect(describeCode("something_new", fr)).toBe("something_new");
    expect(describeCode("price: must be a number", fr)).toBe("price: must be a number");
  });
});

describe("missingFields", () => {
  it("lists what the Template did not set", () => {
    expect(missingFields(["category_missing", "image_missing"], fr)).toBe("catégorie, image");
    expect(missingFields(["customer_name_missing"], en)).toBe("customer");
  });
});

it("knows the health codes it words", () => {
  expect(isHealthCode("settings_exposed_without_key")).toBe(true);
  expect(isHealthCode("settings_secrets_in_clear")).toBe(true);
  expect(isHealthCode("other")).toBe(false);
});
