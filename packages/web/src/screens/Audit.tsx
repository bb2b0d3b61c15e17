/**
 * "Journal d'audit": who did what, when, from where and with which outcome, newest first, filterable by
 * action, actor, site and outcome, cursor-paged. Read-only: the API offers no way to change an entry.
 */

import { AUDIT_ACTIONS, AUDIT_OUTCOMES } from "@dashboard/config/audit";
import { useId } from "react";
import type { AuditEntry, AuditFilters } from "../api/types";
import { useApi, useI18n, useSites } from "../app/context";
import { useNow, usePagedQuery } from "../app/hooks";
import { useQueryFilters } from "../app/router";
import { formatDateTime, formatRelative } from "../lib/format";
import type { MessageKey } from "../lib/i18n";
import type { Route } from "../lib/router";
import type { Tone } from "../lib/status";
import { Badge, Button, EmptyState, Permitted } from "../ui/components";
import { DataTable, headings, ListScreen } from "../ui/ListScreen";
import { Filter, SearchFilter, SiteSelect } from "../ui/lists";
import { useTextFilter } from "./shared";

const AUDIT_PAGE_SIZE = 50;

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
  return (
    <Permitted action="audit.read" title={t("nav.audit")}>
      <AuditLog route={route} />
    </Permitted>
  );
}

/** A select of known values, with "all" first; `label` words each value. */
function ChoiceSelect({
  id,
  value,
  choices,
  label,
  onChange,
  testId,
}: {
  id: string;
  value: string | undefined;
  choices: readonly string[];
  label: (value: string) => string;
  onChange: (value: string | undefined) => void;
  testId: string;
}) {
  const { t } = useI18n();
  return (
    <select
      id={id}
      value={value ?? ""}
      onChange={(e) => onChange(e.target.value || undefined)}
      data-testid={testId}
    >
      <option value="">{t("audit.all")}</option>
      {choices.map((choice) => (
        <option key={choice} value={choice}>
          {label(choice)}
        </option>
      ))}
    </select>
  );
}

function AuditLog({ route }: { route: Route }) {
  const api = useApi();
  const { t, tn } = useI18n();
  const [query, setFilter] = useQueryFilters(route);
  const [actorValue, setActor] = useTextFilter(query, setFilter, "actor");
  const ids = { action: useId(), actor: useId(), site: useId(), outcome: useId() };
  // The URL's values as they are: the server judges them (an unknown action is its 400).
  const filters = {
    action: query.action,
    actor: query.actor,
    site_id: query.site_id,
    outcome: query.outcome,
  } as AuditFilters;
  const list = usePagedQuery(["audit", filters], (cursor, signal) =>
    api.listAudit(filters, { limit: AUDIT_PAGE_SIZE, cursor, signal }),
  );

  return (
    <ListScreen
      title={t("nav.audit")}
      subtitle={t("audit.subtitle")}
      actions={
        <Button icon="refresh" onClick={list.reload} data-testid="audit-refresh">
          {t("common.refresh")}
        </Button>
      }
      list={list}
      count={(n) => tn("count.audit", n)}
      empty={<EmptyState title={t("audit.empty")} hint={t("common.empty_filtered_hint")} />}
      filters={
        <>
          <Filter label={t("audit.filter.action")} htmlFor={ids.action}>
            <ChoiceSelect
              id={ids.action}
              value={query.action}
              choices={ACTIONS}
              label={(action) => t(actionKey(action))}
              onChange={(v) => setFilter("action", v)}
              testId="audit-filter-action"
            />
          </Filter>
          <SearchFilter
            id={ids.actor}
            label={t("audit.filter.actor")}
            value={actorValue}
            onChange={setActor}
            testId="audit-filter-actor"
          />
          <Filter label={t("filters.site")} htmlFor={ids.site}>
            <SiteSelect id={ids.site} value={query.site_id} onChange={(v) => setFilter("site_id", v)} />
          </Filter>
          <Filter label={t("audit.filter.outcome")} htmlFor={ids.outcome}>
            <ChoiceSelect
              id={ids.outcome}
              value={query.outcome}
              choices={OUTCOMES}
              label={(outcome) => t(outcomeKey(outcome))}
              onChange={(v) => setFilter("outcome", v)}
              testId="audit-filter-outcome"
            />
          </Filter>
        </>
      }
    >
      {(items) => (
        <DataTable
          testId="audit-table"
          head={headings([
            { label: t("audit.col.when") },
            { label: t("audit.col.actor") },
            { label: t("audit.col.action") },
            { label: t("audit.col.target") },
            { label: t("audit.col.outcome") },
            { label: t("audit.col.origin") },
          ])}
        >
          {items.map((entry) => (
            <AuditRow key={entry.audit_id} entry={entry} />
          ))}
        </DataTable>
      )}
    </ListScreen>
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
