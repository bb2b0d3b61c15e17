/**
 * Words for core's data-quality and rejection codes (`category_missing`, `price_not_a_number`,
 * `items.price_not_a_number`, `id_invalid`...) and for a site's health warnings. Codes come from the API;
 * sentences live in the message catalogue, per language. An unknown code is shown as it is, never hidden.
 */
import { hasMessage, type MessageKey, type Vars } from "./i18n";

type Translate = (key: MessageKey, vars?: Vars) => string;

const PROBLEMS = [
  "missing",
  "not_a_number",
  "not_an_integer",
  "not_text",
  "not_a_list",
  "invalid",
  "out_of_range",
  "too_deep",
] as const;
const WHOLE = ["id_invalid", "not_an_object", "too_large"] as const;

/**
 * `items.price` → "articles › prix": the catalogue's `field.<name>` labels, as words inside a sentence (first
 * letter in lower case); a name the catalogue does not know is kept as sent.
 */
function fieldWords(field: string, t: Translate): string {
  return field
    .split(".")
    .map((part) => {
      const key = `field.${part}`;
      if (!hasMessage(key)) return part;
      const label = t(key);
      return label.charAt(0).toLocaleLowerCase() + label.slice(1);
    })
    .join(" › ");
}

/** One code as words: `category_missing` → "catégorie non renseigné". */
export function describeCode(code: string, t: Translate): string {
  if ((WHOLE as readonly string[]).includes(code)) return t(`fidelity.reason.${code}` as MessageKey);
  for (const problem of PROBLEMS) {
    const suffix = `_${problem}`;
    if (code.endsWith(suffix) && code.length > suffix.length) {
      return t(`fidelity.reason.${problem}`, { field: fieldWords(code.slice(0, -suffix.length), t) });
    }
  }
  return code;
}

/** The fields a flagged record lacks, as words: ["category_missing", "image_missing"] → "catégorie, image". */
export function missingFields(quality: readonly string[], t: Translate): string {
  return quality
    .map((code) =>
      code.endsWith("_missing") ? fieldWords(code.slice(0, -"_missing".length), t) : describeCode(code, t),
    )
    .join(", ");
}

/** Health warning codes the catalogue words; any other shows the API's own message. */
const HEALTH_CODES = ["settings_exposed_without_key", "settings_secrets_in_clear"] as const;
export type HealthCode = (typeof HEALTH_CODES)[number];
export const isHealthCode = (code: string): code is HealthCode =>
  (HEALTH_CODES as readonly string[]).includes(code);
