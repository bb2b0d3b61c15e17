/**
 * The pieces of a list screen: the filter bar's labelled fields, the site select, the page size (kept in
 * the URL), and the end of a list that loads the next page as the reader scrolls.
 */

import { type ReactNode, useEffect, useRef } from "react";
import { useI18n, useSites } from "../app/context";
import { formatNumber } from "../lib/format";
import { Button, ErrorState } from "./components";

/**
 * The end of a list: how many are shown (out of the total when it is known), and the next page — loaded on
 * its own as the reader scrolls near the end (an IntersectionObserver on a sentinel), or with the button.
 */
export function LoadMore({
  shown,
  hasMore,
  loading,
  error,
  onMore,
  noun,
  total,
}: {
  shown: number;
  hasMore: boolean;
  loading: boolean;
  error: unknown;
  onMore: () => void;
  noun: string;
  /** The whole list's size in words ("601 peintures"), when known. */
  total?: string | undefined;
}) {
  const { t, lang } = useI18n();
  const sentinel = useRef<HTMLDivElement>(null);
  const more = useRef(onMore);
  more.current = onMore;
  const canLoad = hasMore && !loading && !error;
  useEffect(() => {
    const node = sentinel.current;
    if (!node || !canLoad || typeof IntersectionObserver === "undefined") return;
    const observer = new IntersectionObserver(
      (entries) => {
        if (entries.some((entry) => entry.isIntersecting)) more.current();
      },
      { rootMargin: "0px 0px 1200px 0px" },
    );
    observer.observe(node);
    return () => observer.disconnect();
  }, [canLoad]);
  const count = total !== undefined ? t("paging.total", { shown: formatNumber(shown, lang), total }) : noun;
  return (
    <div className="load-more">
      <div ref={sentinel} className="list-sentinel" aria-hidden="true" />
      <p className="muted" data-testid="list-count" aria-live="polite">
        {hasMore ? t("paging.shown_more", { shown: count }) : t("paging.shown_all", { shown: count })}
      </p>
      {error ? <ErrorState error={error} onRetry={onMore} compact /> : null}
      {hasMore ? (
        <Button onClick={onMore} busy={loading} data-testid="load-more">
          {t("paging.load_more")}
        </Button>
      ) : null}
      {shown > 60 ? (
        <Button variant="ghost" size="sm" onClick={() => window.scrollTo({ top: 0, behavior: "smooth" })}>
          {t("paging.back_to_top")}
        </Button>
      ) : null}
    </div>
  );
}

/** The page sizes a list offers; the choice stays in the URL (`per_page`). */
const PAGE_SIZES = [50, 100, 200] as const;

export const pageSizeOf = (query: Record<string, string>, fallback: number): number => {
  const n = Number(query.per_page);
  return (PAGE_SIZES as readonly number[]).includes(n) ? n : fallback;
};

export function PageSize({
  value,
  onChange,
  id,
}: {
  value: number;
  onChange: (size: number) => void;
  id: string;
}) {
  const { t } = useI18n();
  return (
    <Filter label={t("paging.page_size")} htmlFor={id}>
      <select
        id={id}
        value={value}
        onChange={(e) => onChange(Number(e.target.value))}
        data-testid="page-size"
      >
        {PAGE_SIZES.map((size) => (
          <option key={size} value={size}>
            {size}
          </option>
        ))}
      </select>
    </Filter>
  );
}

/** The site filter every list shares. */
export function SiteSelect({
  value,
  onChange,
  allowAll = true,
  id,
  testId = "filter-site",
}: {
  value: string | undefined;
  onChange: (siteId: string | undefined) => void;
  allowAll?: boolean;
  id: string;
  testId?: string;
}) {
  const { t } = useI18n();
  const { sites, state } = useSites();
  return (
    <select
      id={id}
      value={value ?? ""}
      onChange={(e) => onChange(e.target.value || undefined)}
      data-testid={testId}
      disabled={state.isPending}
    >
      {allowAll ? <option value="">{t("filters.all_sites")}</option> : null}
      {value && !sites.some((site) => site.id === value) ? <option value={value}>{value}</option> : null}
      {sites.map((site) => (
        <option key={site.id} value={site.id}>
          {site.name}
        </option>
      ))}
    </select>
  );
}

/** A labelled filter in the filter bar. */
/** A filter bar's text search: a labelled search box that takes the free width. */
export function SearchFilter({
  id,
  label,
  value,
  onChange,
  placeholder,
  testId,
}: {
  id: string;
  label: string;
  value: string;
  onChange: (value: string) => void;
  placeholder?: string;
  testId: string;
}) {
  return (
    <Filter label={label} htmlFor={id} grow>
      <input
        id={id}
        type="search"
        value={value}
        onChange={(e) => onChange(e.target.value)}
        placeholder={placeholder}
        data-testid={testId}
      />
    </Filter>
  );
}

export function Filter({
  label,
  htmlFor,
  children,
  grow,
}: {
  label: string;
  htmlFor: string;
  children: ReactNode;
  grow?: boolean;
}) {
  return (
    <div className={`filter${grow ? " filter-grow" : ""}`}>
      <label htmlFor={htmlFor}>{label}</label>
      {children}
    </div>
  );
}
