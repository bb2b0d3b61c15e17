/**
 * Paintings of every site as cards: image (lazy, with a placeholder when there is none or it fails), name,
 * category, price in euros, a status badge, a "Données incomplètes" badge on flagged paintings, the site,
 * when the painting last changed and when the site was last synced. Filters by site, status, category,
 * text and data quality; the newest first or in the artist's own order; cursor paging with "load more",
 * which copes with thousands (cards off screen are not laid out).
 */
import { useId, useMemo } from "react";
import type { Painting } from "../api/schemas";
import { useApi, useI18n, useSites } from "../app/context";
import { usePaged } from "../app/hooks";
import { navigate, useQueryFilters } from "../app/router";
import { formatDateTime, formatMoney } from "../lib/format";
import { href, type Route } from "../lib/router";
import { PaintingStatusBadge } from "../ui/badges";
import {
  Button,
  EmptyState,
  ErrorState,
  Filter,
  Loading,
  LoadMore,
  PageHeader,
  SiteSelect,
} from "../ui/components";
import { PaintingImage } from "../ui/PaintingImage";
import { NotSet, QualityBadge, QualitySelect } from "../ui/quality";
import { DeletedBadge, DeletedToggle, useTextFilter } from "./shared";

export const PAINTINGS_PAGE_SIZE = 48;

/** The statuses offered in the filter; the Template's values are French free text in any case. */
const STATUS_OPTIONS = [
  { value: "disponible", label: "status.available" },
  { value: "vendu", label: "status.sold" },
  { value: "réservé", label: "status.reserved" },
] as const;

export function PaintingsScreen({ route }: { route: Route }) {
  const api = useApi();
  const { t, tn } = useI18n();
  const [query, setFilter] = useQueryFilters(route);
  const [q, setQ] = useTextFilter(query, setFilter, "q");
  const [category, setCategory] = useTextFilter(query, setFilter, "category");
  const ids = {
    site: useId(),
    status: useId(),
    category: useId(),
    q: useId(),
    deleted: useId(),
    categories: useId(),
    quality: useId(),
    sort: useId(),
  };
  const { site_id, status } = query;
  const includeDeleted = query.deleted === "1";
  const quality = query.quality === "flagged" || query.quality === "complete" ? query.quality : undefined;
  // The artist's order is one site's own order: without a site, the newest first.
  const sort = query.sort === "artist" && site_id ? "artist" : undefined;

  const list = usePaged(
    (cursor, signal) =>
      api.listPaintings(
        {
          site_id,
          status,
          category: query.category,
          q: query.q,
          include_deleted: includeDeleted || undefined,
          quality,
          sort,
        },
        { limit: PAINTINGS_PAGE_SIZE, cursor, signal },
      ),
    [api, site_id, status, query.category, query.q, includeDeleted, quality, sort],
  );

  const categories = useMemo(
    () =>
      [...new Set(list.items.map((p) => p.category).filter((c): c is string => !!c))].sort((a, b) =>
        a.localeCompare(b),
      ),
    [list.items],
  );
  const filtered = Boolean(site_id || status || query.category || query.q || quality);

  return (
    <>
      <PageHeader title={t("nav.paintings")} subtitle={t("paintings.subtitle")} />
      <div className="filters card" data-testid="paintings-filters">
        <Filter label={t("filters.site")} htmlFor={ids.site}>
          <SiteSelect id={ids.site} value={site_id} onChange={(v) => setFilter("site_id", v)} />
        </Filter>
        <Filter label={t("filters.status")} htmlFor={ids.status}>
          <select
            id={ids.status}
            value={status ?? ""}
            onChange={(e) => setFilter("status", e.target.value || undefined)}
            data-testid="filter-status"
          >
            <option value="">{t("filters.all_statuses")}</option>
            {STATUS_OPTIONS.map((option) => (
              <option key={option.value} value={option.value}>
                {t(option.label)}
              </option>
            ))}
            {status && !STATUS_OPTIONS.some((o) => o.value === status) ? (
              <option value={status}>{status}</option>
            ) : null}
          </select>
        </Filter>
        <Filter label={t("filters.category")} htmlFor={ids.category}>
          <input
            id={ids.category}
            type="text"
            list={ids.categories}
            value={category}
            onChange={(e) => setCategory(e.target.value)}
            placeholder={t("filters.category_placeholder")}
            data-testid="filter-category"
          />
          <datalist id={ids.categories}>
            {categories.map((c) => (
              <option key={c} value={c} />
            ))}
          </datalist>
        </Filter>
        <Filter label={t("filters.search")} htmlFor={ids.q} grow>
          <input
            id={ids.q}
            type="search"
            value={q}
            onChange={(e) => setQ(e.target.value)}
            placeholder={t("paintings.search_placeholder")}
            data-testid="filter-q"
          />
        </Filter>
        <Filter label={t("fidelity.quality_filter")} htmlFor={ids.quality}>
          <QualitySelect id={ids.quality} value={quality} onChange={(v) => setFilter("quality", v)} />
        </Filter>
        <Filter label={t("fidelity.sort")} htmlFor={ids.sort}>
          <select
            id={ids.sort}
            value={sort ?? "recent"}
            disabled={!site_id}
            title={site_id ? undefined : t("fidelity.sort_artist_needs_site")}
            onChange={(e) => setFilter("sort", e.target.value === "artist" ? "artist" : undefined)}
            data-testid="filter-sort"
          >
            <option value="recent">{t("fidelity.sort_recent")}</option>
            <option value="artist">{t("fidelity.sort_artist")}</option>
          </select>
        </Filter>
        <DeletedToggle
          id={ids.deleted}
          checked={includeDeleted}
          onChange={(on) => setFilter("deleted", on ? "1" : undefined)}
        />
      </div>

      {list.loading ? (
        <Loading />
      ) : list.error ? (
        <ErrorState error={list.error} onRetry={list.reload} />
      ) : list.items.length === 0 ? (
        <EmptyState
          title={filtered ? t("paintings.empty_filtered") : t("paintings.empty")}
          hint={filtered ? t("common.empty_filtered_hint") : t("paintings.empty_hint")}
        >
          {filtered ? (
            <Button onClick={() => navigate(href("paintings"))} data-testid="clear-filters">
              {t("filters.clear")}
            </Button>
          ) : null}
        </EmptyState>
      ) : (
        <>
          <ul className="painting-grid" data-testid="painting-list">
            {list.items.map((painting) => (
              <li key={`${painting.site_id}:${painting.id}`}>
                <PaintingCard painting={painting} />
              </li>
            ))}
          </ul>
          <LoadMore
            shown={list.items.length}
            hasMore={list.hasMore}
            loading={list.loadingMore}
            error={list.moreError}
            onMore={list.loadMore}
            noun={tn("count.paintings", list.items.length)}
          />
        </>
      )}
    </>
  );
}

function PaintingCard({ painting }: { painting: Painting }) {
  const { t, lang } = useI18n();
  const { byId } = useSites();
  const name = painting.name?.trim() || t("paintings.untitled");
  const details = [
    painting.category,
    painting.technique,
    painting.year ? String(painting.year) : null,
  ].filter((part): part is string => !!part && part.trim() !== "");
  const lastSynced = byId.get(painting.site_id)?.last_synced_at?.paintings;
  const flagged = painting.quality.length > 0;
  return (
    <article
      className={`card painting-card${painting.deleted_at ? " is-deleted" : ""}${flagged ? " is-flagged" : ""}`}
      data-testid="painting-card"
      data-painting-id={String(painting.id)}
      data-site-id={painting.site_id}
      data-flagged={String(flagged)}
    >
      <div className="painting-image">
        <PaintingImage url={painting.image_url} alt={name} />
        <span className="painting-status">
          <PaintingStatusBadge status={painting.status} />
        </span>
      </div>
      <div className="painting-body">
        <h3 className="painting-name" title={name}>
          {name}
        </h3>
        <p className="painting-category muted" data-testid="painting-category">
          {details.length > 0 ? details.join(" · ") : t("paintings.no_category")}
        </p>
        <p className="painting-price" data-testid="painting-price">
          {painting.price === null || painting.price === undefined || painting.price === "" ? (
            <NotSet />
          ) : (
            formatMoney(painting.price, lang)
          )}
        </p>
        <p className="painting-site small">
          {t("paintings.from")}{" "}
          <strong data-testid="painting-site">{painting.site_name || painting.site_id}</strong>
        </p>
        <p
          className="painting-sync small muted"
          data-testid="painting-changed"
          title={t("fidelity.last_changed_hint")}
        >
          {t("fidelity.last_changed", { date: formatDateTime(painting.sync_timestamp, lang) })}
        </p>
        {lastSynced ? (
          <p
            className="painting-sync small muted"
            data-testid="painting-synced"
            title={t("fidelity.last_synced_hint")}
          >
            {t("fidelity.last_synced", { date: formatDateTime(lastSynced, lang) })}
          </p>
        ) : null}
        <QualityBadge quality={painting.quality} />
        <DeletedBadge at={painting.deleted_at} />
      </div>
    </article>
  );
}
