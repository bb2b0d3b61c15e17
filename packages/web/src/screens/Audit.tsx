/**
 * "Journal d'audit": who did what, when, from where and with which outcome, newest first, filterable by
 * action, actor, site and outcome, cursor-paged. Read-only: the API offers no way to change an entry.
 */
import { useId } from "react";
import type { AuditEntry } from "../api/schemas";
import { useApi, useCan, useI18n, useSites } from "../app/context";
import { useNow, usePaged } from "../app/hooks";
import { useQueryFilters } from "../app/router";
import { AUDIT_ACTIONS, AUDIT_OUTCOMES } from "../lib/audit";
import { formatDateTime, formatRelative } from "../lib/format";
import type { MessageKey } from "../lib/i18n";
import type { Route } from "../lib/router";
import type { Tone } from "../lib/status";
import {
  Badge,
  Button,
  EmptyState,
  ErrorState,
  Filter,
  Loading,
  LoadMore,
  PageHeader,
  SiteSelect,
} from "../ui/components";
import { useTextFilter } from "./shared";

export const AUDIT_PAGE_SIZE = 50;

const ACTIONS = AUDIT_ACTIONS;
const OUTCOMES = AUDIT_OUTCOMES;
const OUTCOME_TONE: Record<string, Tone> = { success: "success", denied: "warning", failed: "danger" };

const actionKey = (action: string): MessageKey =>
  (ACTIONS as readonly string[]).includes(action)
    ? (`audit.action.${action}` as MessageKey)
    : "common.unknown";
const outcomeKey = (outcome: string): MessageKey =>
  (OUTCOMES as readonly string[]).includes(outcome)
    ? (`audit.outcome.${outcome}` as MessageKey)
    : "common.unknown";

export function AuditScreen({ route }: { route: Route }) {
  const { t } = useI18n();
  const can = useCan();
  if (!can("audit.read")) {
    return (
      <>
        <PageHeader title={t("nav.audit")} />
        <EmptyState title={t("session.forbidden")} />
      </>
    );
  }
  return <AuditLog route={route} />;
}

function AuditLog({ route }: { route: Route }) {
  const api = useApi();
  const { t, tn } = useI18n();
  const [query, setFilter] = useQueryFilters(route);
  const [actorValue, setActor] = useTextFilter(query, setFilter, "actor");
  const ids = { action: useId(), actor: useId(), site: useId(), outcome: useId() };
  const filters = {
    action: query.action,
    actor: query.actor,
    site_id: query.site_id,
    outcome: query.outcome,
  };
  const list = usePaged(
    (cursor, signal) => api.listAudit(filters, { limit: AUDIT_PAGE_SIZE, cursor, signal }),
    [api, filters.action, filters.actor, filters.site_id, filters.outcome],
  );

  return (
    <>
      <PageHeader
        title={t("nav.audit")}
        subtitle={t("audit.subtitle")}
        actions={
          <Button icon="refresh" onClick={list.reload} data-testid="audit-refresh">
            {t("common.refresh")}
          </Button>
        }
      />
      <div className="filters card">
        <Filter label={t("audit.filter.action")} htmlFor={ids.action}>
          <select
            id={ids.action}
            value={query.action ?? ""}
            onChange={(e) => setFilter("action", e.target.value || undefined)}
            data-testid="audit-filter-action"
          >
            <option value="">{t("audit.all")}</option>
            {ACTIONS.map((action) => (
              <option key={action} value={action}>
                {t(actionKey(action))}
              </option>
            ))}
          </select>
        </Filter>
        <Filter label={t("audit.filter.actor")} htmlFor={ids.actor} grow>
          <input
            id={ids.actor}
            type="search"
            value={actorValue}
            onChange={(e) => setActor(e.target.value)}
            data-testid="audit-filter-actor"
          />
        </Filter>
        <Filter label={t("filters.site")} htmlFor={ids.site}>
          <SiteSelect id={ids.site} value={query.site_id} onChange={(v) => setFilter("site_id", v)} />
        </Filter>
        <Filter label={t("audit.filter.outcome")} htmlFor={ids.outcome}>
          <select
            id={ids.outcome}
            value={query.outcome ?? ""}
            onChange={(e) => setFilter("outcome", e.target.value || undefined)}
            data-testid="audit-filter-outcome"
          >
            <option value="">{t("audit.all")}</option>
            {OUTCOMES.map((outcome) => (
              <option key={outcome} value={outcome}>
                {t(outcomeKey(outcome))}
              </option>
            ))}
          </select>
        </Filter>
      </div>
      {list.loading ? (
        <Loading />
      ) : list.error ? (
        <ErrorState error={list.error} onRetry={list.reload} />
      ) : list.items.length === 0 ? (
        <EmptyState title={t("audit.empty")} hint={t("common.empty_filtered_hint")} />
      ) : (
        <>
          <div className="table-wrap card">
            <table className="data-table responsive-table" data-testid="audit-table">
              <thead>
                <tr>
                  <th scope="col">{t("audit.col.when")}</th>
                  <th scope="col">{t("audit.col.actor")}</th>
                  <th scope="col">{t("audit.col.action")}</th>
                  <th scope="col">{t("audit.col.target")}</th>
                  <th scope="col">{t("audit.col.outcome")}</th>
                  <th scope="col">{t("audit.col.origin")}</th>
                </tr>
              </thead>
              <tbody>
                {list.items.map((entry) => (
                  <AuditRow key={entry.audit_id} entry={entry} />
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
            noun={tn("count.audit", list.items.length)}
          />
        </>
      )}
    </>
  );
}

function AuditRow({ entry }: { entry: AuditEntry }) {
  const { t, lang } = useI18n();
  const { byId } = useSites();
  const now = useNow();
  const target = entry.target
    ? entry.target.type === "site"
      ? (byId.get(entry.target.id)?.name ?? entry.target.id)
      : entry.target.id
    : entry.site_id
      ? (byId.get(entry.site_id)?.name ?? entry.site_id)
      : "—";
  return (
    <tr data-testid="audit-row" data-action={entry.action} data-outcome={entry.outcome}>
      <td data-label={t("audit.col.when")} title={formatDateTime(entry.at, lang)}>
        {formatRelative(entry.at, now, lang)}
      </td>
      <td data-label={t("audit.col.actor")}>
        <div>
          <strong data-testid="audit-actor">{entry.actor.name}</strong>
          <div className="muted small">{t(`role.${entry.actor.role}` as MessageKey)}</div>
        </div>
      </td>
      <td data-label={t("audit.col.action")}>
        <div>
          <span>{t(actionKey(entry.action))}</span>
          {entry.fields?.length ? (
            <div className="muted small">{t("audit.fields", { fields: entry.fields.join(", ") })}</div>
          ) : null}
        </div>
      </td>
      <td data-label={t("audit.col.target")} className="break">
        {target}
      </td>
      <td data-label={t("audit.col.outcome")}>
        <Badge tone={OUTCOME_TONE[entry.outcome] ?? "neutral"} title={entry.reason ?? undefined}>
          {`${t(outcomeKey(entry.outcome))} · ${entry.status}`}
        </Badge>
      </td>
      <td data-label={t("audit.col.origin")} className="muted small break">
        <div>
          <div className="mono" data-testid="audit-origin">
            {entry.forwarded_for ?? entry.ip ?? "—"}
          </div>
          {entry.user_agent ? <div title={entry.user_agent}>{entry.user_agent.slice(0, 60)}</div> : null}
        </div>
      </td>
    </tr>
  );
}
