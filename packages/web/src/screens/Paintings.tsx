/**
 * Paintings of every site as cards: image (lazy, with a placeholder when there is none or it fails), name,
 * category, price in euros, a status badge, a "Données incomplètes" badge on flagged paintings, the site,
 * when the painting last changed and when the site was last synced. Filters by site, status, category,
 * text and data quality; the newest first or in the artist's own order; cursor paging, 200 per page by
 * default, the next page loading as the reader nears the end of the list.
 */
import { useId, useMemo } from "react";
import type { Painting } from "../api/types";
import { useApi, useI18n, useSites } from "../app/context";
import { usePagedQuery } from "../app/hooks";
import { formatDateTime, formatMoney } from "../lib/format";
import { href, type Route } from "../lib/router";
import { PaintingStatusBadge } from "../ui/badges";
import { Filter, SearchFilter } from "../ui/lists";
import { PaintingImage } from "../ui/PaintingImage";
import { NotSet, QualityBadge } from "../ui/quality";
import {
  DeletedBadge,
  FacetSelect,
  RecordListScreen,
  useKnownTotal,
  useRecordFilters,
  useTextFilter,
} from "./shared";

/** The default page: 600 paintings load in three more pages as the reader scrolls (docs/performance.md). */
const PAINTINGS_PAGE_SIZE = 200;

export function PaintingsScreen({ route }: { route: Route }) {
  const api = useApi();
  const { t } = useI18n();
  const filters = useRecordFilters(route, PAINTINGS_PAGE_SIZE);
  const { query, setFilter, pageSize, includeDeleted, quality } = filters;
  const [q, setQ] = useTextFilter(query, setFilter, "q");
  const [category, setCategory] = useTextFilter(query, setFilter, "category");
  const ids = {
    status: useId(),
    category: useId(),
    q: useId(),
    categories: useId(),
    sort: useId(),
  };
  const { site_id, status } = query;
  // The artist's order is one site's own order: without a site, the newest first.
  const sort = query.sort === "artist" && site_id ? ("artist" as const) : undefined;
  const request = {
    site_id,
    status,
    category: query.category,
    q: query.q,
    include_deleted: includeDeleted ? "true" : undefined,
    quality,
    sort,
  };
  const list = usePagedQuery(["records", "paintings", request, pageSize], (cursor, signal) =>
    api.listPaintings(request, { limit: pageSize, cursor, signal }),
  );

  const categories = useMemo(
    () =>
      [...new Set(list.items.map((p) => p.category).filter((c): c is string => !!c))].sort((a, b) =>
        a.localeCompare(b),
      ),
    [list.items],
  );
  const filtered = Boolean(site_id || status || query.category || query.q || quality);
  const total = useKnownTotal(
    "paintings",
    site_id,
    Boolean(status || query.category || query.q || includeDeleted || quality),
  );

  return (
    <RecordListScreen
      entity="paintings"
      csv={{ list: "paintings", filters: request }}
      filters={filters}
      list={list}
      total={total}
      filtered={filtered}
      fields={
        <>
          <Filter label={t("filters.status")} htmlFor={ids.status}>
            <FacetSelect
              entity="paintings"
              field="status"
              siteId={site_id}
              value={status}
              onChange={(v) => setFilter("status", v)}
              id={ids.status}
              allLabel={t("filters.all_statuses")}
              testId="filter-status"
            />
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
          <SearchFilter
            id={ids.q}
            label={t("filters.search")}
            value={q}
            onChange={setQ}
            placeholder={t("paintings.search_placeholder")}
            testId="filter-q"
          />
        </>
      }
      sortFilter={
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
      }
    >
      {(items) => (
        <ul className="painting-grid" data-testid="painting-list">
          {items.map((painting) => (
            <li key={`${painting.site_id}:${painting.id}`}>
              <PaintingCard painting={painting} />
            </li>
          ))}
        </ul>
      )}
    </RecordListScreen>
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
          <a
            href={href("painting", { site: painting.site_id, id: String(painting.id) })}
            data-testid="painting-open"
          >
            {name}
          </a>
        </h3>
        <p className="painting-category muted" data-testid="painting-category">
          {details.length > 0 ? details.join(" · ") : t("paintings.no_category")}
        </p>
        <p className="painting-price" data-testid="painting-price">
          {painting.price === null || painting.price === undefined ? (
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
