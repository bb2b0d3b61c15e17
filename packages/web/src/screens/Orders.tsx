/**
 * Orders of every site, newest first: customer, email, total, date, status, and the items (expandable:
 * name, price, quantity). Filters by site, status and date range (`from` / `to`, whole local days).
 */
import { Fragment, useId, useState } from "react";
import type { Order } from "../api/types";
import { useApi, useI18n } from "../app/context";
import { usePagedQuery } from "../app/hooks";
import { dayBoundaryIso, formatDateTime, formatMoney, formatNumber, toNumber } from "../lib/format";
import { href, type Route } from "../lib/router";
import { OrderStatusBadge } from "../ui/badges";
import { Button } from "../ui/components";
import { Icon } from "../ui/icons";
import { DataTable, headings } from "../ui/ListScreen";
import { Filter } from "../ui/lists";
import { QualityBadge } from "../ui/quality";
import {
  DeletedBadge,
  EmailLink,
  FacetSelect,
  RecordListScreen,
  useKnownTotal,
  useRecordFilters,
} from "./shared";

const ORDERS_PAGE_SIZE = 50;

const orderKey = (order: Order): string => `${order.site_id}:${order.id}`;

export function OrdersScreen({ route }: { route: Route }) {
  const api = useApi();
  const { t } = useI18n();
  const filters = useRecordFilters(route, ORDERS_PAGE_SIZE);
  const { query, setFilter, pageSize, includeDeleted, quality } = filters;
  const [open, setOpen] = useState<Set<string>>(() => new Set());
  const ids = { status: useId(), from: useId(), to: useId() };
  const { site_id, from, to } = query;
  const rangeInvalid = Boolean(from && to && from > to);
  const request = {
    site_id,
    status: query.status,
    // A reversed range is said on screen and never sent (the API would answer 400 invalid_date_range).
    from: from && !rangeInvalid ? dayBoundaryIso(from, "start") : undefined,
    to: to && !rangeInvalid ? dayBoundaryIso(to, "end") : undefined,
    include_deleted: includeDeleted ? "true" : undefined,
    quality,
  };
  const list = usePagedQuery(["records", "orders", request, pageSize], (cursor, signal) =>
    api.listOrders(request, { limit: pageSize, cursor, signal }),
  );

  const total = useKnownTotal("orders", site_id, Boolean(query.status || from || to || includeDeleted));
  const toggle = (key: string) =>
    setOpen((current) => {
      const next = new Set(current);
      if (next.has(key)) next.delete(key);
      else next.add(key);
      return next;
    });
  const filtered = Boolean(site_id || query.status || from || to || quality);
  const allOpen = list.items.length > 0 && list.items.every((o) => open.has(orderKey(o)));

  return (
    <RecordListScreen
      entity="orders"
      csv={{ list: "orders", filters: request }}
      filters={filters}
      list={list}
      total={total}
      filtered={filtered}
      actions={
        list.items.length > 0 ? (
          <Button
            onClick={() => setOpen(allOpen ? new Set() : new Set(list.items.map(orderKey)))}
            data-testid="orders-toggle-all"
          >
            {allOpen ? t("orders.collapse_all") : t("orders.expand_all")}
          </Button>
        ) : undefined
      }
      notice={
        rangeInvalid ? (
          <p className="notice notice-warning" role="alert" data-testid="range-invalid">
            {t("orders.range_invalid")}
          </p>
        ) : null
      }
      fields={
        <>
          <Filter label={t("filters.status")} htmlFor={ids.status}>
            <FacetSelect
              entity="orders"
              field="status"
              siteId={site_id}
              value={query.status}
              onChange={(v) => setFilter("status", v)}
              id={ids.status}
              allLabel={t("filters.all_statuses")}
              testId="filter-status"
            />
          </Filter>
          <Filter label={t("filters.from")} htmlFor={ids.from}>
            <input
              id={ids.from}
              type="date"
              value={from ?? ""}
              max={to}
              onChange={(e) => setFilter("from", e.target.value || undefined)}
              data-testid="filter-from"
            />
          </Filter>
          <Filter label={t("filters.to")} htmlFor={ids.to}>
            <input
              id={ids.to}
              type="date"
              value={to ?? ""}
              min={from}
              onChange={(e) => setFilter("to", e.target.value || undefined)}
              data-testid="filter-to"
            />
          </Filter>
        </>
      }
    >
      {(items) => (
        <DataTable
          className="orders-table"
          testId="orders-table"
          head={headings([
            { label: t("orders.col.order") },
            { label: t("orders.col.customer") },
            { label: t("orders.col.email") },
            { label: t("orders.col.total"), num: true },
            { label: t("orders.col.date") },
            { label: t("orders.col.status") },
            { label: t("orders.col.site") },
          ])}
        >
          {items.map((order) => (
            <OrderRows
              key={orderKey(order)}
              order={order}
              open={open.has(orderKey(order))}
              onToggle={() => toggle(orderKey(order))}
            />
          ))}
        </DataTable>
      )}
    </RecordListScreen>
  );
}

function OrderRows({ order, open, onToggle }: { order: Order; open: boolean; onToggle: () => void }) {
  const { t, tn, lang } = useI18n();
  const itemsId = useId();
  const items = order.items ?? [];
  return (
    <Fragment>
      <tr
        data-testid="order-row"
        data-order-id={String(order.id)}
        data-site-id={order.site_id}
        className={
          [open ? "is-open" : "", order.deleted_at ? "is-deleted" : ""].filter(Boolean).join(" ") || undefined
        }
      >
        <td data-label={t("orders.col.order")}>
          <button
            type="button"
            className="expand-btn"
            aria-expanded={open}
            aria-controls={itemsId}
            onClick={onToggle}
            data-testid="order-toggle"
          >
            <Icon name="chevron" size={16} />
            <span className="mono">#{String(order.id)}</span>
            <span className="muted small">{tn("count.items", items.length)}</span>
          </button>
        </td>
        <td data-label={t("orders.col.customer")} className="strong">
          <span>
            <a
              href={href("order", { site: order.site_id, id: String(order.id) })}
              data-testid="order-open"
              aria-label={`${t("detail.order_title", { id: String(order.id) })} · ${order.customer_name || "—"}`}
            >
              {order.customer_name || t("detail.order_title", { id: String(order.id) })}
            </a>{" "}
            <QualityBadge quality={order.quality} /> <DeletedBadge at={order.deleted_at} />
          </span>
        </td>
        <td data-label={t("orders.col.email")}>
          <EmailLink email={order.email} />
        </td>
        <td data-label={t("orders.col.total")} className="num strong" data-testid="order-total">
          {formatMoney(order.total_price, lang)}
        </td>
        <td data-label={t("orders.col.date")} data-testid="order-date">
          {formatDateTime(order.order_date, lang)}
        </td>
        <td data-label={t("orders.col.status")}>
          <OrderStatusBadge status={order.status} />
        </td>
        <td data-label={t("orders.col.site")}>{order.site_name || order.site_id}</td>
      </tr>
      <tr id={itemsId} className="order-items-row" hidden={!open}>
        <td colSpan={7}>
          {open ? (
            items.length === 0 ? (
              <p className="muted">{t("orders.no_items")}</p>
            ) : (
              <table className="items-table" data-testid="order-items">
                <caption className="visually-hidden">
                  {t("orders.items_caption", { id: String(order.id) })}
                </caption>
                <thead>
                  <tr>
                    <th scope="col">{t("orders.item.name")}</th>
                    <th scope="col" className="num">
                      {t("orders.item.price")}
                    </th>
                    <th scope="col" className="num">
                      {t("orders.item.quantity")}
                    </th>
                    <th scope="col" className="num">
                      {t("orders.item.subtotal")}
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {items.map((item, index) => {
                    const price = toNumber(item.price);
                    const quantity = toNumber(item.quantity) ?? 1;
                    return (
                      <tr
                        // Items have no id of their own; painting_id may repeat, so the position completes the key.
                        // biome-ignore lint/suspicious/noArrayIndexKey: items are never reordered on screen.
                        key={`${item.painting_id ?? "x"}-${index}`}
                        data-testid="order-item"
                        data-painting-id={item.painting_id == null ? undefined : String(item.painting_id)}
                      >
                        <td>{item.name || "—"}</td>
                        <td className="num">{formatMoney(item.price, lang)}</td>
                        <td className="num">× {formatNumber(quantity, lang)}</td>
                        <td className="num">{price === null ? "—" : formatMoney(price * quantity, lang)}</td>
                      </tr>
                    );
                  })}
                </tbody>
              </table>
            )
          ) : null}
        </td>
      </tr>
    </Fragment>
  );
}
