/** Exhibitions of one site or all sites, by date, newest first (across sites too); undated ones last. */
import { useId } from "react";
import type { Exhibition } from "../api/types";
import { useApi, useI18n } from "../app/context";
import { usePagedQuery } from "../app/hooks";
import { useQueryFilters } from "../app/router";
import { formatDate, parseLooseDate } from "../lib/format";
import type { Route } from "../lib/router";
import { EmptyState } from "../ui/components";
import { ListScreen } from "../ui/ListScreen";
import { Filter, SiteSelect } from "../ui/lists";
import { DeletedBadge, DeletedToggle } from "./shared";

/** The loaded exhibitions by date, newest first; those without a readable date keep their order, last. */
export function byDateDesc(items: Exhibition[]): Exhibition[] {
  const time = (e: Exhibition) => parseLooseDate(e.date)?.getTime() ?? Number.NEGATIVE_INFINITY;
  return [...items].sort((a, b) => time(b) - time(a));
}

export function ExhibitionsScreen({ route }: { route: Route }) {
  const api = useApi();
  const { t, tn } = useI18n();
  const [query, setFilter] = useQueryFilters(route);
  const ids = { site: useId(), deleted: useId() };
  const { site_id } = query;
  const includeDeleted = query.deleted === "1";
  const request = { site_id, include_deleted: includeDeleted ? "true" : undefined };
  const list = usePagedQuery(["records", "exhibitions", request], (cursor, signal) =>
    api.listExhibitions(request, { limit: 50, cursor, signal }),
  );
  return (
    <ListScreen
      csv={{ list: "exhibitions", filters: request }}
      title={t("nav.exhibitions")}
      subtitle={t("exhibitions.subtitle")}
      list={list}
      count={(n) => tn("count.exhibitions", n)}
      empty={<EmptyState title={t("exhibitions.empty")} hint={t("exhibitions.empty_hint")} />}
      filters={
        <>
          <Filter label={t("filters.site")} htmlFor={ids.site}>
            <SiteSelect id={ids.site} value={site_id} onChange={(v) => setFilter("site_id", v)} />
          </Filter>
          <DeletedToggle
            id={ids.deleted}
            checked={includeDeleted}
            onChange={(on) => setFilter("deleted", on ? "1" : undefined)}
          />
        </>
      }
    >
      {(items) => (
        <ul className="exhibition-grid">
          {byDateDesc(items).map((exhibition) => (
            <li key={`${exhibition.site_id}:${exhibition.id}`}>
              <ExhibitionCard exhibition={exhibition} />
            </li>
          ))}
        </ul>
      )}
    </ListScreen>
  );
}

function ExhibitionCard({ exhibition }: { exhibition: Exhibition }) {
  const { t, lang } = useI18n();
  const date = parseLooseDate(exhibition.date);
  const times = [exhibition.start_time, exhibition.end_time].filter((x): x is string => !!x?.trim());
  return (
    <article
      className="card exhibition-card"
      data-testid="exhibition-card"
      data-exhibition-id={String(exhibition.id)}
      data-site-id={exhibition.site_id}
    >
      <div className="exhibition-date" aria-hidden={date ? true : undefined}>
        {date ? (
          <>
            <span className="day">{date.getDate()}</span>
            <span className="month">
              {new Intl.DateTimeFormat(lang === "fr" ? "fr-FR" : "en-GB", { month: "short" }).format(date)}
            </span>
            <span className="year">{date.getFullYear()}</span>
          </>
        ) : (
          <span className="month">?</span>
        )}
      </div>
      <div className="exhibition-body">
        <h3>{exhibition.title || t("exhibitions.untitled")}</h3>
        <p className="small">
          <span className="visually-hidden">{t("exhibitions.date")} </span>
          {formatDate(exhibition.date, lang)}
          {times.length > 0 ? ` · ${times.join(" – ")}` : ""}
        </p>
        {exhibition.location ? <p className="small strong">{exhibition.location}</p> : null}
        {exhibition.description ? (
          <p className="exhibition-description muted small">{exhibition.description}</p>
        ) : null}
        <p className="small muted">
          {t("paintings.from")} <strong>{exhibition.site_name || exhibition.site_id}</strong>
        </p>
        <DeletedBadge at={exhibition.deleted_at} />
      </div>
    </article>
  );
}
