/**
 * Lambda's event filtering, for the patterns the Dashboard uses (docs: "Lambda event filtering"): a pattern
 * is an object whose keys name fields of the event; a list holds the values a field may have (exact match);
 * a nested object matches a nested field. A record passes when any pattern matches it; no patterns: all pass.
 */
type Pattern = { readonly [key: string]: Pattern | readonly (string | number | boolean | null)[] };

function matches(pattern: Pattern, value: unknown): boolean {
  if (value === null || typeof value !== "object") return false;
  const record = value as Record<string, unknown>;
  return Object.entries(pattern).every(([key, expected]) =>
    Array.isArray(expected)
      ? (expected as unknown[]).includes(record[key])
      : matches(expected as Pattern, record[key]),
  );
}

export const passesFilters = (patterns: readonly Pattern[] | undefined, record: unknown): boolean =>
  !patterns || patterns.length === 0 || patterns.some((p) => matches(p, record));
