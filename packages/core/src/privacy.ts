/**
 * Personal data a `viewer` does not see in clear: e-mail addresses of customers and users. They are masked
 * wherever they appear in what the API returns to a viewer (records and the raw copies of rejected
 * records), keeping their shape so a person can still tell two addresses apart: `jean.dupont@gmail.com` →
 * `j***@g***.com`.
 */
const EMAIL = /^([^\s@])[^\s@]*@([^\s@.])[^\s@]*?((?:\.[^\s@.]+)?)$/;
const EMAIL_ANYWHERE = /[^\s@<>"',;:()]+@[^\s@<>"',;:()]+/g;

/** `jean.dupont@gmail.com` → `j***@g***.com`; a value that is not an address is left alone. */
export function maskEmail(value: string): string {
  const match = EMAIL.exec(value.trim());
  if (!match) return value.replace(EMAIL_ANYWHERE, (found) => (EMAIL.test(found) ? maskEmail(found) : "***"));
  return `${match[1]}***@${match[2]}***${match[3] ?? ""}`;
}

/** A copy of `value` with every e-mail address in any string, at any depth, masked. */
export function maskPersonalData<T>(value: T): T {
  if (typeof value === "string") return (value.includes("@") ? maskEmail(value) : value) as T;
  if (Array.isArray(value)) return value.map((v) => maskPersonalData(v)) as T;
  if (value && typeof value === "object") {
    return Object.fromEntries(
      Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, maskPersonalData(v)]),
    ) as T;
  }
  return value;
}
