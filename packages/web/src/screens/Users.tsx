/**
 * Users of every site: Nom, Email, Rôle, Date d'inscription, Site, with the seed's role badges. Filters by
 * site, role and text go to the API; sorting by column is done on the rows already loaded, and the screen
 * says so.
 */
import { useId, useMemo, useState } from "react";
import type { User } from "../api/types";
import { useApi, useI18n } from "../app/context";
import { usePagedQuery } from "../app/hooks";
import { formatDate, formatDateTime } from "../lib/format";
import { localeOf, type MessageKey } from "../lib/i18n";
import { href, type Route } from "../lib/router";
import { type SortDir, type SortKind, sortRows } from "../lib/sort";
import { roleKind } from "../lib/status";
import { RoleBadge } from "../ui/badges";
import { DataTable } from "../ui/ListScreen";
import { Filter, SearchFilter } from "../ui/lists";
import { QualityBadge } from "../ui/quality";
import {
  DeletedBadge,
  EmailLink,
  RecordListScreen,
  useKnownTotal,
  useRecordFilters,
  useTextFilter,
} from "./shared";

const USERS_PAGE_SIZE = 100;

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
  const filters = useRecordFilters(route, USERS_PAGE_SIZE);
  const { query, setFilter, pageSize, includeDeleted, quality } = filters;
  const [q, setQ] = useTextFilter(query, setFilter, "q");
  const [sort, setSort] = useState<{ key: Column; dir: SortDir } | null>(null);
  const ids = { role: useId(), q: useId() };
  const { site_id, role } = query;
  const request = {
    site_id,
    role,
    q: query.q,
    include_deleted: includeDeleted ? "true" : undefined,
    quality,
  };
  const list = usePagedQuery(["records", "users", request, pageSize], (cursor, signal) =>
    api.listUsers(request, { limit: pageSize, cursor, signal }),
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
  const total = useKnownTotal("users", site_id, Boolean(role || query.q || includeDeleted || quality));

  return (
    <RecordListScreen
      entity="users"
      csv={{ list: "users", filters: request }}
      filters={filters}
      list={list}
      total={total}
      filtered={filtered}
      fields={
        <>
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
          <SearchFilter
            id={ids.q}
            label={t("filters.search")}
            value={q}
            onChange={setQ}
            placeholder={t("users.search_placeholder")}
            testId="filter-q"
          />
        </>
      }
    >
      {(items) => (
        <>
          <p className="muted small sort-note" data-testid="sort-note">
            {t("users.sort_note", { n: tn("count.users", items.length) })}
          </p>
          <DataTable
            testId="users-table"
            head={COLUMNS.map((column) => {
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
          >
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
                    <a
                      href={href("user", { site: user.site_id, id: String(user.id) })}
                      data-testid="user-open"
                    >
                      {user.name || t("detail.user_title", { id: String(user.id) })}
                    </a>{" "}
                    <QualityBadge quality={user.quality} /> <DeletedBadge at={user.deleted_at} />
                  </span>
                </td>
                <td data-label={t("users.col.email")}>
                  <EmailLink email={user.email} />
                </td>
                <td data-label={t("users.col.role")}>
                  <RoleBadge role={user.role} />
                </td>
                <td data-label={t("users.col.create_date")} title={formatDateTime(user.create_date, lang)}>
                  {formatDate(user.create_date, lang)}
                </td>
                <td data-label={t("users.col.site")}>{user.site_name || user.site_id}</td>
              </tr>
            ))}
          </DataTable>
        </>
      )}
    </RecordListScreen>
  );
}
