/** A run's rejected records: by entity, each with its reasons in words and the record as received. */
import { useId } from "react";
import type { InvalidQuery, InvalidRecord } from "../../api/types";
import { useApi, useI18n } from "../../app/context";
import { usePagedQuery } from "../../app/hooks";
import { useQueryFilters } from "../../app/router";
import { describeCode } from "../../lib/quality";
import type { Route } from "../../lib/router";
import { reasonText } from "../../lib/runs";
import { useEntityLabel } from "../../ui/badges";
import { Badge, ErrorState, Loading } from "../../ui/components";
import { Filter, LoadMore } from "../../ui/lists";

export function InvalidRecords({
  runId,
  route,
  runStatus,
  entities,
}: {
  runId: string;
  route: Route;
  runStatus: string;
  entities: string[];
}) {
  const api = useApi();
  const { t, tn } = useI18n();
  const label = useEntityLabel();
  const [query, setFilter] = useQueryFilters(route);
  const entity = query.entity;
  const id = useId();
  // Fetched again when the run's status changes (a finished run has its final list).
  const list = usePagedQuery(["invalid", runId, entity, runStatus], (cursor, signal) =>
    api.listInvalid(runId, { entity: entity as InvalidQuery["entity"] }, { limit: 100, cursor, signal }),
  );
  return (
    <section className="section" aria-labelledby="invalid-title" data-testid="invalid-records">
      <div className="section-head">
        <h2 id="invalid-title">{t("run.invalid_title")}</h2>
      </div>
      <div className="filters filters-inline">
        <Filter label={t("run.col.entity")} htmlFor={id}>
          <select
            id={id}
            value={entity ?? ""}
            onChange={(e) => setFilter("entity", e.target.value || undefined)}
            data-testid="filter-entity"
          >
            <option value="">{t("run.all_entities")}</option>
            {entities.map((e) => (
              <option key={e} value={e}>
                {label(e)}
              </option>
            ))}
          </select>
        </Filter>
      </div>
      {list.loading ? (
        <Loading />
      ) : list.error ? (
        <ErrorState error={list.error} onRetry={list.reload} compact />
      ) : list.items.length === 0 ? (
        <p className="muted" data-testid="invalid-empty">
          {t("run.invalid_empty")}
        </p>
      ) : (
        <>
          <div className="table-wrap card">
            <table className="data-table responsive-table invalid-table" data-testid="invalid-table">
              <thead>
                <tr>
                  <th scope="col">{t("run.col.entity")}</th>
                  <th scope="col">{t("run.col.record")}</th>
                  <th scope="col">{t("run.col.reasons")}</th>
                  <th scope="col">{t("run.raw_record")}</th>
                </tr>
              </thead>
              <tbody>
                {sortInvalid(list.items).map((record, index) => (
                  <InvalidRecordRow
                    // The same record id may be rejected in two entities; the position completes the key.
                    // biome-ignore lint/suspicious/noArrayIndexKey: the list is only appended to.
                    key={`${record.entity}:${String(record.record_id)}:${index}`}
                    record={record}
                  />
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
            noun={tn("count.invalid", list.items.length)}
          />
        </>
      )}
    </section>
  );
}

/** Rejected records by entity, then by id as a number (#9 before #101); records without an id last. */
function sortInvalid(items: InvalidRecord[]): InvalidRecord[] {
  const num = (id: InvalidRecord["record_id"]) =>
    id == null || id === "" ? Number.POSITIVE_INFINITY : Number(id);
  return [...items].sort(
    (a, b) =>
      a.entity.localeCompare(b.entity) ||
      num(a.record_id) - num(b.record_id) ||
      String(a.record_id ?? "").localeCompare(String(b.record_id ?? "")),
  );
}

/** What a person calls a record: its name, customer, title or e-mail, as received. */
function recordName(raw: unknown): string | undefined {
  if (!raw || typeof raw !== "object") return undefined;
  const r = raw as Record<string, unknown>;
  for (const key of ["name", "title", "customer_name", "client_name", "email"]) {
    const value = r[key];
    if (typeof value === "string" && value.trim() !== "") return value.trim();
  }
  return undefined;
}

function InvalidRecordRow({ record }: { record: InvalidRecord }) {
  const { t } = useI18n();
  const label = useEntityLabel();
  return (
    <tr
      data-testid="invalid-record"
      data-entity={record.entity}
      data-record-id={record.record_id == null ? "" : String(record.record_id)}
    >
      <td data-label={t("run.col.entity")}>
        <Badge tone="warning">{label(record.entity)}</Badge>
      </td>
      <td data-label={t("run.col.record")}>
        <span className="mono">
          {record.record_id == null ? t("run.no_record_id") : `#${String(record.record_id)}`}
        </span>
        {recordName(record.raw) ? (
          <span className="record-name" data-testid="invalid-record-name">
            {" "}
            {recordName(record.raw)}
          </span>
        ) : null}
      </td>
      <td data-label={t("run.col.reasons")}>
        <ul className="reasons">
          {record.reasons
            .map((reason) => (typeof reason === "string" ? describeCode(reason, t) : reasonText(reason)))
            .map((reason, index) => (
              // biome-ignore lint/suspicious/noArrayIndexKey: reasons are a fixed list.
              <li key={index} data-testid="invalid-reason">
                {reason}
              </li>
            ))}
        </ul>
      </td>
      <td data-label={t("run.raw_record")} className="raw-cell">
        {record.raw !== undefined ? (
          <details>
            <summary>{t("run.show_raw")}</summary>
            <pre className="raw">{JSON.stringify(record.raw, null, 2)}</pre>
          </details>
        ) : (
          "—"
        )}
      </td>
    </tr>
  );
}
