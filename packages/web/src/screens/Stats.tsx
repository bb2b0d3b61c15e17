/**
 * Statistics: totals across sites (the sum of each site's latest stats) with a per-site breakdown, then one
 * site's history as line charts (revenue, orders, paintings) over a chosen period.
 */
import { useQuery } from "@tanstack/react-query";
import { useEffect, useId, useMemo } from "react";
import type { Site, SiteStats } from "../api/types";
import { useApi, useI18n, useSites } from "../app/context";
import { navigate, useQueryFilters } from "../app/router";
import { formatCompact, formatMoney, formatMoneyCompact, formatNumber, toNumber } from "../lib/format";
import type { MessageKey } from "../lib/i18n";
import { href, type Route } from "../lib/router";
import { latestOf, STAT_KEYS, seriesOf, totalsAcrossSites } from "../lib/stats";
import { EmptyState, ErrorState, Loading, PageHeader } from "../ui/components";
import { LineChart } from "../ui/LineChart";
import { Filter, SiteSelect } from "../ui/lists";

const RANGES = [
  { value: "7d", days: 7, label: "stats.range.7d" },
  { value: "30d", days: 30, label: "stats.range.30d" },
  { value: "90d", days: 90, label: "stats.range.90d" },
  { value: "365d", days: 365, label: "stats.range.365d" },
  { value: "all", days: null, label: "stats.range.all" },
] as const satisfies ReadonlyArray<{ value: string; days: number | null; label: MessageKey }>;

const TOTAL_KEYS = [STAT_KEYS.revenue, STAT_KEYS.orders, STAT_KEYS.paintings, STAT_KEYS.users];

type SiteLatest = { site: Site; latest: Record<string, unknown> | null; error?: unknown };

export function StatsScreen({ route }: { route: Route }) {
  const api = useApi();
  const { t, tn, lang } = useI18n();
  const { sites, state: sitesState } = useSites();
  const [query, setFilter] = useQueryFilters(route);
  const ids = { site: useId(), range: useId() };
  const siteId = query.site_id;
  const range = RANGES.find((r) => r.value === query.range) ?? RANGES[1];
  const siteKey = sites.map((s) => s.id).join(",");

  useEffect(() => {
    const first = sites[0];
    if (!siteId && first) navigate(href("stats", {}, { ...query, site_id: first.id }), { replace: true });
  }, [siteId, sites, query]);

  // Every site's latest figures, for the totals; a site that fails is reported, not fatal. `latest` does not
  // depend on the range, so asking for the history from now on keeps these answers small.
  const latest = useQuery({
    queryKey: ["site-stats", "latest", siteKey],
    queryFn: ({ signal }) =>
      Promise.all(
        sites.map((site) =>
          api.getStats(site.id, { from: new Date().toISOString() }, signal).then(
            (stats): SiteLatest => ({ site, latest: latestOf(stats) }),
            (error: unknown): SiteLatest => {
              if ((error as { name?: string })?.name === "AbortError") throw error;
              return { site, latest: null, error };
            },
          ),
        ),
      ),
  });

  const history = useQuery({
    queryKey: ["site-stats", siteId, range.value],
    queryFn: ({ signal }) => {
      if (!siteId) return Promise.resolve(null);
      const from =
        range.days === null ? undefined : new Date(Date.now() - range.days * 86_400_000).toISOString();
      return api.getStats(siteId, { from }, signal);
    },
  });

  const totals = useMemo(
    () =>
      totalsAcrossSites(
        (latest.data ?? []).map((s) => s.latest),
        TOTAL_KEYS,
      ),
    [latest.data],
  );
  const series = useMemo(() => {
    const points = history.data?.history ?? [];
    return {
      revenue: seriesOf(points, STAT_KEYS.revenue),
      orders: seriesOf(points, STAT_KEYS.orders),
      paintings: seriesOf(points, STAT_KEYS.paintings),
    };
  }, [history.data]);

  const money = (v: number) => formatMoney(v, lang);
  const moneyAxis = (v: number) => formatMoneyCompact(v, lang);
  const integer = (v: number) => formatNumber(v, lang);
  const integerAxis = (v: number) => formatCompact(v, lang);
  const reporting = latest.data?.filter((s) => s.latest).length ?? 0;

  if (sitesState.isPending) return <Loading />;
  if (sitesState.error && !sitesState.data)
    return <ErrorState error={sitesState.error} onRetry={() => void sitesState.refetch()} />;

  return (
    <>
      <PageHeader title={t("nav.stats")} subtitle={t("stats.subtitle")} />
      {sites.length === 0 ? (
        <EmptyState title={t("overview.no_sites")} hint={t("overview.no_sites_hint")} />
      ) : (
        <>
          <section className="section" aria-labelledby="totals-title" data-testid="stats-totals">
            <div className="section-head">
              <h2 id="totals-title">{t("stats.totals")}</h2>
              {latest.data ? (
                <span className="muted small" data-testid="stats-totals-note">
                  {t("stats.totals_note", { n: tn("count.sites", reporting) })}
                </span>
              ) : null}
            </div>
            <p className="muted small" data-testid="stats-counts-note">
              {t("stats.counts_note")}
            </p>
            {latest.isPending ? (
              <Loading />
            ) : latest.error ? (
              <ErrorState error={latest.error} onRetry={() => void latest.refetch()} compact />
            ) : (
              <>
                <div className="tiles">
                  <TotalTile
                    label={t("stats.revenue")}
                    value={money(totals[STAT_KEYS.revenue]?.sum ?? 0)}
                    testId="stats-total-revenue"
                  />
                  <TotalTile
                    label={t("stats.orders")}
                    value={integer(totals[STAT_KEYS.orders]?.sum ?? 0)}
                    testId="stats-total-orders"
                  />
                  <TotalTile
                    label={t("stats.paintings")}
                    value={integer(totals[STAT_KEYS.paintings]?.sum ?? 0)}
                    testId="stats-total-paintings"
                  />
                  <TotalTile
                    label={t("stats.users")}
                    value={integer(totals[STAT_KEYS.users]?.sum ?? 0)}
                    testId="stats-total-users"
                  />
                </div>
                <div className="table-wrap card">
                  <table className="data-table responsive-table" data-testid="stats-breakdown">
                    <thead>
                      <tr>
                        <th scope="col">{t("runs.col.site")}</th>
                        <th scope="col" className="num">
                          {t("stats.revenue")}
                        </th>
                        <th scope="col" className="num">
                          {t("stats.orders")}
                        </th>
                        <th scope="col" className="num">
                          {t("stats.paintings")}
                        </th>
                        <th scope="col" className="num">
                          {t("stats.users")}
                        </th>
                      </tr>
                    </thead>
                    <tbody>
                      {(latest.data ?? []).map(({ site, latest: figures, error }) => (
                        <tr key={site.id} data-testid="stats-site-row" data-site-id={site.id}>
                          <th scope="row" data-label={t("runs.col.site")}>
                            <span>
                              <a href={href("stats", {}, { ...query, site_id: site.id })}>{site.name}</a>
                              {error ? (
                                <span className="text-danger small"> · {t("stats.site_error")}</span>
                              ) : null}
                            </span>
                          </th>
                          <td className="num" data-label={t("stats.revenue")}>
                            {figures ? formatMoney(figures[STAT_KEYS.revenue], lang) : "—"}
                          </td>
                          <td className="num" data-label={t("stats.orders")}>
                            {figures ? formatNumber(figures[STAT_KEYS.orders], lang) : "—"}
                          </td>
                          <td className="num" data-label={t("stats.paintings")}>
                            {figures ? formatNumber(figures[STAT_KEYS.paintings], lang) : "—"}
                          </td>
                          <td className="num" data-label={t("stats.users")}>
                            {figures ? formatNumber(figures[STAT_KEYS.users], lang) : "—"}
                          </td>
                        </tr>
                      ))}
                    </tbody>
                  </table>
                </div>
              </>
            )}
          </section>

          <section className="section" aria-labelledby="history-title" data-testid="stats-history">
            <div className="section-head">
              <h2 id="history-title">{t("stats.history")}</h2>
            </div>
            <div className="filters card">
              <Filter label={t("filters.site")} htmlFor={ids.site}>
                <SiteSelect
                  id={ids.site}
                  value={siteId}
                  onChange={(v) => setFilter("site_id", v)}
                  allowAll={false}
                  testId="stats-site"
                />
              </Filter>
              <Filter label={t("stats.range")} htmlFor={ids.range}>
                <select
                  id={ids.range}
                  value={range.value}
                  onChange={(e) => setFilter("range", e.target.value)}
                  data-testid="stats-range"
                >
                  {RANGES.map((r) => (
                    <option key={r.value} value={r.value}>
                      {t(r.label)}
                    </option>
                  ))}
                </select>
              </Filter>
            </div>
            {!siteId ? null : history.isPending ? (
              <Loading />
            ) : history.error ? (
              <ErrorState error={history.error} onRetry={() => void history.refetch()} />
            ) : (
              <div className="chart-grid">
                <LineChart
                  title={t("stats.revenue")}
                  points={series.revenue}
                  format={money}
                  formatAxis={moneyAxis}
                  testId="stats-chart-revenue"
                />
                <LineChart
                  title={t("stats.orders")}
                  points={series.orders}
                  format={integer}
                  formatAxis={integerAxis}
                  testId="stats-chart-orders"
                />
                <LineChart
                  title={t("stats.paintings")}
                  points={series.paintings}
                  format={integer}
                  formatAxis={integerAxis}
                  testId="stats-chart-paintings"
                />
                <LatestFigures stats={history.data ?? undefined} />
              </div>
            )}
          </section>
        </>
      )}
    </>
  );
}

function TotalTile({ label, value, testId }: { label: string; value: string; testId: string }) {
  return (
    <div className="tile card" data-testid={testId}>
      <span className="tile-label">{label}</span>
      <span className="tile-value" data-testid={`${testId}-value`}>
        {value}
      </span>
    </div>
  );
}

function LatestFigures({ stats }: { stats: SiteStats | undefined }) {
  const { t, lang } = useI18n();
  const figures = stats ? latestOf(stats) : null;
  const entries = Object.entries(figures ?? {})
    .filter(([, v]) => toNumber(v) !== null)
    .sort(([a], [b]) => a.localeCompare(b));
  return (
    <div className="card latest-figures" data-testid="stats-latest">
      <h3>{t("stats.latest")}</h3>
      {entries.length === 0 ? (
        <p className="muted">{t("stats.no_data")}</p>
      ) : (
        <dl>
          {entries.map(([key, value]) => (
            <div key={key}>
              <dt className="mono">{key}</dt>
              <dd>{key === STAT_KEYS.revenue ? formatMoney(value, lang) : formatNumber(value, lang)}</dd>
            </div>
          ))}
        </dl>
      )}
    </div>
  );
}
