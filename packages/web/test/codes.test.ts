import { readdirSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { fieldLabel, logLineText, syncErrorText } from "../src/lib/codes";
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

describe("field labels", () => {
  it("word a record's field paths and keep an unknown name as sent", () => {
    expect(fieldLabel("fr", "items.0.price")).toBe("Article 1 › Prix");
    expect(fieldLabel("en", "category")).toBe("Category");
    expect(fieldLabel("fr", "colour")).toBe("colour");
  });
});

describe("log lines", () => {
  it("are worded from their code and params, with nested codes worded too", () => {
    const failed = { code: "entity_failed", params: { error: "invalid_api_key" }, message: "HTTP 401 …" };
    expect(logLineText("fr", failed)).toBe("Clé API refusée par le site : vérifiez-la.");
    expect(logLineText("en", failed)).toBe("API key refused by the site: check it.");
    const invalid = {
      code: "record_invalid",
      params: { id: 101, reasons: "price_not_a_number;items.price_out_of_range" },
      message: "Enregistrement rejeté (peinture 101) — price_not_a_number; items.price_out_of_range",
    };
    expect(logLineText("fr", invalid)).toBe(
      "Enregistrement #101 rejeté : prix : pas un nombre ; articles › prix : nombre hors des limites stockables",
    );
    expect(logLineText("en", invalid)).toBe(
      "Record #101 rejected: price: not a number; items › price: number beyond what can be stored",
    );
    const flagged = {
      code: "record_flagged",
      params: { id: 7, reasons: "category_missing" },
      message: "Peinture invalide: 7 — category_missing (données incomplètes, enregistrement conservé)",
    };
    expect(logLineText("fr", flagged)).toBe(
      "Enregistrement #7 conservé, données incomplètes : catégorie non renseigné",
    );
    expect(logLineText("en", flagged)).toBe("Record #7 kept, incomplete data: category not set");
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

  it("have words, in both languages, for every code the sync engine writes", () => {
    const dir = new URL("../../core/src/sync/", import.meta.url);
    const source = readdirSync(dir)
      .filter((f) => f.endsWith(".ts"))
      .map((f) => readFileSync(new URL(f, dir), "utf8"))
      .join("\n");
    // log.add(level, message, "code", ...): the literal codes, and the two families built from a code.
    const literal = [...source.matchAll(/\.add\(\s*"[A-Z]+",[^;]*?,\s*"([a-z_]+)"/gs)].map((m) => m[1]);
    expect(literal.length).toBeGreaterThan(15);
    const families = ["stopped_cancelled", "stopped_site_deleted"].concat(
      ["settings_exposed_without_key", "settings_secrets_in_clear"].map((c) => `security_${c}`),
    );
    expect(source).toContain("`stopped_${reason}`");
    expect(source).toContain("`security_${w.code}`");
    for (const code of [...new Set([...literal, ...families])]) {
      expect(Object.hasOwn(fr, `log.${code}`), `fr log.${code}`).toBe(true);
      expect(Object.hasOwn(en, `log.${code}`), `en log.${code}`).toBe(true);
    }
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
