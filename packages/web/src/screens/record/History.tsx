/**
 * "Historique" on a record's page: every change the syncs stored for it, newest first — `created`, `deleted`,
 * `restored` in words, and for a change each field as `champ : ancien → nouveau` (a value not set reads
 * "non renseigné", as in the field list above it). Older entries come a page at a time.
 */
import type { HistoryEntry } from "../../api/types";
import { useApi, useI18n } from "../../app/context";
import { usePagedQuery } from "../../app/hooks";
import { changeLabelKey } from "../../lib/activity";
import { fieldLabel } from "../../lib/codes";
import { formatDateTime, formatMoney, formatNumber } from "../../lib/format";
import type { Lang } from "../../lib/i18n";
import { Button, ErrorState, Loading } from "../../ui/components";

const HISTORY_PAGE_SIZE = 20;
const MONEY = new Set(["price", "total_price"]);

const isBlank = (value: unknown) =>
  value === null || value === undefined || (typeof value === "string" && value.trim() === "");

/** A value as the field list shows it; blank ones are worded by the caller. */
function valueText(field: string, value: unknown, lang: Lang): string {
  if (MONEY.has(field)) return formatMoney(value, lang);
  if (typeof value === "number") return formatNumber(value, lang);
  if (typeof value === "object") return JSON.stringify(value);
  return String(value);
}

export function RecordHistory({
  entity,
  siteId,
  recordId,
}: {
  entity: "paintings" | "users" | "orders";
  siteId: string;
  recordId: string;
}) {
  const api = useApi();
  const { t } = useI18n();
  const list = usePagedQuery(["history", entity, siteId, recordId], (cursor, signal) =>
    api.listHistory(entity, siteId, recordId, { limit: HISTORY_PAGE_SIZE, cursor, signal }),
  );
  return (
    <section className="section" aria-labelledby="history-title" data-testid="record-history">
      <div className="section-head">
        <h2 id="history-title">{t("history.title")}</h2>
        <span className="muted small">{t("history.hint")}</span>
      </div>
      {list.loading ? (
        <Loading />
      ) : list.error ? (
        <ErrorState error={list.error} onRetry={list.reload} compact />
      ) : list.items.length === 0 ? (
        <p className="muted" data-testid="history-empty">
          {t("history.empty")}
        </p>
      ) : (
        <>
          <ol className="history-list card">
            {list.items.map((entry) => (
              <HistoryRow key={`${entry.at}:${entry.change}:${entry.run_id ?? ""}`} entry={entry} />
            ))}
          </ol>
          {list.hasMore ? (
            <Button
              variant="secondary"
              onClick={list.loadMore}
              disabled={list.loadingMore}
              data-testid="history-more"
            >
              {t("history.more")}
            </Button>
          ) : null}
        </>
      )}
    </section>
  );
}

function HistoryRow({ entry }: { entry: HistoryEntry }) {
  const { t, lang } = useI18n();
  const shown = (field: string, value: unknown) =>
    isBlank(value) ? t("detail.not_set") : valueText(field, value, lang);
  return (
    <li className="history-entry" data-testid="history-entry" data-change={entry.change}>
      <p className="history-head">
        <span className="strong">{t(changeLabelKey(entry.change))}</span>
        <time className="muted small" dateTime={entry.at}>
          {formatDateTime(entry.at, lang)}
        </time>
      </p>
      {entry.fields.length > 0 ? (
        <ul className="history-fields">
          {entry.fields.map((change) => (
            <li key={change.field} data-testid="history-field" data-field={change.field}>
              {t("history.change", {
                field: fieldLabel(lang, change.field),
                from: shown(change.field, change.from),
                to: shown(change.field, change.to),
              })}
            </li>
          ))}
        </ul>
      ) : null}
    </li>
  );
}
