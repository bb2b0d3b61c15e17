import { describe, expect, it } from "vitest";
import {
  interpolate,
  type MessageKey,
  messages,
  placeholdersOf,
  translate,
  translatePlural,
} from "../src/lib/i18n";

const frKeys = Object.keys(messages.fr).sort();
const enKeys = Object.keys(messages.en).sort();

describe("messages", () => {
  it("has exactly the same keys in French and English", () => {
    expect(enKeys).toEqual(frKeys);
  });

  it("has no empty message", () => {
    for (const lang of ["fr", "en"] as const) {
      for (const [key, text] of Object.entries(messages[lang]))
        expect(text.trim(), `${lang} ${key}`).not.toBe("");
    }
  });

  it("uses the same placeholders in both languages", () => {
    for (const key of frKeys as MessageKey[]) {
      expect(placeholdersOf(messages.en[key]), key).toEqual(placeholdersOf(messages.fr[key]));
    }
  });

  it("has both plural forms wherever one exists", () => {
    for (const key of frKeys) {
      if (key.endsWith(".one")) expect(frKeys, key).toContain(key.replace(/\.one$/, ".other"));
      if (key.endsWith(".other")) expect(frKeys, key).toContain(key.replace(/\.other$/, ".one"));
    }
  });

  it("keeps the seed's French labels", () => {
    expect(translate("fr", "role.admin")).toBe("👤 Administrateur");
    expect(translate("fr", "role.user")).toBe("👥 Utilisateur");
    expect(translate("fr", "users.col.create_date")).toBe("Date d'inscription");
    expect(translate("fr", "sites.sync_now")).toBe("Synchroniser maintenant");
  });
});

describe("translate", () => {
  it("fills placeholders and leaves unknown ones visible", () => {
    expect(translate("fr", "sites.saved_done", { name: "Atelier" })).toBe("Site « Atelier » enregistré.");
    expect(interpolate("{a} and {b}", { a: 1 })).toBe("1 and {b}");
  });

  it("picks plural forms per language: French 0 is singular, English 0 is plural", () => {
    expect(translatePlural("fr", "count.paintings", 0)).toBe("0 peinture");
    expect(translatePlural("fr", "count.paintings", 1)).toBe("1 peinture");
    expect(translatePlural("fr", "count.paintings", 2)).toBe("2 peintures");
    expect(translatePlural("en", "count.paintings", 0)).toBe("0 paintings");
    expect(translatePlural("en", "count.paintings", 1)).toBe("1 painting");
    expect(translatePlural("en", "count.paintings", 1200)).toBe("1,200 paintings");
  });
});
