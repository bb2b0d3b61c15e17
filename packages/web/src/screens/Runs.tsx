/**
 * Sync runs, newest first, filterable by site, cursor-paged. While a run on screen is queued or running,
 * the loaded pages are asked again every second, so statuses and counts change live.
 */
import { useId } from "react";
import type { Run } from "../api/types";
import { useApi, useI18n, useSites } from "../app/context";
import { useNow, usePagedQuery } from "../app/hooks";
import { navigate, useQueryFilters } from "../app/router";
import { formatDateTime, formatDuration, formatNumber, formatRelative } from "../lib/format";
import { href, type Route } from "../lib/router";
import { hasActiveRun, runDurationMs, runProgress, runTotals } from "../lib/runs";
import { RunStatusBadge, TriggerLabel } from "../ui/badges";
import { Button, EmptyState, LiveIndicator } from "../ui/components";
import { Freshness } from "../ui/Freshness";
import { DataTable, headings, ListScreen } from "../ui/ListScreen";
import { Filter, SiteSelect } from "../ui/lists";

const RUNS_PAGE_SIZE = 25;

export function RunsScreen({ route }: { route: Route }) {
  const api = useApi();
  const { t, tn } = useI18n();
  const [query, setFilter] = useQueryFilters(route);
  const siteId = query.site_id;
  const ids = { site: useId() };
  // Live while a run on screen is queued or running; idle, a run started anywhere (schedule, webhook, another
  // admin) appears as soon as the session's live probe sees it (it refreshes every `runs` query).
  const list = usePagedQuery(
    ["runs", "list", siteId],
    (cursor, signal) => api.listRuns({ site_id: siteId }, { limit: RUNS_PAGE_SIZE, cursor, signal }),
    { live: hasActiveRun },
  );
  const active = hasActiveRun(list.items);

  return (
    <ListScreen
      csv={{ list: "runs", filters: { site_id: siteId } }}
      title={t("nav.runs")}
      subtitle={t("runs.subtitle")}
      actions={
        <>
          {active ? <LiveIndicator /> : null}
          <Freshness />
          <Button icon="refresh" onClick={list.reload} data-testid="runs-refresh">
            {t("common.refresh")}
          </Button>
        </>
      }
      filters={
        <Filter label={t("filters.site")} htmlFor={ids.site}>
          <SiteSelect id={ids.site} value={siteId} onChange={(v) => setFilter("site_id", v)} />
        </Filter>
      }
      list={list}
      count={(n) => tn("count.runs", n)}
      empty={
        <EmptyState title={t("runs.empty")} hint={t("runs.empty_hint")}>
          <a className="btn btn-secondary" href={href("sites")}>
            {t("nav.sites")}
          </a>
        </EmptyState>
      }
    >
      {(items) => (
        <DataTable
          className="runs-table"
          testId="runs-table"
          head={headings([
            { label: t("runs.col.site") },
            { label: t("runs.col.status") },
            { label: t("runs.col.trigger") },
            { label: t("runs.col.started") },
            { label: t("runs.col.duration"), num: true },
            { label: t("runs.col.entities") },
            { label: t("runs.col.records"), num: true },
          ])}
        >
          {items.map((run) => (
            <RunRow key={run.run_id} run={run} />
          ))}
        </DataTable>
      )}
    </ListScreen>
  );
}

function RunRow({ run }: { run: Run }) {
  const { t, tn, lang } = useI18n();
  const { byId } = useSites();
  const now = useNow(1000);
  const { done, total, failed } = runProgress(run);
  const totals = runTotals(run);
  const open = () => navigate(href("run", { id: run.run_id }));
  return (
    <tr
      data-testid="run-row"
      data-run-id={run.run_id}
      data-status={run.status}
      className="clickable"
      onClick={open}
    >
      {/* One wrapper per cell: on phones a cell is a flex row, label then value. */}
      <td data-label={t("runs.col.site")}>
        <div>
          <a
            href={href("run", { id: run.run_id })}
            className="strong"
            onClick={(e) => e.stopPropagation()}
            data-testid="run-open"
          >
            {byId.get(run.site_id)?.name ?? run.site_id}
          </a>
          <div className="muted small mono break">{run.run_id}</div>
        </div>
      </td>
      <td data-label={t("runs.col.status")}>
        <RunStatusBadge status={run.status} />
      </td>
      <td data-label={t("runs.col.trigger")}>
        <TriggerLabel trigger={run.trigger} />
      </td>
      <td data-label={t("runs.col.started")} title={formatDateTime(run.started_at, lang)}>
        {formatRelative(run.started_at, now, lang)}
      </td>
      <td data-label={t("runs.col.duration")} className="num">
        {formatDuration(runDurationMs(run, now), lang)}
      </td>
      <td data-label={t("runs.col.entities")}>
        <span>
          <span data-testid="run-entities-done">{`${done}/${total}`}</span>
          {failed > 0 ? (
            <span className="text-danger small">{` · ${t("runs.failed_n", { n: failed })}`}</span>
          ) : null}
        </span>
      </td>
      <td data-label={t("runs.col.records")} className="num">
        <span>
          {formatNumber(totals.fetched, lang)}
          {totals.invalid > 0 ? (
            <span className="text-warning small">{` · ${tn("run.invalid", totals.invalid)}`}</span>
          ) : null}
        </span>
      </td>
    </tr>
  );
}
