/** The UI's building blocks: badges, buttons, states (loading, empty, error), dialogs, fields, paging. */
import type { ReactNode } from "react";
import { ApiError } from "../api/client";
import { useCan, useI18n, useSession } from "../app/context";
import { apiReasonKey } from "../lib/codes";
import type { MessageKey } from "../lib/i18n";
import type { Action } from "../lib/roles";
import type { Tone } from "../lib/status";
import { Icon, type IconName } from "./icons";

export function Badge({
  tone,
  children,
  testId,
  data,
  title,
}: {
  tone: Tone;
  children: ReactNode;
  testId?: string;
  data?: Record<`data-${string}`, string>;
  title?: string;
}) {
  return (
    <span className={`badge badge-${tone}`} data-testid={testId} data-tone={tone} title={title} {...data}>
      {children}
    </span>
  );
}

type ButtonVariant = "primary" | "secondary" | "danger" | "ghost";

export function Button({
  variant = "secondary",
  size,
  icon,
  busy,
  children,
  className,
  ...rest
}: React.ButtonHTMLAttributes<HTMLButtonElement> & {
  variant?: ButtonVariant;
  size?: "sm";
  icon?: IconName;
  busy?: boolean;
  "data-testid"?: string;
}) {
  return (
    <button
      type="button"
      className={["btn", `btn-${variant}`, size ? `btn-${size}` : "", className ?? ""]
        .filter(Boolean)
        .join(" ")}
      aria-busy={busy || undefined}
      disabled={busy || rest.disabled}
      {...rest}
    >
      {busy ? (
        <span className="spinner spinner-inline" aria-hidden="true" />
      ) : icon ? (
        <Icon name={icon} size={16} />
      ) : null}
      {children}
    </button>
  );
}

/** "En direct", with its pulse: what is on screen refreshes by itself. */
export function LiveIndicator() {
  const { t } = useI18n();
  return (
    <span className="live-indicator" data-testid="live-indicator">
      <span className="pulse" aria-hidden="true" />
      {t("common.live")}
    </span>
  );
}

export function Loading({ label }: { label?: string }) {
  const { t } = useI18n();
  return (
    <div className="state state-loading" data-testid="loading" role="status" aria-live="polite">
      <span className="spinner" aria-hidden="true" />
      <span>{label ?? t("common.loading")}</span>
    </div>
  );
}

export function EmptyState({
  title,
  hint,
  children,
}: {
  title: string;
  hint?: string;
  children?: ReactNode;
}) {
  return (
    <div className="state state-empty" data-testid="empty-state">
      <p className="state-title">{title}</p>
      {hint ? <p className="state-hint">{hint}</p> : null}
      {children}
    </div>
  );
}

const ERROR_TITLES: Record<string, MessageKey> = {
  network_error: "errors.network",
  unauthorized: "errors.unauthorized",
  forbidden: "errors.forbidden",
  not_found: "errors.not_found",
  invalid_request: "errors.invalid_request",
  conflict: "errors.conflict",
  payload_too_large: "errors.payload_too_large",
  rate_limited: "errors.rate_limited",
  bad_response: "errors.bad_response",
};

/** A translated title for any error; the server's own message and code are shown beside it. */
export function errorTitleKey(error: unknown): MessageKey {
  if (error instanceof ApiError) {
    const key = ERROR_TITLES[error.code];
    if (key) return key;
    if (error.status >= 500) return "errors.server";
  }
  return "errors.generic";
}

export function errorDetail(error: unknown): { message: string; code?: string } {
  if (error instanceof ApiError) return { message: error.message, code: error.reason ?? error.code };
  if (error instanceof Error) return { message: error.message };
  return { message: String(error) };
}

export function ErrorState({
  error,
  onRetry,
  compact,
}: {
  error: unknown;
  onRetry?: () => void;
  compact?: boolean;
}) {
  const { t } = useI18n();
  const detail = errorDetail(error);
  const hint = error instanceof ApiError ? apiReasonKey(error.reason, error.status, error.code) : undefined;
  return (
    <div
      className={`state state-error${compact ? " state-compact" : ""}`}
      data-testid="error-state"
      role="alert"
    >
      <Icon name="warning" />
      <div className="state-body">
        <p className="state-title">{t(errorTitleKey(error))}</p>
        {hint ? <p className="state-hint">{t(hint)}</p> : null}
        <TechnicalDetails
          facts={[
            [t("details.code"), detail.code, "error-code"],
            [
              t("details.http_status"),
              error instanceof ApiError && error.status ? String(error.status) : undefined,
            ],
            [t("details.message"), detail.message],
          ]}
        />
      </div>
      {onRetry ? (
        <Button size="sm" icon="refresh" onClick={onRetry} data-testid="retry">
          {t("common.retry")}
        </Button>
      ) : null}
    </div>
  );
}

/**
 * "Détails techniques": what a person rarely needs but support does (codes, HTTP status, URL, the server's
 * own message), folded away. Facts without a value are left out.
 */
export function TechnicalDetails({
  facts,
}: {
  /** `[label, value, data-testid?]` */
  facts: ReadonlyArray<readonly [string, string | number | null | undefined, string?]>;
}) {
  const { t } = useI18n();
  const shown = facts.filter(([, value]) => value !== undefined && value !== null && value !== "");
  if (shown.length === 0) return null;
  return (
    <details className="technical" data-testid="technical-details">
      <summary>{t("details.technical")}</summary>
      <dl>
        {shown.map(([label, value, testId]) => (
          <div key={label}>
            <dt>{label}</dt>
            <dd>
              <code data-testid={testId}>{String(value)}</code>
            </dd>
          </div>
        ))}
      </dl>
    </details>
  );
}

export function PageHeader({
  title,
  subtitle,
  actions,
}: {
  title: string;
  subtitle?: ReactNode;
  actions?: ReactNode;
}) {
  return (
    <header className="page-header">
      <div>
        <h1 tabIndex={-1} data-page-title>
          {title}
        </h1>
        {subtitle ? <p className="page-subtitle">{subtitle}</p> : null}
      </div>
      {actions ? <div className="page-actions">{actions}</div> : null}
    </header>
  );
}

/** A screen for the roles allowed `action`; the others see its title and that their role does not allow it. */
export function Permitted({
  action,
  title,
  children,
}: {
  action: Action;
  title: string;
  children: ReactNode;
}) {
  const { t } = useI18n();
  const can = useCan();
  if (can(action)) return children;
  return (
    <>
      <PageHeader title={title} />
      <EmptyState title={t("session.forbidden")} />
    </>
  );
}

export function Toasts() {
  const { toasts, dismissToast } = useSession();
  const { t } = useI18n();
  return (
    <div className="toasts" aria-live="polite" aria-atomic="false">
      {toasts.map((toast) => (
        <div key={toast.id} className={`toast toast-${toast.tone}`} data-testid="toast" role="status">
          <span>{toast.message}</span>
          <button
            type="button"
            className="icon-btn"
            onClick={() => dismissToast(toast.id)}
            aria-label={t("common.close")}
          >
            <Icon name="close" size={16} />
          </button>
        </div>
      ))}
    </div>
  );
}
