import { describe, expect, it } from "vitest";
import { fieldLabel, issueText, logLineText, qualityText, syncErrorText } from "../src/lib/codes";
import { ofName } from "../src/lib/i18n";
import { en, fr } from "../src/lib/messages";

/** Words a French reader should never meet: English prose and raw codes. */
const ENGLISH_OR_CODE = /\b(required|must|invalid|error|the|failed|rejected|[a-z]+_[a-z_]+)\b/;

describe("sync errors", () => {
  it("words every code core can produce, in both languages", () => {
    const codes = Object.keys(fr)
      .filter((key) => key.startsWith("sync_error."))
      .map((key) => key.slice("sync_error.".length));
    expect(codes).toEqual(
      expect.arrayContaining(["invalid_api_key", "timeout", "internal_error", "no_data"]),
    );
    for (const code of codes) {
      expect(syncErrorText("fr", code)).not.toMatch(ENGLISH_OR_CODE);
      expect(syncErrorText("en", code)).toBe(en[`sync_error.${code}` as keyof typeof en]);
    }
    expect(syncErrorText("fr", "invalid_api_key")).toBe("Clé API refusée par le site : vérifiez-la.");
  });

  it("falls back to a generic sentence for a code it does not know", () => {
    expect(syncErrorText("fr", "brand_new_code")).toBe(fr["sync_error.unknown"]);
    expect(syncErrorText("en", undefined)).toBe(en["sync_error.unknown"]);
  });
});

describe("rejection reasons", () => {
  it("names the field and the rule in the reader's language", () => {
    expect(issueText("fr", { field: "category", code: "required" })).toBe("Catégorie : manquant");
    expect(issueText("en", { field: "category", code: "required" })).toBe("Category: missing");
    expect(issueText("fr", { field: "items.0.price", code: "not_number" })).toBe(
      "Article 1 › Prix : doit être un nombre",
    );
    expect(issueText("fr", { field: "", code: "invalid_type" })).toBe("Enregistrement : type invalide");
  });

  it("keeps an unknown field's name and says a value was refused for an unknown rule", () => {
    expect(fieldLabel("fr", "colour")).toBe("colour");
    expect(issueText("fr", { field: "name", code: "zzz" })).toBe("Nom : valeur refusée");
  });

  it("words data-quality flags of the form <field>_<what>", () => {
    expect(qualityText("fr", "category_missing")).toBe("Catégorie : manquant");
    expect(qualityText("en", "image_invalid")).toBe("Image: invalid");
    expect(qualityText("fr", "strange")).toBe("Données incomplètes");
  });
});

describe("log lines", () => {
  it("are worded from their code and params, with nested codes worded too", () => {
    const failed = { code: "entity_failed", params: { error: "invalid_api_key" }, message: "HTTP 401 …" };
    expect(logLineText("fr", failed)).toBe("Clé API refusée par le site : vérifiez-la.");
    expect(logLineText("en", failed)).toBe("API key refused by the site: check it.");
    const invalid = {
      code: "record_invalid",
      params: { id: 101, issues: "category:required;price:not_number" },
      message: "Peinture invalide: 101 — category: required; price: must be a number",
    };
    expect(logLineText("fr", invalid)).toBe(
      "Enregistrement #101 rejeté : Catégorie : manquant ; Prix : doit être un nombre",
    );
    expect(logLineText("en", invalid)).toBe(
      "Record #101 rejected: Category: missing ; Price: must be a number",
    );
    const retry = {
      code: "request_retry",
      params: { attempt: 2, delay_ms: 1500, error: "timeout" },
      message: "",
    };
    expect(logLineText("fr", retry)).toBe(
      "Nouvelle tentative n° 2 dans 1,5 s : Le site n'a pas répondu à temps.",
    );
  });

  it("keep the stored message when the code is absent or unknown", () => {
    expect(logLineText("en", { message: "Ligne ancienne" })).toBe("Ligne ancienne");
    expect(logLineText("en", { code: "from_the_future", message: "Ligne" })).toBe("Ligne");
  });

  it("have the same placeholders in both languages", () => {
    for (const key of Object.keys(fr).filter((k) => k.startsWith("log."))) {
      const names = (text: string) => [...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
      expect(names(en[key as keyof typeof en]), key).toEqual(names(fr[key as keyof typeof fr]));
    }
  });
});

describe("ofName", () => {
  it("elides and contracts in French", () => {
    expect(ofName("fr", "Atelier de bout en bout")).toBe("d'Atelier de bout en bout");
    expect(ofName("fr", "Élise Martin")).toBe("d'Élise Martin");
    expect(ofName("fr", "Hélène")).toBe("d'Hélène");
    expect(ofName("fr", "L'Atelier")).toBe("de l'Atelier");
    expect(ofName("fr", "Le Jardin")).toBe("du Jardin");
    expect(ofName("fr", "Les Ateliers")).toBe("des Ateliers");
    expect(ofName("fr", "La Maison")).toBe("de la Maison");
    expect(ofName("fr", "Claire")).toBe("de Claire");
    expect(ofName("fr", "Lena")).toBe("de Lena");
  });

  it("says of in English", () => {
    expect(ofName("en", "Atelier")).toBe("of Atelier");
  });
});
