/** One site in the sites list: its facts, its last run, its actions and the run it just started, live. */
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useEffect } from "react";
import { ApiError } from "../../api/client";
import type { Site } from "../../api/types";
import { useApi, useCan, useI18n } from "../../app/context";
import { useNow } from "../../app/hooks";
import { LIVE_INTERVAL_MS } from "../../app/queries";
import { formatDate, formatDateTime, formatRelative } from "../../lib/format";
import { href } from "../../lib/router";
import { isActiveRun } from "../../lib/status";
import { RunStatusBadge } from "../../ui/badges";
import { Badge, Button, ErrorState, Loading } from "../../ui/components";
import { SiteHealthWarnings } from "../../ui/quality";
import { RunProgress } from "../../ui/RunProgress";

export function SiteRow({
  site,
  busy,
  watchedRunId,
  onSync,
  onToggle,
  onEdit,
  onDelete,
  onRotate,
  onDismissRun,
}: {
  site: Site;
  busy: "sync" | "toggle" | undefined;
  /** The run "Synchroniser maintenant" started, followed live under the site. */
  watchedRunId: string | undefined;
  onSync: () => void;
  onToggle: () => void;
  onEdit: () => void;
  onDelete: () => void;
  onRotate: () => void;
  onDismissRun: () => void;
}) {
  const { t, lang } = useI18n();
  const can = useCan();
  const now = useNow(30_000);
  const run = site.last_run;
  return (
    <article
      className={`card site-row${site.enabled ? "" : " is-disabled"}`}
      data-testid="site-row"
      data-site-id={site.id}
    >
      <div className="site-row-main">
        <div className="site-row-title">
          <h2>{site.name}</h2>
          <Badge
            tone={site.enabled ? "success" : "neutral"}
            testId="site-enabled"
            data={{ "data-enabled": String(site.enabled) }}
          >
            {site.enabled ? t("sites.enabled") : t("sites.disabled")}
          </Badge>
        </div>
        <dl className="facts facts-inline">
          <div>
            <dt>{t("sites.id")}</dt>
            <dd className="mono">{site.id}</dd>
          </div>
          <div>
            <dt>{t("sites.template_url")}</dt>
            <dd className="truncate">
              <a href={site.template_url} target="_blank" rel="noreferrer noopener">
                {site.template_url}
              </a>
            </dd>
          </div>
          <div>
            <dt>{t("sites.api_key")}</dt>
            <dd className="mono" data-testid="site-api-key-last4">
              {site.api_key_last4 ? `••••${site.api_key_last4}` : "—"}
            </dd>
          </div>
          <div>
            <dt>{t("sites.created_at")}</dt>
            <dd title={formatDateTime(site.created_at, lang)}>{formatDate(site.created_at, lang)}</dd>
          </div>
          <div>
            <dt>{t("overview.last_run")}</dt>
            <dd>
              {run ? (
                <a className="plain-link" href={href("run", { id: run.run_id })}>
                  <RunStatusBadge status={run.status} testId="site-last-run-status" />{" "}
                  <span className="muted small">
                    {run.finished_at ? formatRelative(run.finished_at, now, lang) : ""}
                  </span>
                </a>
              ) : (
                <span className="muted">{t("overview.never_synced")}</span>
              )}
            </dd>
          </div>
        </dl>
        <SiteHealthWarnings warnings={site.health?.warnings} />
      </div>
      {can("site.sync") ? (
        <div className="site-row-sync">
          <Button
            variant="primary"
            icon="runs"
            onClick={onSync}
            busy={busy === "sync"}
            data-testid="site-sync-now"
          >
            {t("sites.sync_now")}
          </Button>
        </div>
      ) : null}
      {watchedRunId ? <WatchedRun site={site} runId={watchedRunId} onDismiss={onDismissRun} /> : null}
      {can("site.edit") ? (
        <div className="site-row-actions">
          <Button size="sm" onClick={onEdit} data-testid="site-edit">
            {t("sites.edit")}
          </Button>
          <Button size="sm" onClick={onToggle} busy={busy === "toggle"} data-testid="site-toggle">
            {site.enabled ? t("sites.disable") : t("sites.enable")}
          </Button>
          {can("site.rotate_secret") ? (
            <Button size="sm" onClick={onRotate} data-testid="site-rotate-secret">
              {t("sites.rotate")}
            </Button>
          ) : null}
          {can("site.delete") ? (
            <Button size="sm" variant="danger" onClick={onDelete} data-testid="site-delete">
              {t("sites.delete")}
            </Button>
          ) : null}
        </div>
      ) : null}
    </article>
  );
}

/**
 * A run just started, asked every second until it ends (paused while the tab is hidden); its end refreshes
 * the sites (their last run and counts). A run not visible yet (404 right after queuing) is simply asked
 * again on the next tick.
 */
function WatchedRun({ site, runId, onDismiss }: { site: Site; runId: string; onDismiss: () => void }) {
  const api = useApi();
  const { t } = useI18n();
  const client = useQueryClient();
  const run = useQuery({
    queryKey: ["run", runId],
    queryFn: ({ signal }) => api.getRun(runId, signal),
    refetchInterval: (q) => (!q.state.data || isActiveRun(q.state.data.status) ? LIVE_INTERVAL_MS : false),
  });
  const finished = run.data !== undefined && !isActiveRun(run.data.status);
  useEffect(() => {
    if (finished) void client.invalidateQueries({ queryKey: ["sites"] });
  }, [finished, client]);
  const error = run.error instanceof ApiError && run.error.status === 404 ? null : run.error;
  return (
    <div className="site-live" data-testid="site-live-run" data-run-id={runId}>
      <div className="site-live-head">
        <strong>{t("sites.live_title")}</strong>
        <span className="site-live-links">
          <a href={href("run", { id: runId })} data-testid="site-live-run-link">
            {t("sites.live_details")}
          </a>
          {finished ? (
            <Button variant="ghost" size="sm" onClick={onDismiss} data-testid="site-live-dismiss">
              {t("common.close")}
            </Button>
          ) : null}
        </span>
      </div>
      {run.data ? (
        <RunProgress run={run.data} siteName={site.name} />
      ) : error ? (
        <ErrorState error={error} compact />
      ) : (
        <Loading label={t("sites.live_waiting")} />
      )}
    </div>
  );
}
