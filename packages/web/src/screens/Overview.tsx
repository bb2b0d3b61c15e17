/**
 * Overview: every site's health (last run, age of its data, record counts), the sites that need attention
 * first, the runs in progress with their live per-entity progress, and the latest events (screens/Activity.tsx).
 */

import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useMemo } from "react";
import type { Site } from "../api/types";
import { useApi, useI18n, useSites } from "../app/context";
import { useNow } from "../app/hooks";
import { LIVE_INTERVAL_MS } from "../app/queries";
import { formatDateTime, formatNumber, formatRelative } from "../lib/format";
import { ATTENTION_KINDS, siteHealth, sortByHealth } from "../lib/health";
import { href } from "../lib/router";
import { isActiveRun } from "../lib/status";
import { HealthBadge, RunStatusBadge, useEntityLabel } from "../ui/badges";
import { Button, EmptyState, ErrorState, LiveIndicator, Loading, PageHeader } from "../ui/components";
import { Freshness } from "../ui/Freshness";
import { RunProgress } from "../ui/RunProgress";
import { LatestActivity } from "./Activity";

const COUNT_ORDER = ["paintings", "users", "orders", "exhibitions", "custom_requests", "settings"];

export function OverviewScreen() {
  const api = useApi();
  const { t, tn, lang } = useI18n();
  const { sites, byId, state: sitesState } = useSites();
  const client = useQueryClient();
  const now = useNow(15_000);
  const sitesSyncing = sites.some((site) => site.last_run && isActiveRun(site.last_run.status));
  // Live while something runs: runs first, then sites, so a finished run is already in the sites' last_run.
  // Idle, the session's live probe says when a run started, progressed or ended anywhere and refreshes both.
  const runs = useQuery({
    queryKey: ["runs", "overview"],
    queryFn: async ({ signal }) => {
      const answer = await api.listRuns({}, { limit: 50, signal });
      if (sitesSyncing || answer.items.some((run) => isActiveRun(run.status)))
        await client.invalidateQueries({ queryKey: ["sites"] });
      return answer;
    },
    refetchInterval: (q) =>
      sitesSyncing || q.state.data?.items.some((run) => isActiveRun(run.status)) ? LIVE_INTERVAL_MS : false,
  });

  const activeRuns = useMemo(
    () => (runs.data?.items ?? []).filter((run) => isActiveRun(run.status)),
    [runs.data],
  );

  const sorted = useMemo(() => sortByHealth(sites, now), [sites, now]);
  const health = sorted.map((site) => siteHealth(site, now));
  const attention = health.filter((h) => ATTENTION_KINDS.includes(h.kind)).length;
  const totalPaintings = sites.reduce((sum, site) => sum + (site.counts?.paintings ?? 0), 0);
  const enabled = sites.filter((site) => site.enabled).length;

  const refreshAll = () => {
    void runs.refetch();
    void sitesState.refetch();
  };

  return (
    <>
      <PageHeader
        title={t("nav.overview")}
        subtitle={t("overview.subtitle")}
        actions={
          <>
            <Freshness />
            <Button icon="refresh" onClick={refreshAll} data-testid="overview-refresh">
              {t("common.refresh")}
            </Button>
          </>
        }
      />

      <section className="tiles" aria-label={t("overview.summary")}>
        <Tile
          label={t("overview.tile.sites")}
          value={formatNumber(enabled, lang)}
          hint={tn("overview.of_sites", sites.length)}
          testId="tile-sites"
        />
        <Tile
          label={t("overview.tile.attention")}
          value={String(attention)}
          tone={attention > 0 ? "warning" : "success"}
          testId="tile-attention"
        />
        <Tile
          label={t("overview.tile.running")}
          value={String(activeRuns.length)}
          tone={activeRuns.length > 0 ? "info" : undefined}
          testId="tile-running"
        />
        <Tile
          label={t("overview.tile.paintings")}
          value={formatNumber(totalPaintings, lang)}
          testId="tile-paintings"
        />
      </section>

      <section className="section" aria-labelledby="active-runs-title" data-testid="active-runs">
        <div className="section-head">
          <h2 id="active-runs-title">{t("overview.active_runs")}</h2>
          {activeRuns.length > 0 ? <LiveIndicator /> : null}
        </div>
        {runs.isPending ? (
          <Loading />
        ) : runs.error && !runs.data ? (
          <ErrorState error={runs.error} onRetry={() => void runs.refetch()} compact />
        ) : activeRuns.length === 0 ? (
          <p className="muted" data-testid="no-active-runs">
            {t("overview.no_active_runs")}
          </p>
        ) : (
          <div className="run-grid">
            {activeRuns.map((run) => (
              <div className="card" key={run.run_id} data-testid="active-run" data-run-id={run.run_id}>
                <RunProgress run={run} siteName={byId.get(run.site_id)?.name ?? run.site_id} />
              </div>
            ))}
          </div>
        )}
      </section>

      <LatestActivity />

      <section className="section" aria-labelledby="sites-health-title">
        <div className="section-head">
          <h2 id="sites-health-title">{t("overview.sites_health")}</h2>
          <span className="muted small">{t("overview.sorted_hint")}</span>
        </div>
        <p className="muted small" data-testid="overview-counts-note">
          {t("overview.counts_note")}
        </p>
        {sitesState.isPending ? (
          <Loading />
        ) : sitesState.error && !sitesState.data ? (
          <ErrorState error={sitesState.error} onRetry={() => void sitesState.refetch()} />
        ) : sorted.length === 0 ? (
          <EmptyState title={t("overview.no_sites")} hint={t("overview.no_sites_hint")}>
            <a className="btn btn-primary" href={href("sites")}>
              {t("sites.add")}
            </a>
          </EmptyState>
        ) : (
          <div className="site-grid">
            {sorted.map((site) => (
              <SiteHealthCard key={site.id} site={site} now={now} />
            ))}
          </div>
        )}
      </section>
    </>
  );
}

function Tile({
  label,
  value,
  hint,
  tone,
  testId,
}: {
  label: string;
  value: string;
  hint?: string;
  tone?: "warning" | "success" | "info" | undefined;
  testId: string;
}) {
  return (
    <div className={`tile card${tone ? ` tile-${tone}` : ""}`} data-testid={testId}>
      <span className="tile-label">{label}</span>
      <span className="tile-value" data-testid={`${testId}-value`}>
        {value}
      </span>
      {hint ? <span className="tile-hint muted">{hint}</span> : null}
    </div>
  );
}

function SiteHealthCard({ site, now }: { site: Site; now: Date }) {
  const { t, lang } = useI18n();
  const entityLabel = useEntityLabel();
  const health = siteHealth(site, now);
  const counts = Object.entries(site.counts ?? {}).sort(
    ([a], [b]) => rank(a) - rank(b) || a.localeCompare(b),
  );
  const run = site.last_run;
  return (
    <article
      className={`card site-card health-${health.kind}`}
      data-testid="site-health-card"
      data-site-id={site.id}
      data-health={health.kind}
    >
      <header className="site-card-head">
        <div className="site-card-title">
          <h3>{site.name}</h3>
          <span className="muted small mono truncate" title={site.template_url}>
            {site.id}
          </span>
        </div>
        <HealthBadge kind={health.kind} />
      </header>
      <dl className="site-facts">
        <div>
          <dt>{t("overview.last_run")}</dt>
          <dd>
            {run ? (
              <a href={href("run", { id: run.run_id })} className="plain-link" data-testid="site-last-run">
                <RunStatusBadge status={run.status} testId="site-last-run-status" />
              </a>
            ) : (
              <span className="muted">{t("overview.never_synced")}</span>
            )}
          </dd>
        </div>
        <div>
          <dt>{t("overview.data_age")}</dt>
          <dd
            data-testid="site-age"
            data-age-ms={health.ageMs ?? ""}
            title={run?.finished_at ? formatDateTime(run.finished_at, lang) : undefined}
          >
            {run?.finished_at ? formatRelative(run.finished_at, now, lang) : "—"}
          </dd>
        </div>
        {run?.error && (health.kind === "failing" || health.kind === "retrying") ? (
          <div>
            <dt>{t("overview.last_error")}</dt>
            <dd className="text-danger small" data-testid="site-last-error" data-code={run.error.code}>
              {run.error.entity ? `${entityLabel(run.error.entity)} — ` : ""}
              {run.error.message}
            </dd>
          </div>
        ) : null}
      </dl>
      {counts.length > 0 ? (
        <ul className="count-list" data-testid="site-counts">
          {counts.map(([entity, n]) => (
            <li key={entity} data-testid="site-count" data-entity={entity} data-value={n}>
              <strong>{formatNumber(n, lang)}</strong>
              <span>{entityLabel(entity)}</span>
            </li>
          ))}
        </ul>
      ) : (
        <p className="muted small" data-testid="site-counts-empty">
          {t("overview.no_counts")}
        </p>
      )}
      <footer className="site-card-links">
        <a href={href("paintings", {}, { site_id: site.id })}>{t("nav.paintings")}</a>
        <a href={href("runs", {}, { site_id: site.id })}>{t("overview.history")}</a>
        <a href={href("stats", {}, { site_id: site.id })}>{t("nav.stats")}</a>
      </footer>
    </article>
  );
}

const rank = (entity: string): number => {
  const index = COUNT_ORDER.indexOf(entity);
  return index === -1 ? COUNT_ORDER.length : index;
};
