/**
 * One synced record on its own page, with its own URL (`#/paintings/<site>/<id>`, `#/users/<site>/<id>`,
 * `#/orders/<site>/<id>`): every field the Template sent (a null or empty one reads "non renseigné"), the
 * site, data-quality flags, when the record last changed and when its site last synced. A painting shows
 * its image large; an order its items with their images, each linking to the painting. Its history
 * ("Historique", screens/record/History.tsx) follows.
 */
import { useQuery } from "@tanstack/react-query";
import { type ReactNode, useState } from "react";
import type { Order, OrderItem, Painting, User } from "../api/types";
import { useApi, useI18n, useSites } from "../app/context";
import { fieldLabel } from "../lib/codes";
import { formatDateTime, formatMoney, formatNumber } from "../lib/format";
import type { MessageKey } from "../lib/i18n";
import { describeCode } from "../lib/quality";
import { href } from "../lib/router";
import { resolveAssetUrl } from "../lib/urls";
import { OrderStatusBadge, PaintingStatusBadge, RoleBadge } from "../ui/badges";
import { Badge, ErrorState, Loading, PageHeader } from "../ui/components";
import { Icon } from "../ui/icons";
import { RecordHistory } from "./record/History";

export type RecordKind = "painting" | "user" | "order";

type AnyRecord = Painting | User | Order;

const LIST: Record<RecordKind, "paintings" | "users" | "orders"> = {
  painting: "paintings",
  user: "users",
  order: "orders",
};
const BACK: Record<RecordKind, MessageKey> = {
  painting: "detail.back_paintings",
  user: "detail.back_users",
  order: "detail.back_orders",
};
const TITLE: Record<RecordKind, MessageKey> = {
  painting: "detail.painting_title",
  user: "detail.user_title",
  order: "detail.order_title",
};

/** Fields shown first, in this order; any other field the Template sends follows, by name. */
const FIRST: Record<RecordKind, string[]> = {
  painting: [
    "name",
    "price",
    "status",
    "category",
    "technique",
    "year",
    "quantity",
    "display_order",
    "image",
  ],
  user: ["name", "email", "role", "create_date"],
  order: ["customer_name", "email", "total_price", "order_date", "status"],
};
/** Shown elsewhere on the page (provenance, flags, items), not in the field list. */
const APART = new Set([
  "id",
  "site_id",
  "template_url",
  "sync_timestamp",
  "deleted_at",
  "image_url",
  "quality",
  "items",
]);
const MONEY = new Set(["price", "total_price"]);
const DATES = new Set(["create_date", "order_date", "created_at"]);

const isBlank = (value: unknown) =>
  value === null || value === undefined || (typeof value === "string" && value.trim() === "");

export function RecordDetailScreen({
  kind,
  siteId,
  recordId,
}: {
  kind: RecordKind;
  siteId: string;
  recordId: string;
}) {
  const api = useApi();
  const { t, lang } = useI18n();
  const { byId } = useSites();
  const record = useQuery<AnyRecord>({
    queryKey: ["record", kind, siteId, recordId],
    queryFn: ({ signal }) =>
      kind === "painting"
        ? api.getPainting(siteId, recordId, signal)
        : kind === "user"
          ? api.getUser(siteId, recordId, signal)
          : api.getOrder(siteId, recordId, signal),
  });
  const site = byId.get(siteId);
  const back = (
    <p className="breadcrumb">
      <a href={href(LIST[kind])}>{t(BACK[kind])}</a> <span aria-hidden="true">›</span>{" "}
      <a href={href(LIST[kind], {}, { site_id: siteId })}>{site?.name ?? siteId}</a>
    </p>
  );

  if (record.isPending) return <Loading />;
  if (!record.data)
    return (
      <>
        {back}
        <PageHeader title={t(TITLE[kind], { id: recordId })} />
        <ErrorState error={record.error} onRetry={() => void record.refetch()} />
      </>
    );
  const data = record.data as Record<string, unknown>;
  const title =
    kind === "order"
      ? t(TITLE.order, { id: recordId })
      : typeof data.name === "string" && data.name.trim() !== ""
        ? data.name
        : t(TITLE[kind], { id: recordId });
  const quality = Array.isArray(data.quality) ? data.quality.map(String) : [];
  const fields = [
    ...FIRST[kind],
    ...Object.keys(data)
      .filter((key) => !FIRST[kind].includes(key) && !APART.has(key))
      .sort(),
  ];

  const value = (key: string): ReactNode => {
    const raw = data[key];
    if (isBlank(raw)) return <span className="not-set">{t("detail.not_set")}</span>;
    if (key === "status" && kind === "painting") return <PaintingStatusBadge status={String(raw)} />;
    if (key === "status" && kind === "order") return <OrderStatusBadge status={String(raw)} />;
    if (key === "role") return <RoleBadge role={String(raw)} />;
    if (MONEY.has(key)) return formatMoney(raw, lang);
    if (DATES.has(key)) return formatDateTime(raw, lang);
    if (typeof raw === "number") return formatNumber(raw, lang);
    if (typeof raw === "object") return <pre className="raw">{JSON.stringify(raw, null, 2)}</pre>;
    return String(raw);
  };

  return (
    <div data-testid="record-detail" data-kind={kind} data-site-id={siteId} data-record-id={recordId}>
      {back}
      <PageHeader
        title={title}
        subtitle={
          <span>
            {t(TITLE[kind], { id: recordId })} · {site?.name ?? siteId}
          </span>
        }
        actions={
          data.deleted_at ? (
            <Badge tone="danger" testId="deleted-badge">
              {t("detail.deleted", { date: formatDateTime(data.deleted_at, lang) })}
            </Badge>
          ) : null
        }
      />
      <div className={kind === "painting" ? "detail-grid" : ""}>
        {kind === "painting" ? (
          <section className="card" aria-label={t("field.image")}>
            <DetailImage url={typeof data.image_url === "string" ? data.image_url : null} alt={title} />
          </section>
        ) : null}
        <section className="card" aria-labelledby="detail-fields-title">
          <h2 id="detail-fields-title">{t("detail.all_fields")}</h2>
          <dl className="detail-facts" data-testid="detail-fields">
            {fields.map((key) => (
              <div key={key} className="detail-row" data-testid="detail-field" data-field={key}>
                <dt>{fieldLabel(lang, key)}</dt>
                <dd>{value(key)}</dd>
              </div>
            ))}
            <div className="detail-row">
              <dt>{t("detail.site")}</dt>
              <dd>
                <a href={href(LIST[kind], {}, { site_id: siteId })} data-testid="detail-site">
                  {site?.name ?? siteId}
                </a>
                {typeof data.template_url === "string" ? (
                  <span className="muted small break"> · {data.template_url}</span>
                ) : null}
              </dd>
            </div>
            <div className="detail-row">
              <dt>{t("detail.flags")}</dt>
              <dd data-testid="detail-flags">
                {quality.length === 0 ? (
                  <span className="muted">{t("detail.no_flags")}</span>
                ) : (
                  <ul className="reasons">
                    {quality.map((code) => (
                      <li key={code} data-testid="detail-flag" data-code={code}>
                        {describeCode(code, t)}
                      </li>
                    ))}
                  </ul>
                )}
              </dd>
            </div>
            <div className="detail-row">
              <dt>{t("detail.last_changed")}</dt>
              <dd data-testid="detail-changed">{formatDateTime(data.sync_timestamp, lang)}</dd>
            </div>
            <div className="detail-row">
              <dt>{t("detail.last_site_sync")}</dt>
              <dd data-testid="detail-site-sync">
                {site?.last_run?.finished_at ? (
                  formatDateTime(site.last_run.finished_at, lang)
                ) : (
                  <span className="not-set">{t("detail.not_set")}</span>
                )}
              </dd>
            </div>
          </dl>
        </section>
      </div>
      {kind === "order" ? (
        <OrderItems
          items={(data as Order).items ?? []}
          siteId={siteId}
          templateUrl={typeof data.template_url === "string" ? data.template_url : undefined}
        />
      ) : null}
      <RecordHistory entity={LIST[kind]} siteId={siteId} recordId={recordId} />
    </div>
  );
}

function DetailImage({ url, alt, small }: { url: string | null; alt: string; small?: boolean }) {
  const { t } = useI18n();
  const [failed, setFailed] = useState(false);
  if (!url || failed)
    return (
      <div
        className="image-placeholder"
        data-testid="detail-image-placeholder"
        role="img"
        aria-label={t("paintings.no_image")}
      >
        <Icon name="image" size={small ? 20 : 48} />
        {small ? null : <span>{t("paintings.no_image")}</span>}
      </div>
    );
  return (
    <img
      className={small ? "item-thumb" : "detail-image"}
      src={url}
      alt={alt}
      decoding="async"
      onError={() => setFailed(true)}
      data-testid="detail-image"
    />
  );
}

function OrderItems({
  items,
  siteId,
  templateUrl,
}: {
  items: OrderItem[];
  siteId: string;
  templateUrl: string | undefined;
}) {
  const { t, tn, lang } = useI18n();
  return (
    <section className="section" aria-labelledby="order-items-title">
      <h2 id="order-items-title">
        {t("field.items")} <span className="muted small">{tn("count.items", items.length)}</span>
      </h2>
      {items.length === 0 ? (
        <p className="muted">{t("orders.no_items")}</p>
      ) : (
        <ul className="order-detail-items" data-testid="detail-items">
          {items.map((item, index) => {
            const name = item.name?.trim() || t("paintings.untitled");
            return (
              // biome-ignore lint/suspicious/noArrayIndexKey: items are never reordered.
              <li key={index} className="card order-detail-item" data-testid="detail-item">
                <DetailImage url={resolveAssetUrl(item.image, templateUrl)} alt={name} small />
                <div>
                  {item.painting_id != null ? (
                    <a href={href("painting", { site: siteId, id: String(item.painting_id) })}>{name}</a>
                  ) : (
                    <span>{name}</span>
                  )}
                  <p className="muted small">
                    {formatMoney(item.price, lang)} × {formatNumber(item.quantity ?? 1, lang)}
                  </p>
                </div>
              </li>
            );
          })}
        </ul>
      )}
    </section>
  );
}
