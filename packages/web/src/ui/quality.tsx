/**
 * Data quality and Template health, as the UI shows them: the "Données incomplètes" badge of a flagged
 * record (with what the Template did not set), the quality filter of the record lists, a "non renseigné"
 * value for what the Template left NULL or empty, and a site's security warnings with what to do.
 */
import type { HealthWarning } from "../api/types";
import { useI18n } from "../app/context";
import { isHealthCode, missingFields } from "../lib/quality";
import { Badge } from "./components";

/** "Données incomplètes" on a flagged record; nothing on a complete one. */
export function QualityBadge({ quality }: { quality: readonly string[] | null | undefined }) {
  const { t } = useI18n();
  if (!quality || quality.length === 0) return null;
  const fields = missingFields(quality, t);
  return (
    <Badge
      tone="warning"
      testId="quality-badge"
      data={{ "data-quality": quality.join(" ") }}
      title={t("fidelity.incomplete_title", { fields })}
    >
      {t("fidelity.incomplete")}
      <span className="visually-hidden"> — {t("fidelity.incomplete_title", { fields })}</span>
    </Badge>
  );
}

/** A value the Template did not set (NULL or ""): "non renseigné", never an invented default. */
export function NotSet() {
  const { t } = useI18n();
  return (
    <span className="muted not-set" data-testid="not-set">
      {t("fidelity.not_set")}
    </span>
  );
}

/** The record lists' quality filter: all, only flagged (incomplete), only complete. */
export function QualitySelect({
  id,
  value,
  onChange,
}: {
  id: string;
  value: string | undefined;
  onChange: (value: "flagged" | "complete" | undefined) => void;
}) {
  const { t } = useI18n();
  return (
    <select
      id={id}
      value={value === "flagged" || value === "complete" ? value : ""}
      onChange={(e) => {
        const v = e.target.value;
        onChange(v === "flagged" || v === "complete" ? v : undefined);
      }}
      data-testid="filter-quality"
    >
      <option value="">{t("fidelity.quality_all")}</option>
      <option value="flagged">{t("fidelity.quality_flagged")}</option>
      <option value="complete">{t("fidelity.quality_complete")}</option>
    </select>
  );
}

/** A site's security warnings (health.ts in core), each with what to do; nothing when there are none. */
export function SiteHealthWarnings({ warnings }: { warnings: readonly HealthWarning[] | null | undefined }) {
  const { t } = useI18n();
  if (!warnings || warnings.length === 0) return null;
  return (
    <section className="site-health" aria-label={t("fidelity.health.title")} data-testid="site-health">
      {warnings.map((w) => (
        <div
          key={w.code}
          className="notice notice-warning site-health-warning"
          role="alert"
          data-testid="site-health-warning"
          data-code={w.code}
        >
          <div>
            <strong>{isHealthCode(w.code) ? t(`fidelity.health.${w.code}`) : w.message}</strong>
            <p className="small">
              {isHealthCode(w.code)
                ? t(`fidelity.health.${w.code}.action`)
                : (w.action ?? t("fidelity.health.unknown_action"))}
            </p>
            {w.keys.length > 0 ? (
              <p className="small mono" data-testid="site-health-keys">
                {t("fidelity.health.keys", { keys: w.keys.join(", ") })}
              </p>
            ) : null}
          </div>
        </div>
      ))}
    </section>
  );
}
