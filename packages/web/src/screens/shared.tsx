/** Pieces several screens share: text filters that follow the URL, the "deleted" toggle. */
import { useEffect, useRef, useState } from "react";
import type { Facets } from "../api/schemas";
import { useApi, useI18n, useSites } from "../app/context";
import { useAsync, useDebounced } from "../app/hooks";
import { formatDateTime } from "../lib/format";
import { normalizeText } from "../lib/status";
import { Badge } from "../ui/components";

/**
 * A text filter bound to the hash query: typing updates the field at once and the URL (hence the request)
 * 300 ms after the last keystroke; Back or a link updates the field.
 */
export function useTextFilter(
  query: Record<string, string>,
  setFilter: (key: string, value: string | undefined) => void,
  key: string,
): [string, (value: string) => void] {
  const external = query[key] ?? "";
  const [value, setValue] = useState(external);
  const debounced = useDebounced(value, 300);
  const lastPushed = useRef(external);

  useEffect(() => {
    if (external !== lastPushed.current) {
      lastPushed.current = external;
      setValue(external);
    }
  }, [external]);

  // Runs when the *debounced text* changes only: a route change (say, "clear filters") must not push back a
  // value the field no longer shows.
  const setFilterRef = useRef(setFilter);
  setFilterRef.current = setFilter;
  useEffect(() => {
    const next = debounced.trim();
    if (next === lastPushed.current) return;
    lastPushed.current = next;
    setFilterRef.current(key, next || undefined);
  }, [debounced, key]);

  return [value, setValue];
}

export function DeletedToggle({
  checked,
  onChange,
  id,
}: {
  checked: boolean;
  onChange: (checked: boolean) => void;
  id: string;
}) {
  const { t } = useI18n();
  return (
    <label className="check" htmlFor={id}>
      <input
        id={id}
        type="checkbox"
        checked={checked}
        onChange={(e) => onChange(e.target.checked)}
        data-testid="filter-include-deleted"
      />
      {t("filters.include_deleted")}
    </label>
  );
}

export function DeletedBadge({ at }: { at: string | null | undefined }) {
  const { t, lang } = useI18n();
  if (!at) return null;
  return (
    <Badge tone="danger" testId="deleted-badge">
      {t("common.deleted_on", { date: formatDateTime(at, lang) })}
    </Badge>
  );
}

/**
 * How many records a list holds, when the Dashboard knows it: the sites' counts of valid, live records (one
 * site's, or the sum over every site), and only while no other filter narrows the list.
 */
export function useKnownTotal(
  entity: "paintings" | "users" | "orders",
  siteId: string | undefined,
  narrowed: boolean,
): number | undefined {
  const { sites, byId } = useSites();
  if (narrowed) return undefined;
  if (siteId) return byId.get(siteId)?.counts?.[entity] ?? undefined;
  if (sites.length === 0 || sites.some((site) => site.counts?.[entity] === undefined)) return undefined;
  return sites.reduce((sum, site) => sum + (site.counts?.[entity] ?? 0), 0);
}

/**
 * A filter whose choices are the values present in the stored records (`GET /api/<entity>/facets`), for one
 * site or all: "Livrée (12)". The current value stays offered even when no record has it any more.
 */
export function FacetSelect({
  entity,
  field,
  siteId,
  value,
  onChange,
  id,
  allLabel,
  testId,
}: {
  entity: "paintings" | "users" | "orders";
  field: string;
  siteId: string | undefined;
  value: string | undefined;
  onChange: (value: string | undefined) => void;
  id: string;
  allLabel: string;
  testId: string;
}) {
  const api = useApi();
  const facets = useAsync<Facets>((signal) => api.facets(entity, siteId, signal), [api, entity, siteId]);
  const options = facets.data?.facets[field] ?? [];
  // The server folds filter values (core `record.ts` `fold`) the way `normalizeText` does.
  const current = value ? normalizeText(value) : "";
  return (
    <select
      id={id}
      value={current}
      onChange={(e) => onChange(e.target.value || undefined)}
      data-testid={testId}
      aria-busy={facets.loading || undefined}
    >
      <option value="">{allLabel}</option>
      {options.map((option) => (
        <option key={option.value} value={option.value}>
          {`${option.label} (${option.count})`}
        </option>
      ))}
      {current && !options.some((o) => o.value === current) ? <option value={current}>{value}</option> : null}
    </select>
  );
}

/** An e-mail address as a mailto link; a masked one (what a viewer gets) is shown as text, not offered as a link. */
export function EmailLink({ email }: { email: string | null | undefined }) {
  if (!email) return <>—</>;
  if (email.includes("***")) return <span data-testid="email-masked">{email}</span>;
  return <a href={`mailto:${email}`}>{email}</a>;
}
