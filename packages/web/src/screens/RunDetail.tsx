/**
 * One run: its status and timing, the entity results table, its log (levels coloured like the seed:
 * INFO, SUCCESS green, WARNING orange, ERROR red) and the records it rejected, with why. Live while the run
 * is queued or running.
 */
import { useQuery } from "@tanstack/react-query";
import { useEffect, useId, useMemo, useRef, useState } from "react";
import type { EntityResult, InvalidRecord, LogEntry } from "../api/schemas";
import { useApi, useCan, useI18n, useSites } from "../app/context";
import { useNow, usePagedQuery } from "../app/hooks";
import { LIVE_INTERVAL_MS } from "../app/queries";
import { useQueryFilters } from "../app/router";
import { logLineText, syncErrorText } from "../lib/codes";
import { formatDateTime, formatDuration, formatNumber, formatTime } from "../lib/format";
import { ofName } from "../lib/i18n";
import { describeCode } from "../lib/quality";
import { href, type Route } from "../lib/router";
import { orderedEntities, reasonText, runDurationMs } from "../lib/runs";
import { isActiveRun, LOG_LEVELS, logLevelTone } from "../lib/status";
import {
  EntityStatusBadge,
  LogLevelBadge,
  logLevelLabel,
  RunStatusBadge,
  TriggerLabel,
  useEntityLabel,
} from "../ui/badges";
import { Badge, Button, ErrorState, Loading, PageHeader, TechnicalDetails } from "../ui/components";
import { ConfirmDialog } from "../ui/dialogs";
import { Filter, LoadMore } from "../ui/lists";
import { EntityNotes, RunProgress } from "../ui/RunProgress";

export function RunDetailScreen({ runId, route }: { runId: string; route: Route }) {
  const api = useApi();
  const { t, lang } = useI18n();
  const { byId } = useSites();
  const now = useNow(1000);
  // Live while the run is queued or running (asked every second, paused while the tab is hidden).
  const run = useQuery({
    queryKey: ["run", runId],
    queryFn: ({ signal }) => api.getRun(runId, signal),
    refetchInterval: (q) => (q.state.data && isActiveRun(q.state.data.status) ? LIVE_INTERVAL_MS : false),
  });
  const active = run.data ? isActiveRun(run.data.status) : false;
  // Stopping a run is an operator's action, like starting one.
  const can = useCan();
  const [confirmCancel, setConfirmCancel] = useState(false);
  const [cancelBusy, setCancelBusy] = useState(false);
  const [cancelError, setCancelError] = useState<unknown>(null);
  const cancelRun = async () => {
    setCancelBusy(true);
    setCancelError(null);
    try {
      await api.cancelRun(runId);
      setConfirmCancel(false);
      void run.refetch();
    } catch (error) {
      setCancelError(error);
    } finally {
      setCancelBusy(false);
    }
  };

  if (run.isPending) return <Loading />;
  if (run.error && !run.data)
    return (
      <>
        <PageHeader title={t("run.title")} subtitle={<span className="mono">{runId}</span>} />
        <ErrorState error={run.error} onRetry={() => void run.refetch()} />
        <p>
          <a href={href("runs")}>{t("run.back")}</a>
        </p>
      </>
    );
  const data = run.data;
  if (!data) return null;
  const siteName = byId.get(data.site_id)?.name ?? data.site_id;
  const entities = orderedEntities(data);
  const shared = sharedFailure(entities);

  return (
    <div data-testid="run-detail" data-run-id={data.run_id} data-status={data.status}>
      <p className="breadcrumb">
        <a href={href("runs")}>{t("nav.runs")}</a> <span aria-hidden="true">›</span>{" "}
        <a href={href("runs", {}, { site_id: data.site_id })}>{siteName}</a>
      </p>
      <PageHeader
        title={t("run.title_for", { site: ofName(lang, siteName) })}
        subtitle={<span className="mono">{data.run_id}</span>}
        actions={
          <>
            {active ? (
              <span className="live-indicator" data-testid="live-indicator">
                <span className="pulse" aria-hidden="true" />
                {t("common.live")}
              </span>
            ) : null}
            <RunStatusBadge status={data.status} />
            {active && !data.cancel_requested_at && can("site.sync") ? (
              <Button
                variant="danger"
                size="sm"
                onClick={() => setConfirmCancel(true)}
                data-testid="run-cancel"
              >
                {t("run.cancel")}
              </Button>
            ) : null}
          </>
        }
      />
      {confirmCancel ? (
        <ConfirmDialog
          title={t("run.cancel_title")}
          message={<p>{t("run.cancel_message")}</p>}
          confirmLabel={t("run.cancel")}
          danger
          busy={cancelBusy}
          error={cancelError}
          onConfirm={cancelRun}
          onCancel={() => setConfirmCancel(false)}
        />
      ) : null}
      {run.error ? <ErrorState error={run.error} onRetry={() => void run.refetch()} compact /> : null}

      <section className="card run-summary">
        <dl className="facts facts-inline">
          <div>
            <dt>{t("run.trigger")}</dt>
            <dd>
              <TriggerLabel trigger={data.trigger} />
            </dd>
          </div>
          <div>
            <dt>{t("run.started")}</dt>
            <dd>{formatDateTime(data.started_at, lang)}</dd>
          </div>
          <div>
            <dt>{t("run.finished")}</dt>
            <dd>{data.finished_at ? formatDateTime(data.finished_at, lang) : "—"}</dd>
          </div>
          <div>
            <dt>{t("run.duration")}</dt>
            <dd data-testid="run-duration">{formatDuration(runDurationMs(data, now), lang)}</dd>
          </div>
          <div>
            <dt>{t("run.success")}</dt>
            <dd data-testid="run-success" data-value={data.success == null ? "" : String(data.success)}>
              {data.success == null ? "—" : data.success ? t("common.yes") : t("common.no")}
            </dd>
          </div>
          {data.joined && data.joined.length > 0 ? (
            <div>
              <dt>{t("run.joined")}</dt>
              <dd data-testid="run-joined">
                {data.joined.map((j, i) => (
                  <span key={`${j.trigger}@${j.at}`}>
                    {i > 0 ? ", " : ""}
                    <TriggerLabel trigger={j.trigger} /> {formatTime(j.at, lang)}
                  </span>
                ))}
              </dd>
            </div>
          ) : null}
        </dl>
        {data.cancel_requested_at ? (
          <p className="muted small" data-testid="run-cancel-requested">
            {t("run.cancel_requested", { time: formatDateTime(data.cancel_requested_at, lang) })}
          </p>
        ) : null}
        {active ? <RunProgress run={data} showHeader={false} /> : null}
      </section>

      <section className="section" aria-labelledby="entities-title">
        <h2 id="entities-title">{t("run.entities")}</h2>
        {shared ? (
          <div className="state state-error state-compact" role="alert" data-testid="run-failure-summary">
            <div className="state-body">
              <p className="state-title">{syncErrorText(lang, shared.code)}</p>
              <p className="state-hint">{t("sync_error.all_failed", { count: shared.count })}</p>
              <FailureDetails errors={shared.errors} />
            </div>
          </div>
        ) : null}
        <p className="muted small" data-testid="counts-note">
          {t("run.counts_note")}
        </p>
        {entities.length === 0 ? (
          <p className="muted">{t("run.no_entities_yet")}</p>
        ) : (
          <div className="table-wrap card">
            <table className="data-table responsive-table" data-testid="entity-results">
              <thead>
                <tr>
                  <th scope="col">{t("run.col.entity")}</th>
                  <th scope="col">{t("run.col.status")}</th>
                  {(
                    [
                      "fetched",
                      "valid",
                      "flagged",
                      "invalid",
                      "written",
                      "unchanged",
                      "deleted",
                      "pages",
                    ] as const
                  ).map((key) => (
                    <th key={key} scope="col" className="num">
                      {t(`run.col.${key}`)}
                    </th>
                  ))}
                  <th scope="col" className="num">
                    {t("run.col.duration")}
                  </th>
                </tr>
              </thead>
              <tbody>
                {entities.map(([entity, result]) => (
                  <EntityRow key={entity} entity={entity} result={result} summarised={shared !== null} />
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>

      <RunLog log={data.log ?? []} active={active} />
      <InvalidRecords
        runId={data.run_id}
        route={route}
        runStatus={data.status}
        entities={entities.map(([e]) => e)}
      />
    </div>
  );
}

type EntityFailure = NonNullable<EntityResult["error"]>;

/** When two or more entities failed, all for the same reason: one summary instead of the same line repeated. */
function sharedFailure(
  entities: [string, EntityResult][],
): { code: string; count: number; errors: EntityFailure[] } | null {
  const errors = entities.flatMap(([, r]) => (r.status === "failed" && r.error ? [r.error] : []));
  const code = errors[0]?.code;
  if (errors.length < 2 || code === undefined || errors.some((e) => e.code !== code)) return null;
  return { code, count: errors.length, errors };
}

/** The failures' technical side: code, HTTP status, addresses (without query string), the server's message. */
function FailureDetails({ errors }: { errors: EntityFailure[] }) {
  const { t } = useI18n();
  const first = errors[0];
  if (!first) return null;
  const distinct = (values: unknown[]) =>
    [
      ...new Set(
        values
          .filter((v) => typeof v === "string" || typeof v === "number")
          .map(String)
          .filter((v) => v !== ""),
      ),
    ].join(", ");
  return (
    <TechnicalDetails
      facts={[
        [t("details.code"), first.code, "failure-code"],
        [t("details.http_status"), distinct(errors.map((e) => e.status))],
        [t("details.url"), distinct(errors.map((e) => e.url))],
        [t("details.message"), first.message],
      ]}
    />
  );
}

function EntityRow({
  entity,
  result,
  summarised,
}: {
  entity: string;
  result: EntityResult;
  /** The failure is said once above the table. */
  summarised: boolean;
}) {
  const { t, lang } = useI18n();
  const label = useEntityLabel();
  return (
    <>
      <tr data-testid="entity-row" data-entity={entity} data-status={result.status}>
        <th scope="row" data-label={t("run.col.entity")}>
          {label(entity)}
        </th>
        <td data-label={t("run.col.status")}>
          <EntityStatusBadge status={result.status} invalid={result.invalid} />
        </td>
        {(
          ["fetched", "valid", "flagged", "invalid", "written", "unchanged", "deleted", "pages"] as const
        ).map((key) => (
          <td
            key={key}
            className={`num${key === "invalid" && result.invalid > 0 ? " text-warning strong" : ""}`}
            data-label={t(`run.col.${key}`)}
            data-testid={`entity-${key}`}
            data-value={result[key]}
          >
            {formatNumber(result[key], lang)}
          </td>
        ))}
        <td className="num" data-label={t("run.col.duration")}>
          {formatDuration(result.duration_ms, lang)}
        </td>
      </tr>
      {result.error && !summarised ? (
        <tr className="entity-error-row">
          <td colSpan={10} className="text-danger" data-testid="entity-error" data-code={result.error.code}>
            <strong>{syncErrorText(lang, result.error.code)}</strong>
            <FailureDetails errors={[result.error]} />
          </td>
        </tr>
      ) : null}
      {result.status === "retrying" || result.deletions_withheld ? (
        <tr className="entity-note-row">
          <td colSpan={10}>
            <EntityNotes result={result} />
          </td>
        </tr>
      ) : null}
    </>
  );
}

function RunLog({ log, active }: { log: LogEntry[]; active: boolean }) {
  const { t, lang } = useI18n();
  const label = useEntityLabel();
  const [level, setLevel] = useState<string>("");
  const id = useId();
  const lines = useMemo(
    () => (level ? log.filter((l) => l.level.toUpperCase() === level) : log),
    [log, level],
  );
  const counts = useMemo(() => {
    const c: Record<string, number> = {};
    for (const line of log) c[line.level.toUpperCase()] = (c[line.level.toUpperCase()] ?? 0) + 1;
    return c;
  }, [log]);

  // The log scrolls in its own box; while live, it follows new lines unless the reader scrolled up.
  const boxRef = useRef<HTMLOListElement>(null);
  const stick = useRef(true);
  // biome-ignore lint/correctness/useExhaustiveDependencies: follows the number of lines.
  useEffect(() => {
    const box = boxRef.current;
    if (box && active && stick.current) box.scrollTop = box.scrollHeight;
  }, [lines.length, active]);
  const onScroll = () => {
    const box = boxRef.current;
    if (box) stick.current = box.scrollHeight - box.scrollTop - box.clientHeight < 32;
  };

  return (
    <section className="section" aria-labelledby="log-title">
      <div className="section-head">
        <h2 id="log-title">{t("run.log")}</h2>
        <div className="log-counts">
          {LOG_LEVELS.filter((l) => counts[l]).map((l) => (
            <Badge key={l} tone={logLevelTone(l)}>{`${logLevelLabel(l, t)} ${counts[l]}`}</Badge>
          ))}
        </div>
      </div>
      {log.length === 0 ? (
        <p className="muted" data-testid="log-empty">
          {t("run.log_empty")}
        </p>
      ) : (
        <>
          <div className="filters filters-inline">
            <Filter label={t("run.log_level")} htmlFor={id}>
              <select
                id={id}
                value={level}
                onChange={(e) => setLevel(e.target.value)}
                data-testid="filter-log-level"
              >
                <option value="">{t("run.log_all_levels")}</option>
                {LOG_LEVELS.map((l) => (
                  <option key={l} value={l}>
                    {logLevelLabel(l, t)}
                  </option>
                ))}
              </select>
            </Filter>
          </div>
          {/* Focusable, so the box scrolls with the keyboard's arrows and Page Up/Down. */}
          <ol
            className="log card"
            data-testid="run-log"
            ref={boxRef}
            onScroll={onScroll}
            aria-label={t("run.log")}
            // biome-ignore lint/a11y/noNoninteractiveTabindex: a scrollable region must be reachable by keyboard.
            tabIndex={0}
          >
            {lines.map((line, index) => (
              <li
                // Log lines have no id; they are append-only, so the position is stable.
                // biome-ignore lint/suspicious/noArrayIndexKey: append-only list.
                key={index}
                className={`log-line log-${logLevelTone(line.level)}`}
                data-testid="log-line"
                data-level={line.level.toUpperCase()}
              >
                <time
                  dateTime={line.timestamp}
                  className="log-time"
                  title={formatDateTime(line.timestamp, lang)}
                >
                  {formatTime(line.timestamp, lang)}
                </time>
                <LogLevelBadge level={line.level} />
                {line.entity ? <span className="log-entity">[{label(line.entity)}]</span> : null}
                <span className="log-message">{logLineText(lang, line)}</span>
              </li>
            ))}
          </ol>
        </>
      )}
    </section>
  );
}

function InvalidRecords({
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
    api.listInvalid(runId, { entity }, { limit: 100, cursor, signal }),
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
