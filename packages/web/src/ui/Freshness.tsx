/**
 * "En direct · actualisé à 14:32:05": says that the screen refreshes on its own and when it last did, or
 * that it is paused while the tab is hidden. The refreshing itself is the session's live probe (`useChanges`).
 */
import { useChanges, useI18n } from "../app/context";
import { formatTime } from "../lib/format";

export function Freshness() {
  const { t, lang } = useI18n();
  const { refreshedAt, paused } = useChanges();
  return (
    <span
      className={`freshness${paused ? " is-paused" : ""}`}
      data-testid="freshness"
      data-paused={String(paused)}
      data-refreshed-at={refreshedAt?.toISOString() ?? ""}
    >
      <span className={paused ? "pulse pulse-off" : "pulse"} aria-hidden="true" />
      {paused
        ? t("live.paused")
        : refreshedAt
          ? t("live.refreshed_at", { time: formatTime(refreshedAt, lang) })
          : t("common.live")}
    </span>
  );
}
