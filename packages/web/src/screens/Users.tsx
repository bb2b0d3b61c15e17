/**
 * Users of every site: Nom, Email, Rôle, Date d'inscription, Site, with the seed's role badges. Filters by
 * site, role and text go to the API; sorting by column is done on the rows already loaded, and the screen
 * says so.
 */
import { useId, useMemo, useState } from "react";
import type { User } from "../api/schemas";
import { useApi, useI18n } from "../app/context";
import { usePaged } from "../app/hooks";
import { navigate, useQueryFilters } from "../app/router";
import { formatDate, formatDateTime } from "../lib/format";
import { localeOf, type MessageKey } from "../lib/i18n";
import { href, type Route } from "../lib/router";
import { type SortDir, type SortKind, sortRows } from "../lib/sort";
import { roleKind } from "../lib/status";
import { RoleBadge } from "../ui/badges";
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
import { NotSet, QualityBadge, QualitySelect } from "../ui/quality";
import { DeletedBadge, DeletedToggle, EmailLink, useTextFilter } from "./shared";

export const USERS_PAGE_SIZE = 100;

type Column = "name" | "email" | "role" | "create_date" | "site";

const COLUMNS: ReadonlyArray<{
  key: Column;
  label: MessageKey;
  kind: SortKind;
  get: (user: User) => unknown;
}> = [
  { key: "name", label: "users.col.name", kind: "text", get: (u) => u.name },
  { key: "email", label: "users.col.email", kind: "text", get: (u) => u.email },
  { key: "role", label: "users.col.role", kind: "text", get: (u) => roleKind(u.role) },
  { key: "create_date", label: "users.col.create_date", kind: "date", get: (u) => u.create_date },
  { key: "site", label: "users.col.site", kind: "text", get: (u) => u.site_name || u.site_id },
];

export function UsersScreen({ route }: { route: Route }) {
  const api = useApi();
  const { t, tn, lang } = useI18n();
  const [query, setFilter] = useQueryFilters(route);
  const [q, setQ] = useTextFilter(query, setFilter, "q");
  const [sort, setSort] = useState<{ key: Column; dir: SortDir } | null>(null);
  const ids = { site: useId(), role: useId(), q: useId(), deleted: useId(), quality: useId() };
  const { site_id, role } = query;
  const quality = query.quality === "flagged" || query.quality === "complete" ? query.quality : undefined;
  const includeDeleted = query.deleted === "1";

  const list = usePaged(
    (cursor, signal) =>
      api.listUsers(
        { site_id, role, q: query.q, include_deleted: includeDeleted || undefined, quality },
        { limit: USERS_PAGE_SIZE, cursor, signal },
      ),
    [api, site_id, role, query.q, includeDeleted, quality],
  );

  const rows = useMemo(() => {
    if (!sort) return list.items;
    const column = COLUMNS.find((c) => c.key === sort.key);
    return column ? sortRows(list.items, column.get, column.kind, sort.dir, localeOf(lang)) : list.items;
  }, [list.items, sort, lang]);

  const toggleSort = (key: Column) =>
    setSort((current) =>
      current?.key !== key ? { key, dir: "asc" } : current.dir === "asc" ? { key, dir: "desc" } : null,
    );
  const filtered = Boolean(site_id || role || query.q || quality);

  return (
    <>
      <PageHeader title={t("nav.users")} subtitle={t("users.subtitle")} />
      <div className="filters card" data-testid="users-filters">
        <Filter label={t("filters.site")} htmlFor={ids.site}>
          <SiteSelect id={ids.site} value={site_id} onChange={(v) => setFilter("site_id", v)} />
        </Filter>
        <Filter label={t("filters.role")} htmlFor={ids.role}>
          <select
            id={ids.role}
            value={role ?? ""}
            onChange={(e) => setFilter("role", e.target.value || undefined)}
            data-testid="filter-role"
          >
            <option value="">{t("filters.all_roles")}</option>
            <option value="admin">{t("role.admin")}</option>
            <option value="user">{t("role.user")}</option>
          </select>
        </Filter>
        <Filter label={t("filters.search")} htmlFor={ids.q} grow>
          <input
            id={ids.q}
            type="search"
            value={q}
            onChange={(e) => setQ(e.target.value)}
            placeholder={t("users.search_placeholder")}
            data-testid="filter-q"
          />
        </Filter>
        <Filter label={t("fidelity.quality_filter")} htmlFor={ids.quality}>
          <QualitySelect id={ids.quality} value={quality} onChange={(v) => setFilter("quality", v)} />
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
          title={filtered ? t("users.empty_filtered") : t("users.empty")}
          hint={filtered ? t("common.empty_filtered_hint") : t("users.empty_hint")}
        >
          {filtered ? (
            <Button onClick={() => navigate(href("users"))} data-testid="clear-filters">
              {t("filters.clear")}
            </Button>
          ) : null}
        </EmptyState>
      ) : (
        <>
          <p className="muted small sort-note" data-testid="sort-note">
            {t("users.sort_note", { n: tn("count.users", list.items.length) })}
          </p>
          <div className="table-wrap card">
            <table className="data-table responsive-table" data-testid="users-table">
              <thead>
                <tr>
                  {COLUMNS.map((column) => {
                    const active = sort?.key === column.key;
                    return (
                      <th
                        key={column.key}
                        scope="col"
                        aria-sort={active ? (sort.dir === "asc" ? "ascending" : "descending") : "none"}
                      >
                        <button
                          type="button"
                          className="sort-btn"
                          onClick={() => toggleSort(column.key)}
                          data-testid={`sort-${column.key}`}
                        >
                          {t(column.label)}
                          <span className="sort-arrow" aria-hidden="true">
                            {active ? (sort.dir === "asc" ? "▲" : "▼") : "↕"}
                          </span>
                        </button>
                      </th>
                    );
                  })}
                </tr>
              </thead>
              <tbody>
                {rows.map((user) => (
                  <tr
                    key={`${user.site_id}:${user.id}`}
                    data-testid="user-row"
                    data-user-id={String(user.id)}
                    data-site-id={user.site_id}
                    className={user.deleted_at ? "is-deleted" : undefined}
                  >
                    <td data-label={t("users.col.name")} className="strong">
                      <span>
                        {user.name || <NotSet />} <QualityBadge quality={user.quality} />{" "}
                        <DeletedBadge at={user.deleted_at} />
                      </span>
                    </td>
                    <td data-label={t("users.col.email")}>
                      <EmailLink email={user.email} />
                    </td>
                    <td data-label={t("users.col.role")}>
                      <RoleBadge role={user.role} />
                    </td>
                    <td
                      data-label={t("users.col.create_date")}
                      title={formatDateTime(user.create_date, lang)}
                    >
                      {formatDate(user.create_date, lang)}
                    </td>
                    <td data-label={t("users.col.site")}>{user.site_name || user.site_id}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <LoadMore
            shown={list.items.length}
            hasMore={list.hasMore}
            loading={list.loadingMore}
            error={list.moreError}
            onMore={list.loadMore}
            noun={tn("count.users", list.items.length)}
          />
        </>
      )}
    </>
  );
}
