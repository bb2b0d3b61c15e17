/**
 * The sentence of each event, in French and English, made once in core so the UI, alerts and exports show
 * the same words. Amounts are the Template's prices (euros), formatted per language.
 */
import type { EventKind, Sentence } from "./schema";

type Value = string | number | boolean | null;
type Params = Readonly<Record<string, Value | undefined>>;

const euros = (locale: "fr-FR" | "en-GB", v: Value | undefined): string =>
  typeof v === "number"
    ? new Intl.NumberFormat(locale, {
        style: "currency",
        currency: "EUR",
        minimumFractionDigits: Number.isInteger(v) ? 0 : 2,
        maximumFractionDigits: 2,
      }).format(v)
    : locale === "fr-FR"
      ? "prix non renseigné"
      : "no price";

const text = (v: Value | undefined, fallback: string): string =>
  v === null || v === undefined || v === "" ? fallback : String(v);

/** Who or what an event is about, with the site: `« Nuit bleue » (atelier-x)`. */
interface About {
  site: string;
  label: string | null | undefined;
  id: number | string | undefined;
}

const frName = (a: About, what: string) => `${a.label ? `« ${a.label} »` : `${what} n°${a.id}`}`;
const enName = (a: About, what: string) => `${a.label ? `"${a.label}"` : `${what} #${a.id}`}`;

/** The sentence of an event of `kind`, from its params and what it is about. */
export function sentence(kind: EventKind, a: About, p: Params): Sentence {
  switch (kind) {
    case "order_created":
      return {
        fr: `Nouvelle commande n°${a.id} de ${text(a.label, "client inconnu")} (${euros("fr-FR", p.total_price)}) sur ${a.site}`,
        en: `New order #${a.id} from ${text(a.label, "unknown customer")} (${euros("en-GB", p.total_price)}) on ${a.site}`,
      };
    case "order_status_changed":
      return {
        fr: `Commande n°${a.id} de ${text(a.label, "client inconnu")} sur ${a.site} : ${text(p.from, "sans statut")} → ${text(p.to, "sans statut")}`,
        en: `Order #${a.id} from ${text(a.label, "unknown customer")} on ${a.site}: ${text(p.from, "no status")} → ${text(p.to, "no status")}`,
      };
    case "painting_sold":
      return {
        fr: `Tableau vendu sur ${a.site} : ${frName(a, "tableau")} (${euros("fr-FR", p.price)})`,
        en: `Painting sold on ${a.site}: ${enName(a, "painting")} (${euros("en-GB", p.price)})`,
      };
    case "painting_price_changed":
      return {
        fr: `Prix de ${frName(a, "tableau")} sur ${a.site} : ${euros("fr-FR", p.from)} → ${euros("fr-FR", p.to)}`,
        en: `Price of ${enName(a, "painting")} on ${a.site}: ${euros("en-GB", p.from)} → ${euros("en-GB", p.to)}`,
      };
    case "painting_added":
      return {
        fr: `Nouveau tableau sur ${a.site} : ${frName(a, "tableau")}`,
        en: `New painting on ${a.site}: ${enName(a, "painting")}`,
      };
    case "painting_removed":
      return {
        fr: `Tableau retiré de ${a.site} : ${frName(a, "tableau")}`,
        en: `Painting removed from ${a.site}: ${enName(a, "painting")}`,
      };
    case "user_registered":
      return {
        fr: `Nouvel utilisateur inscrit sur ${a.site} : ${text(a.label, `n°${a.id}`)}`,
        en: `New user registered on ${a.site}: ${text(a.label, `#${a.id}`)}`,
      };
    case "exhibition_added":
      return {
        fr: `Nouvelle exposition sur ${a.site} : ${frName(a, "exposition")}`,
        en: `New exhibition on ${a.site}: ${enName(a, "exhibition")}`,
      };
    case "sync_failed":
      return {
        fr: `La synchronisation de ${a.site} a échoué (${text(p.code, "erreur inconnue")})`,
        en: `The sync of ${a.site} failed (${text(p.code, "unknown error")})`,
      };
    case "site_unreachable":
      return {
        fr: `${a.site} ne se synchronise plus depuis ${p.minutes} min (dernière erreur : ${text(p.code, "inconnue")})`,
        en: `${a.site} has not synced for ${p.minutes} min (last error: ${text(p.code, "unknown")})`,
      };
    case "site_recovered":
      return {
        fr: `${a.site} se synchronise de nouveau, après ${p.minutes} min d'échec`,
        en: `${a.site} syncs again, after ${p.minutes} min of failures`,
      };
    case "security_warning":
      return p.code === "settings_exposed_without_key"
        ? {
            fr: `Sécurité : ${a.site} expose ses paramètres sans clé (sa clé d'export est lisible par tous)`,
            en: `Security: ${a.site} serves its settings without a key (its export key is readable by anyone)`,
          }
        : {
            fr: `Sécurité : l'export des paramètres de ${a.site} contient des secrets en clair`,
            en: `Security: the settings export of ${a.site} serves secrets in clear`,
          };
  }
}
