/** Status badges of the domain, each with a stable `data-testid` and a `data-*` kind for tests. */
import { ENTITY_ORDER } from "../api/schemas";
import { useI18n } from "../app/context";
import type { HealthKind } from "../lib/health";
import { hasMessage, type MessageKey } from "../lib/i18n";
import {
  entityStatusTone,
  isActiveRun,
  isEntityStatus,
  isRunStatus,
  logLevelTone,
  orderStatus,
  paintingStatus,
  roleKind,
  runStatusTone,
  type Tone,
} from "../lib/status";
import { Badge } from "./components";

/** "disponible" → "Disponible": the Template's text, as received apart from the first letter. */
const capitalize = (text: string): string =>
  text ? text.charAt(0).toLocaleUpperCase("fr-FR") + text.slice(1) : text;

export function PaintingStatusBadge({ status }: { status: string | null | undefined }) {
  const { t } = useI18n();
  const { kind, tone } = paintingStatus(status);
  // A status the Template did not set (NULL or "") is shown as such, never as an invented "Disponible".
  const label = status?.trim() ? capitalize(status.trim()) : t("fidelity.not_set");
  return (
    <Badge tone={tone} testId="painting-status-badge" data={{ "data-status-kind": kind }}>
      {label}
    </Badge>
  );
}

export function RoleBadge({ role }: { role: string | null | undefined }) {
  const { t } = useI18n();
  // A role the Template did not set (NULL) is not "user": it is shown as not set.
  if (!role?.trim()) {
    return (
      <Badge tone="neutral" testId="role-badge" data={{ "data-role": "unset" }}>
        {t("fidelity.not_set")}
      </Badge>
    );
  }
  const kind = roleKind(role);
  return (
    <Badge tone={kind === "admin" ? "info" : "neutral"} testId="role-badge" data={{ "data-role": kind }}>
      {kind === "admin" ? t("role.admin") : t("role.user")}
    </Badge>
  );
}

export function OrderStatusBadge({ status }: { status: string | null | undefined }) {
  const { t } = useI18n();
  const { kind, tone } = orderStatus(status);
  return (
    <Badge tone={tone} testId="order-status-badge" data={{ "data-status-kind": kind }}>
      {status?.trim() ? capitalize(status.trim()) : t("fidelity.not_set")}
    </Badge>
  );
}

function runStatusLabel(status: string, t: (key: MessageKey) => string): string {
  return isRunStatus(status) ? t(`run_status.${status}`) : status;
}

export function RunStatusBadge({ status, testId = "run-status" }: { status: string; testId?: string }) {
  const { t } = useI18n();
  return (
    <Badge tone={runStatusTone(status)} testId={testId} data={{ "data-status": status }}>
      {isActiveRun(status) ? <span className="pulse" aria-hidden="true" /> : null}
      {runStatusLabel(status, t)}
    </Badge>
  );
}

/** An entity's status; one that succeeded but rejected records reads "Partiel" (`data-partial`). */
export function EntityStatusBadge({ status, invalid = 0 }: { status: string; invalid?: number }) {
  const { t } = useI18n();
  const partial = status === "succeeded" && invalid > 0;
  return (
    <Badge
      tone={partial ? "warning" : entityStatusTone(status)}
      testId="entity-status"
      data={{ "data-status": status, "data-partial": String(partial) }}
    >
      {status === "running" ? <span className="pulse" aria-hidden="true" /> : null}
      {partial ? t("run.entity_partial") : isEntityStatus(status) ? t(`entity_status.${status}`) : status}
    </Badge>
  );
}

const HEALTH_TONE: Record<HealthKind, Tone> = {
  failing: "danger",
  retrying: "warning",
  stale: "warning",
  never: "warning",
  partial: "warning",
  syncing: "info",
  ok: "success",
  disabled: "neutral",
};

export function HealthBadge({ kind }: { kind: HealthKind }) {
  const { t } = useI18n();
  return (
    <Badge tone={HEALTH_TONE[kind]} testId="site-health" data={{ "data-health": kind }}>
      {kind === "syncing" ? <span className="pulse" aria-hidden="true" /> : null}
      {t(`health.${kind}`)}
    </Badge>
  );
}

/** A log level in the reader's language ("Alerte"); `data-level` keeps the seed's code (WARNING). */
export function logLevelLabel(level: string, t: (key: MessageKey) => string): string {
  const key = `log_level.${level.toUpperCase()}`;
  return hasMessage(key) ? t(key) : level;
}

export function LogLevelBadge({ level }: { level: string }) {
  const { t } = useI18n();
  return (
    <Badge tone={logLevelTone(level)} testId="log-level" data={{ "data-level": level.toUpperCase() }}>
      {logLevelLabel(level, t)}
    </Badge>
  );
}

const KNOWN_ENTITIES = new Set(ENTITY_ORDER);
const KNOWN_TRIGGERS = new Set(["schedule", "manual", "webhook"]);

export function useEntityLabel(): (entity: string) => string {
  const { t } = useI18n();
  return (entity) => (KNOWN_ENTITIES.has(entity) ? t(`entity.${entity}` as MessageKey) : entity);
}

export function TriggerLabel({ trigger }: { trigger: string }) {
  const { t } = useI18n();
  return (
    <span className="trigger" data-trigger={trigger}>
      {KNOWN_TRIGGERS.has(trigger) ? t(`trigger.${trigger}` as MessageKey) : trigger}
    </span>
  );
}
