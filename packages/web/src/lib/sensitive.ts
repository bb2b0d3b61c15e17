/**
 * Which settings are secrets. The API already masks them, but the UI never trusts that alone: a key that
 * looks sensitive, a masked value or a Stripe secret-looking value is always shown as hidden, never in clear,
 * and there is deliberately no "reveal" action.
 */
export const MASKED = "***MASKED***";

/** `*secret*`, `*password*`, `*api_key*`, `*token*` (plus the usual spellings: passwd, apikey, api-key...). */
const SENSITIVE_KEY = /secret|passw(or)?d|pwd|api[_-]?key|token|private[_-]?key|credential/i;

/** Values that are secrets whatever their key: Stripe secret and restricted keys, webhook secrets. */
const SENSITIVE_VALUE = /^(sk|rk)_|^whsec_/;

export function isSensitiveKey(key: string): boolean {
  return SENSITIVE_KEY.test(key);
}

export function isSensitiveSetting(key: string, value: unknown): boolean {
  if (isSensitiveKey(key)) return true;
  if (typeof value !== "string") return false;
  const text = value.trim();
  return text === MASKED || SENSITIVE_VALUE.test(text);
}
