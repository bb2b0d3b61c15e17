/**
 * Pieces several screens share: text filters that follow the URL, the filters every record list has
 * (data quality, page size, deleted records), the facet selects.
 */
import { useQuery } from "@tanstack/react-query";
import { type ReactNode, useEffect, useId, useRef, useState } from "react";
import type { QualityFilter } from "../api/client";
import { useApi, useI18n, useSites } from "../app/context";
import { useDebounced } from "../app/hooks";
import { navigate, useQueryFilters } from "../app/router";
import { formatDateTime } from "../lib/format";
import { href, type Route } from "../lib/router";
import { normalizeText } from "../lib/status";
import { Badge, Button, EmptyState } from "../ui/components";
import { ListScreen, type ListScreenProps } from "../ui/ListScreen";
import { Filter, PageSize, pageSizeOf, SiteSelect } from "../ui/lists";
import { QualitySelect } from "../ui/quality";

/** The filters in the URL of a record list, and those every record list has. */
export function useRecordFilters(route: Route, defaultPageSize: number) {
  const [query, setFilter] = useQueryFilters(route);
  const quality: QualityFilter | undefined =
    query.quality === "flagged" || query.quality === "complete" ? query.quality : undefined;
  return {
    query,
    setFilter,
    pageSize: pageSizeOf(query, defaultPageSize),
    defaultPageSize,
    includeDeleted: query.deleted === "1",
    quality,
  };
}

type RecordEntity = "paintings" | "users" | "orders";

/**
 * A list of synced records (paintings, users, orders): the list screen with the site filter first, the
 * entity's own `fields`, then the filters every record list has; its empty state offers to clear filters.
 */
export function RecordListScreen<T>({
  entity,
  filters,
  fields,
  sortFilter,
  filtered,
  total,
  ...rest
}: Omit<ListScreenProps<T>, "title" | "subtitle" | "filters" | "filtersTestId" | "empty" | "count"> & {
  entity: RecordEntity;
  filters: ReturnType<typeof useRecordFilters>;
  /** The entity's own filters, after the site. */
  fields: ReactNode;
  /** Between the data-quality filter and the page size. */
  sortFilter?: ReactNode;
  filtered: boolean;
}) {
  const { t, tn } = useI18n();
  const siteId = useId();
  return (
    <ListScreen
      {...rest}
      title={t(`nav.${entity}`)}
      subtitle={t(`${entity}.subtitle`)}
      filtersTestId={`${entity}-filters`}
      count={(n) => tn(`count.${entity}`, n)}
      total={total}
      empty={
        <EmptyState
          title={t(filtered ? `${entity}.empty_filtered` : `${entity}.empty`)}
          hint={filtered ? t("common.empty_filtered_hint") : t(`${entity}.empty_hint`)}
        >
          {filtered ? (
            <Button onClick={() => navigate(href(entity))} data-testid="clear-filters">
              {t("filters.clear")}
            </Button>
          ) : null}
        </EmptyState>
      }
      filters={
        <>
          <Filter label={t("filters.site")} htmlFor={siteId}>
            <SiteSelect
              id={siteId}
              value={filters.query.site_id}
              onChange={(v) => filters.setFilter("site_id", v)}
            />
          </Filter>
          {fields}
          <RecordFilters filters={filters}>{sortFilter}</RecordFilters>
        </>
      }
    />
  );
}

/** The end of a record list's filter bar: data quality, (`children`,) page size, deleted records. */
function RecordFilters({
  filters,
  children,
}: {
  filters: ReturnType<typeof useRecordFilters>;
  children?: ReactNode;
}) {
  const { t } = useI18n();
  const ids = { quality: useId(), size: useId(), deleted: useId() };
  const { setFilter, defaultPageSize } = filters;
  return (
    <>
      <Filter label={t("fidelity.quality_filter")} htmlFor={ids.quality}>
        <QualitySelect id={ids.quality} value={filters.quality} onChange={(v) => setFilter("quality", v)} />
      </Filter>
      {children}
      <PageSize
        id={ids.size}
        value={filters.pageSize}
        onChange={(size) => setFilter("per_page", size === defaultPageSize ? undefined : String(size))}
      />
      <DeletedToggle
        id={ids.deleted}
        checked={filters.includeDeleted}
        onChange={(on) => setFilter("deleted", on ? "1" : undefined)}
      />
    </>
  );
}

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
  const facets = useQuery({
    queryKey: ["facets", entity, siteId],
    queryFn: ({ signal }) => api.facets(entity, siteId, signal),
  });
  const options = facets.data?.facets[field] ?? [];
  // The server folds filter values (core `record.ts` `fold`) the way `normalizeText` does.
  const current = value ? normalizeText(value) : "";
  return (
    <select
      id={id}
      value={current}
      onChange={(e) => onChange(e.target.value || undefined)}
      data-testid={testId}
      aria-busy={facets.isPending || undefined}
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
