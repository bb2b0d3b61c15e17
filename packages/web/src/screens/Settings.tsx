/**
 * A site's settings as last synced. Secrets are never shown: any key that looks sensitive (`*secret*`,
 * `*password*`, `*api_key*`, `*token*`), any `***MASKED***` value and any secret-looking value is rendered
 * as hidden, and there is no way to reveal it.
 */
import { useQuery } from "@tanstack/react-query";
import { useEffect, useId, useMemo, useState } from "react";
import type { Setting } from "../api/types";
import { useApi, useI18n, useSites } from "../app/context";
import { navigate, useQueryFilters } from "../app/router";
import { formatDateTime, formatMoney } from "../lib/format";
import { href, type Route } from "../lib/router";
import { isSensitiveSetting } from "../lib/sensitive";
import { resolveAssetUrl } from "../lib/urls";
import { Badge, EmptyState, ErrorState, Loading, PageHeader } from "../ui/components";
import { Icon } from "../ui/icons";
import { Filter, SiteSelect } from "../ui/lists";

export function SettingsScreen({ route }: { route: Route }) {
  const api = useApi();
  const { t, lang } = useI18n();
  const { sites, byId, state: sitesState } = useSites();
  const [query, setFilter] = useQueryFilters(route);
  const [keyFilter, setKeyFilter] = useState("");
  const ids = { site: useId(), key: useId() };
  const siteId = query.site_id;

  // Without a site in the URL, show the first one (and say so in the URL, so the view can be shared).
  useEffect(() => {
    const first = sites[0];
    if (!siteId && first) navigate(href("settings", {}, { site_id: first.id }), { replace: true });
  }, [siteId, sites]);

  const settings = useQuery({
    queryKey: ["site-settings", siteId],
    queryFn: ({ signal }) => (siteId ? api.getSettings(siteId, signal) : Promise.resolve(null)),
  });

  const items = useMemo(() => {
    const all = [...(settings.data?.items ?? [])].sort((a, b) => a.key.localeCompare(b.key));
    const needle = keyFilter.trim().toLowerCase();
    return needle ? all.filter((s) => s.key.toLowerCase().includes(needle)) : all;
  }, [settings.data, keyFilter]);

  const data = settings.data;
  const logo = resolveAssetUrl(data?.site_logo, siteId ? byId.get(siteId)?.template_url : undefined);
  return (
    <>
      <PageHeader title={t("nav.settings")} subtitle={t("settings.subtitle")} />
      <div className="filters card">
        <Filter label={t("filters.site")} htmlFor={ids.site}>
          <SiteSelect
            id={ids.site}
            value={siteId}
            onChange={(v) => setFilter("site_id", v)}
            allowAll={false}
          />
        </Filter>
        <Filter label={t("settings.filter_key")} htmlFor={ids.key} grow>
          <input
            id={ids.key}
            type="search"
            value={keyFilter}
            onChange={(e) => setKeyFilter(e.target.value)}
            placeholder="site_name, smtp_…"
            data-testid="filter-key"
          />
        </Filter>
      </div>

      {!siteId ? (
        sitesState.isPending ? (
          <Loading />
        ) : sitesState.error ? (
          <ErrorState error={sitesState.error} onRetry={() => void sitesState.refetch()} />
        ) : (
          <EmptyState title={t("overview.no_sites")} hint={t("overview.no_sites_hint")} />
        )
      ) : settings.isPending ? (
        <Loading />
      ) : settings.error ? (
        <ErrorState error={settings.error} onRetry={() => void settings.refetch()} />
      ) : data ? (
        <>
          <section className="card settings-summary" data-testid="settings-summary">
            {logo ? (
              <img
                className="site-logo"
                src={logo}
                alt=""
                loading="lazy"
                data-testid="settings-logo"
                onError={(e) => {
                  e.currentTarget.hidden = true;
                }}
              />
            ) : null}
            <dl className="facts">
              <div>
                <dt>{t("settings.site_name")}</dt>
                <dd data-testid="settings-site-name">{data.site_name || "—"}</dd>
              </div>
              {data.site_logo && !logo ? (
                <div>
                  <dt>{t("settings.logo")}</dt>
                  <dd>{data.site_logo}</dd>
                </div>
              ) : null}
              <div>
                <dt>{t("settings.stripe_publishable_key")}</dt>
                <dd className="mono truncate">{data.stripe_publishable_key || "—"}</dd>
              </div>
              <div>
                <dt>{t("settings.saas_price")}</dt>
                <dd>{formatMoney(data.saas_site_price_cache, lang)}</dd>
              </div>
            </dl>
          </section>
          {items.length === 0 ? (
            <EmptyState
              title={keyFilter ? t("settings.empty_filtered") : t("settings.empty")}
              hint={t("settings.empty_hint")}
            />
          ) : (
            <div className="table-wrap card">
              <table className="data-table responsive-table" data-testid="settings-table">
                <thead>
                  <tr>
                    <th scope="col">{t("settings.col.key")}</th>
                    <th scope="col">{t("settings.col.value")}</th>
                    <th scope="col">{t("settings.col.synced")}</th>
                  </tr>
                </thead>
                <tbody>
                  {items.map((setting) => (
                    <SettingRow key={setting.key} setting={setting} />
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </>
      ) : null}
    </>
  );
}

function SettingRow({ setting }: { setting: Setting }) {
  const { t, lang } = useI18n();
  const hidden = setting.masked === true || isSensitiveSetting(setting.key, setting.value);
  return (
    <tr data-testid="setting-row" data-key={setting.key} data-sensitive={hidden ? "true" : "false"}>
      <td data-label={t("settings.col.key")} className="mono strong">
        {setting.key}
      </td>
      <td data-label={t("settings.col.value")} className="setting-value">
        {hidden ? (
          <span className="secret" data-testid="setting-hidden">
            <span aria-hidden="true">••••••••</span>
            <Badge tone="neutral">
              <Icon name="lock" size={12} />
              {t("settings.hidden")}
            </Badge>
          </span>
        ) : (
          <span data-testid="setting-value" className="break">
            {displayValue(setting.value)}
          </span>
        )}
      </td>
      <td data-label={t("settings.col.synced")} className="muted small">
        {formatDateTime(setting.sync_timestamp, lang)}
      </td>
    </tr>
  );
}

function displayValue(value: unknown): string {
  if (value === null || value === undefined || value === "") return "—";
  if (typeof value === "string") return value;
  return JSON.stringify(value);
}
