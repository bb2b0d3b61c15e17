/**
 * The admin token lives in sessionStorage only: it is gone when the tab closes, it is never put in a URL,
 * in localStorage or in the page. The UI language is a harmless preference, kept in localStorage.
 */
import { isLang, type Lang } from "../lib/i18n";

const TOKEN_KEY = "artworksdigital.dashboard.token";
const LANG_KEY = "artworksdigital.dashboard.lang";

function storage(kind: "session" | "local"): Storage | null {
  try {
    return kind === "session" ? window.sessionStorage : window.localStorage;
  } catch {
    return null;
  }
}

export const readToken = (): string | null => storage("session")?.getItem(TOKEN_KEY) ?? null;
export const saveToken = (token: string): void => storage("session")?.setItem(TOKEN_KEY, token);
export const clearToken = (): void => storage("session")?.removeItem(TOKEN_KEY);

export function readLang(): Lang {
  const saved = storage("local")?.getItem(LANG_KEY);
  if (isLang(saved)) return saved;
  return "fr";
}
export const saveLang = (lang: Lang): void => storage("local")?.setItem(LANG_KEY, lang);
