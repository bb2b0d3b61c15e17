/** A run's log: its lines worded in the reader's language, filterable by level, following the end while live. */
import { useEffect, useId, useMemo, useRef, useState } from "react";
import type { LogEntry } from "../../api/types";
import { useI18n } from "../../app/context";
import { logLineText } from "../../lib/codes";
import { formatDateTime, formatTime } from "../../lib/format";
import { LOG_LEVELS, logLevelTone } from "../../lib/status";
import { LogLevelBadge, logLevelLabel, useEntityLabel } from "../../ui/badges";
import { Badge } from "../../ui/components";
import { Filter } from "../../ui/lists";

export function RunLog({ log, active }: { log: LogEntry[]; active: boolean }) {
  const { t, lang } = useI18n();
  const label = useEntityLabel();
  const [level, setLevel] = useState<string>("");
  const id = useId();
  const lines = useMemo(
    () => (level ? log.filter((l) => l.level.toUpperCase() === level) : log),
    [log, level],
  );
  const counts = useMemo(() => {
    const c: Record<string, number> = {};
    for (const line of log) c[line.level.toUpperCase()] = (c[line.level.toUpperCase()] ?? 0) + 1;
    return c;
  }, [log]);

  // The log scrolls in its own box; while live, it follows new lines unless the reader scrolled up.
  const boxRef = useRef<HTMLOListElement>(null);
  const stick = useRef(true);
  // biome-ignore lint/correctness/useExhaustiveDependencies: follows the number of lines.
  useEffect(() => {
    const box = boxRef.current;
    if (box && active && stick.current) box.scrollTop = box.scrollHeight;
  }, [lines.length, active]);
  const onScroll = () => {
    const box = boxRef.current;
    if (box) stick.current = box.scrollHeight - box.scrollTop - box.clientHeight < 32;
  };

  return (
    <section className="section" aria-labelledby="log-title">
      <div className="section-head">
        <h2 id="log-title">{t("run.log")}</h2>
        <div className="log-counts">
          {LOG_LEVELS.filter((l) => counts[l]).map((l) => (
            <Badge key={l} tone={logLevelTone(l)}>{`${logLevelLabel(l, t)} ${counts[l]}`}</Badge>
          ))}
        </div>
      </div>
      {log.length === 0 ? (
        <p className="muted" data-testid="log-empty">
          {t("run.log_empty")}
        </p>
      ) : (
        <>
          <div className="filters filters-inline">
            <Filter label={t("run.log_level")} htmlFor={id}>
              <select
                id={id}
                value={level}
                onChange={(e) => setLevel(e.target.value)}
                data-testid="filter-log-level"
              >
                <option value="">{t("run.log_all_levels")}</option>
                {LOG_LEVELS.map((l) => (
                  <option key={l} value={l}>
                    {logLevelLabel(l, t)}
                  </option>
                ))}
              </select>
            </Filter>
          </div>
          {/* Focusable, so the box scrolls with the keyboard's arrows and Page Up/Down. */}
          <ol
            className="log card"
            data-testid="run-log"
            ref={boxRef}
            onScroll={onScroll}
            aria-label={t("run.log")}
            // biome-ignore lint/a11y/noNoninteractiveTabindex: a scrollable region must be reachable by keyboard.
            tabIndex={0}
          >
            {lines.map((line, index) => (
              <li
                // Log lines have no id; they are append-only, so the position is stable.
                // biome-ignore lint/suspicious/noArrayIndexKey: append-only list.
                key={index}
                className={`log-line log-${logLevelTone(line.level)}`}
                data-testid="log-line"
                data-level={line.level.toUpperCase()}
              >
                <time
                  dateTime={line.timestamp}
                  className="log-time"
                  title={formatDateTime(line.timestamp, lang)}
                >
                  {formatTime(line.timestamp, lang)}
                </time>
                <LogLevelBadge level={line.level} />
                {line.entity ? <span className="log-entity">[{label(line.entity)}]</span> : null}
                <span className="log-message">{logLineText(lang, line)}</span>
              </li>
            ))}
          </ol>
        </>
      )}
    </section>
  );
}
