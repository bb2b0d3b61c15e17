/** A run's live progress: overall bar, then one line per entity with its counters and status. */
import type { EntityResult, Run } from "../api/types";
import { useI18n } from "../app/context";
import { syncErrorText } from "../lib/codes";
import { formatDuration, formatTime } from "../lib/format";
import { href } from "../lib/router";
import { orderedEntities, runProgress } from "../lib/runs";
import { isActiveRun } from "../lib/status";
import { EntityStatusBadge, RunStatusBadge, TriggerLabel, useEntityLabel } from "./badges";

/** What an entity's result says besides its counters: its next attempt, and deletions it held back. */
export function EntityNotes({ result }: { result: EntityResult }) {
  const { t, lang } = useI18n();
  return (
    <>
      {result.status === "retrying" && result.next_attempt_at ? (
        <span
          className="entity-retry text-warning small"
          data-testid="entity-retry"
          data-attempt={result.attempt ?? ""}
        >
          {t("run.retrying_next", {
            attempt: result.attempt ?? "?",
            max: result.max_attempts ?? "?",
            time: formatTime(result.next_attempt_at, lang),
          })}
        </span>
      ) : null}
      {result.deletions_withheld ? (
        <span className="entity-note muted small" data-testid="entity-deletions-withheld">
          {t("run.deletions_withheld", { message: result.deletions_withheld.message })}{" "}
          <code>{result.deletions_withheld.code}</code>
        </span>
      ) : null}
    </>
  );
}

export function RunProgress({
  run,
  siteName,
  showHeader = true,
}: {
  run: Run;
  siteName?: string;
  showHeader?: boolean;
}) {
  const { t, tn, lang } = useI18n();
  const entityLabel = useEntityLabel();
  const { done, total } = runProgress(run);
  const active = isActiveRun(run.status);
  const percent = total === 0 ? 0 : Math.round((done / total) * 100);
  const entities = orderedEntities(run);
  return (
    <div
      className="run-progress"
      data-testid="run-progress"
      data-run-id={run.run_id}
      data-status={run.status}
    >
      {showHeader ? (
        <div className="run-progress-header">
          <div>
            <a href={href("run", { id: run.run_id })} className="run-link" data-testid="run-link">
              {siteName ?? run.site_id}
            </a>
            <span className="muted">
              {" · "}
              <TriggerLabel trigger={run.trigger} />
            </span>
          </div>
          <RunStatusBadge status={run.status} />
        </div>
      ) : null}
      <div
        className={`progress${active ? " progress-active" : ""}`}
        role="progressbar"
        aria-valuemin={0}
        aria-valuemax={total}
        aria-valuenow={done}
        aria-label={t("run.progress_label", { done, total })}
      >
        <span style={{ width: `${active && percent === 0 ? 4 : percent}%` }} />
      </div>
      {entities.length === 0 ? (
        <p className="muted small">{t("run.no_entities_yet")}</p>
      ) : (
        <ul className="entity-lines">
          {entities.map(([entity, result]) => (
            <li key={entity} data-testid="entity-progress" data-entity={entity} data-status={result.status}>
              <span className="entity-name">{entityLabel(entity)}</span>
              <EntityStatusBadge status={result.status} invalid={result.invalid} />
              <span className="entity-counts muted">
                <span data-testid="entity-fetched" data-value={result.fetched}>
                  {tn("run.fetched", result.fetched)}
                </span>
                {" · "}
                <span data-testid="entity-written" data-value={result.written}>
                  {tn("run.written", result.written)}
                </span>
                {" · "}
                <span data-testid="entity-pages" data-value={result.pages}>
                  {tn("run.pages", result.pages)}
                </span>
                {result.invalid > 0 ? (
                  <>
                    {" · "}
                    <span className="text-warning">{tn("run.invalid", result.invalid)}</span>
                  </>
                ) : null}
                {result.duration_ms != null ? ` · ${formatDuration(result.duration_ms, lang)}` : null}
              </span>
              {result.error ? (
                <span
                  className="entity-error text-danger"
                  data-testid="entity-error"
                  data-code={result.error.code}
                >
                  {syncErrorText(lang, result.error.code)}
                </span>
              ) : null}
              <EntityNotes result={result} />
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
