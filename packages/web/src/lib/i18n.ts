/**
 * French by default (the seed's labels), English on request. Messages live in `messages/`: French is the
 * reference and English must have exactly the same keys (the compiler checks it, and so does a test).
 * `{name}` placeholders are filled from `vars`; plurals are `<key>.one` / `<key>.other`, chosen with
 * Intl.PluralRules (French says "0 peinture", English "0 paintings").
 */
import { en, fr, type MessageKey } from "./messages";

export type Lang = "fr" | "en";
export const LANGS: readonly Lang[] = ["fr", "en"];
export type { MessageKey };

export const messages: Record<Lang, Record<MessageKey, string>> = { fr, en };

/** Locales for Intl: French from France, English with European dates (day before month) and euros. */
export const localeOf = (lang: Lang): string => (lang === "fr" ? "fr-FR" : "en-GB");

export const isLang = (value: unknown): value is Lang => value === "fr" || value === "en";

export type Vars = Record<string, string | number>;

export function interpolate(template: string, vars?: Vars): string {
  if (!vars) return template;
  return template.replace(/\{(\w+)\}/g, (whole, name: string) => {
    const value = vars[name];
    return value === undefined ? whole : String(value);
  });
}

export function translate(lang: Lang, key: MessageKey, vars?: Vars): string {
  return interpolate(messages[lang][key] ?? messages.fr[key] ?? key, vars);
}

/** The keys that come in `.one` / `.other` pairs, without the suffix. */
export type PluralKey = MessageKey extends infer K ? (K extends `${infer Base}.one` ? Base : never) : never;

const pluralRules = new Map<Lang, Intl.PluralRules>();

export function translatePlural(lang: Lang, key: PluralKey, count: number, vars?: Vars): string {
  let rules = pluralRules.get(lang);
  if (!rules) {
    rules = new Intl.PluralRules(localeOf(lang));
    pluralRules.set(lang, rules);
  }
  const form = rules.select(count) === "one" ? "one" : "other";
  const formatted = new Intl.NumberFormat(localeOf(lang)).format(count);
  return translate(lang, `${key}.${form}` as MessageKey, { count: formatted, ...vars });
}

/** The placeholders a message uses, for the completeness test. */
export const placeholdersOf = (template: string): string[] =>
  [...template.matchAll(/\{(\w+)\}/g)].map((match) => match[1] as string).sort();

/** Whether the catalogue words this key: codes from the server are looked up before they are translated. */
export const hasMessage = (key: string): key is MessageKey => Object.hasOwn(messages.fr, key);

/**
 * "of <name>" with French elision and contraction: « de Claire », « d'Atelier », « de l'Atelier » (for
 * "L'Atelier"), « du Jardin » (for "Le Jardin"), « des Ateliers » (for "Les Ateliers"), « de la Maison ».
 * English: "of <name>".
 */
export function ofName(lang: Lang, name: string): string {
  if (lang === "en") return `of ${name}`;
  const trimmed = name.trim();
  const article = /^(?:(les|le|la)\s+|(l)['’]\s*)/i.exec(trimmed);
  if (article) {
    const rest = trimmed.slice(article[0].length);
    const word = (article[1] ?? article[2] ?? "").toLowerCase();
    if (word === "le") return `du ${rest}`;
    if (word === "les") return `des ${rest}`;
    if (word === "la") return `de la ${rest}`;
    return `de l'${rest}`;
  }
  return /^[aeiouyhâàäéèêëîïôöûùüœæ]/i.test(trimmed.normalize("NFC")) ? `d'${trimmed}` : `de ${trimmed}`;
}
