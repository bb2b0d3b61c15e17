/**
 * Activité: what happened on every site, newest first — orders, sales, prices, incidents — filterable by site,
 * kind and period, cursor-paged as the reader scrolls. Live: the loaded pages are asked again every few
 * seconds (conditional requests: a 304 while nothing happened), so a new event appears without a reload. The
 * overview shows the latest few with `LatestActivity`.
 */
import { useQuery } from "@tanstack/react-query";
import { useId, useMemo } from "react";
import type { ActivityEvent } from "../api/types";
import { useApi, useI18n, useSites } from "../app/context";
import { useNow, usePagedQuery } from "../app/hooks";
import { PULSE_INTERVAL_MS } from "../app/queries";
import { useQueryFilters } from "../app/router";
import {
  eventLink,
  eventSentence,
  kindLabelKey,
  kindOf,
  OPERATIONAL_KINDS,
  PERIODS,
  periodOf,
  periodStart,
  RECORD_KINDS,
} from "../lib/activity";
import { formatDateTime, formatRelative } from "../lib/format";
import { href, type Route } from "../lib/router";
import type { Tone } from "../lib/status";
import { Badge, Button, EmptyState, ErrorState, LiveIndicator, Loading } from "../ui/components";
import { ListScreen } from "../ui/ListScreen";
import { Filter, SiteSelect } from "../ui/lists";

const ACTIVITY_PAGE_SIZE = 30;
/** How many events the overview shows. */
const LATEST_COUNT = 8;

const TONES: Partial<Record<ActivityEvent["kind"], Tone>> = {
  order_created: "success",
  painting_sold: "success",
  site_recovered: "success",
  order_status_changed: "info",
  painting_price_changed: "info",
  painting_added: "info",
  user_registered: "info",
  exhibition_added: "info",
  site_unreachable: "danger",
  sync_failed: "danger",
  security_warning: "warning",
};

export function ActivityScreen({ route }: { route: Route }) {
  const api = useApi();
  const { t, tn } = useI18n();
  const [query, setFilter] = useQueryFilters(route);
  const siteId = query.site_id;
  const kind = kindOf(query.kind);
  const period = periodOf(query.period);
  // The period's start is fixed when it is chosen, so the live refresh asks the same URL (and gets 304s).
  const from = useMemo(() => (period ? periodStart(period, new Date()) : undefined), [period]);
  const ids = { site: useId(), kind: useId(), period: useId() };
  const list = usePagedQuery(
    ["activity", "list", siteId, kind, from],
    (cursor, signal) =>
      api.listActivity({ site_id: siteId, kind, from }, { limit: ACTIVITY_PAGE_SIZE, cursor, signal }),
    { live: () => true, intervalMs: PULSE_INTERVAL_MS },
  );
  const filtered = Boolean(siteId || kind || period);

  return (
    <ListScreen
      csv={{ list: "activity", filters: { site_id: siteId, kind, from } }}
      title={t("nav.activity")}
      subtitle={t("activity.subtitle")}
      actions={
        <>
          <LiveIndicator />
          <Button icon="refresh" onClick={list.reload} data-testid="activity-refresh">
            {t("common.refresh")}
          </Button>
        </>
      }
      filtersTestId="activity-filters"
      filters={
        <>
          <Filter label={t("filters.site")} htmlFor={ids.site}>
            <SiteSelect id={ids.site} value={siteId} onChange={(v) => setFilter("site_id", v)} />
          </Filter>
          <Filter label={t("filters.kind")} htmlFor={ids.kind}>
            <select
              id={ids.kind}
              value={kind ?? ""}
              onChange={(e) => setFilter("kind", e.target.value || undefined)}
              data-testid="filter-kind"
            >
              <option value="">{t("filters.all_kinds")}</option>
              <optgroup label={t("activity.group.records")}>
                {RECORD_KINDS.map((k) => (
                  <option key={k} value={k}>
                    {t(kindLabelKey(k))}
                  </option>
                ))}
              </optgroup>
              <optgroup label={t("activity.group.operations")}>
                {OPERATIONAL_KINDS.map((k) => (
                  <option key={k} value={k}>
                    {t(kindLabelKey(k))}
                  </option>
                ))}
              </optgroup>
            </select>
          </Filter>
          <Filter label={t("filters.period")} htmlFor={ids.period}>
            <select
              id={ids.period}
              value={period ?? ""}
              onChange={(e) => setFilter("period", e.target.value || undefined)}
              data-testid="filter-period"
            >
              <option value="">{t("activity.period.all")}</option>
              {PERIODS.map((p) => (
                <option key={p} value={p}>
                  {t(`activity.period.${p}`)}
                </option>
              ))}
            </select>
          </Filter>
        </>
      }
      list={list}
      count={(n) => tn("count.events", n)}
      empty={
        <EmptyState
          title={t(filtered ? "activity.empty_filtered" : "activity.empty")}
          hint={filtered ? undefined : t("activity.empty_hint")}
        />
      }
    >
      {(items) => <EventList events={items} testId="activity-list" />}
    </ListScreen>
  );
}

/** The latest events of every site, live, with a link to the whole feed (on the overview). */
export function LatestActivity() {
  const api = useApi();
  const { t } = useI18n();
  const latest = useQuery({
    queryKey: ["activity", "latest"],
    queryFn: ({ signal }) => api.listActivity({}, { limit: LATEST_COUNT, signal }),
    refetchInterval: PULSE_INTERVAL_MS,
  });
  return (
    <section className="section" aria-labelledby="latest-activity-title" data-testid="latest-activity">
      <div className="section-head">
        <h2 id="latest-activity-title">{t("overview.latest_activity")}</h2>
        <a href={href("activity")} data-testid="latest-activity-all">
          {t("overview.see_all_activity")}
        </a>
      </div>
      {latest.isPending ? (
        <Loading />
      ) : latest.error && !latest.data ? (
        <ErrorState error={latest.error} onRetry={() => void latest.refetch()} compact />
      ) : latest.data.items.length === 0 ? (
        <p className="muted" data-testid="no-activity">
          {t("overview.no_activity")}
        </p>
      ) : (
        <EventList events={latest.data.items} testId="latest-activity-list" />
      )}
    </section>
  );
}

function EventList({ events, testId }: { events: ActivityEvent[]; testId: string }) {
  const { t } = useI18n();
  return (
    <ol className="activity-list card" data-testid={testId} aria-label={t("activity.list_label")}>
      {events.map((event) => (
        <EventRow key={event.event_id} event={event} />
      ))}
    </ol>
  );
}

function EventRow({ event }: { event: ActivityEvent }) {
  const { t, lang } = useI18n();
  const { byId } = useSites();
  const now = useNow(30_000);
  const link = eventLink(event);
  return (
    <li
      className="activity-event"
      data-testid="activity-event"
      data-event-id={event.event_id}
      data-kind={event.kind}
    >
      <p className="activity-sentence" data-testid="activity-sentence">
        {eventSentence(event, lang)}
      </p>
      <p className="activity-meta muted small">
        <Badge tone={TONES[event.kind] ?? "neutral"}>{t(kindLabelKey(event.kind))}</Badge>
        <span data-testid="activity-site">{byId.get(event.site_id)?.name ?? event.site_id}</span>
        <time dateTime={event.at} title={formatDateTime(event.at, lang)}>
          {formatRelative(event.at, now, lang)}
        </time>
        {link ? (
          <a href={link.href} data-testid="activity-link">
            {t(link.kind === "record" ? "activity.open_record" : "activity.open_run")}
          </a>
        ) : null}
      </p>
    </li>
  );
}
