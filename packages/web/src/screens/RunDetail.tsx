/**
 * One run: its status and timing, the entity results table, its log (levels coloured like the seed:
 * INFO, SUCCESS green, WARNING orange, ERROR red) and the records it rejected, with why. Live while the run
 * is queued or running.
 */
import { useQuery } from "@tanstack/react-query";
import { useState } from "react";
import type { EntityResult } from "../api/types";
import { useApi, useCan, useI18n, useSites } from "../app/context";
import { useNow } from "../app/hooks";
import { LIVE_INTERVAL_MS } from "../app/queries";
import { syncErrorText } from "../lib/codes";
import { formatDateTime, formatDuration, formatNumber, formatTime } from "../lib/format";
import { ofName } from "../lib/i18n";
import { href, type Route } from "../lib/router";
import { orderedEntities, runDurationMs } from "../lib/runs";
import { isActiveRun } from "../lib/status";
import { EntityStatusBadge, RunStatusBadge, TriggerLabel, useEntityLabel } from "../ui/badges";
import { Button, ErrorState, LiveIndicator, Loading, PageHeader, TechnicalDetails } from "../ui/components";
import { ConfirmDialog } from "../ui/dialogs";
import { EntityNotes, RunProgress } from "../ui/RunProgress";
import { InvalidRecords } from "./run/InvalidRecords";
import { RunLog } from "./run/RunLog";

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
            {active ? <LiveIndicator /> : null}
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
