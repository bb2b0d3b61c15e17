/**
 * Stable codes from the server, worded in the reader's language. The server sends codes (an entity's
 * `error.code`, a rejected record's `issues`, a log line's `code` + `params`, an API error's `reason`); the
 * words live in the message catalogue (`lib/messages/`) under `sync_error.<code>`, `fidelity.reason.<problem>`
 * (quality and rejection codes, `lib/quality.ts`), `field.<name>`, `log.<code>` and `api_reason.<reason>`. Adding a code's words is one line per language
 * there; a code without words falls back to a generic sentence, and the raw code goes to "Détails techniques".
 */
import { hasMessage, type Lang, type MessageKey, translate } from "./i18n";
import { describeCode } from "./quality";

type Params = Record<string, string | number>;

/** An entity's failure in words: `sync_error.<code>`, else the generic sentence. */
export function syncErrorText(lang: Lang, code: string | null | undefined): string {
  const key = `sync_error.${code ?? ""}`;
  return translate(lang, hasMessage(key) ? key : "sync_error.unknown");
}

/** "items.0.price" → "Article 1 › Prix"; an unknown field keeps its name. */
export function fieldLabel(lang: Lang, path: string): string {
  if (path === "") return translate(lang, "reason.record");
  const parts = path.split(".");
  const out: string[] = [];
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i] as string;
    const next = parts[i + 1];
    if (part === "items" && next !== undefined && /^\d+$/.test(next)) {
      out.push(translate(lang, "field.item", { n: Number(next) + 1 }));
      i++;
      continue;
    }
    const key = `field.${part}`;
    out.push(hasMessage(key) ? translate(lang, key) : part);
  }
  return out.join(" › ");
}

/** "1 500 ms" → "1,5 s"; a delay in a log line. */
const delayText = (lang: Lang, ms: number): string =>
  ms < 1000
    ? `${ms} ms`
    : `${new Intl.NumberFormat(lang === "fr" ? "fr-FR" : "en-GB", { maximumFractionDigits: 1 }).format(ms / 1000)} s`;

/**
 * A log line in the reader's language, from its `code` and `params`; a line without a known code keeps
 * the message the server stored (the seed's French).
 */
export function logLineText(
  lang: Lang,
  line: { code?: string | null; params?: Params | null; message: string },
): string {
  const key = `log.${line.code ?? ""}`;
  if (!line.code || !hasMessage(key)) return line.message;
  const params: Params = { ...(line.params ?? {}) };
  if (typeof params.error === "string") params.error = syncErrorText(lang, params.error);
  if (typeof params.delay_ms === "number") params.delay = delayText(lang, params.delay_ms);
  if (line.code === "record_invalid" || line.code === "record_flagged") {
    params.id = params.id === "" || params.id === undefined ? "" : `#${params.id}`;
    const t = (key: MessageKey, vars?: Params) => translate(lang, key, vars);
    params.reasons = String(params.reasons ?? "")
      .split(";")
      .filter((code) => code !== "")
      .map((code) => describeCode(code, t))
      .join(lang === "fr" ? " ; " : "; ");
  }
  return translate(lang, key as MessageKey, params)
    .replace(/\s+/g, " ")
    .trim();
}

/** The hint under an API error's title: `api_reason.<reason>`, then by kind; undefined when none fits. */
export function apiReasonKey(
  reason: string | undefined,
  status: number,
  code: string,
): MessageKey | undefined {
  const key = `api_reason.${reason ?? code}`;
  if (hasMessage(key)) return key;
  if (code === "network_error") return "api_reason.network";
  if (code === "bad_response") return "api_reason.bad_response";
  if (status >= 500) return "api_reason.server";
  return undefined;
}
