/** The UI's building blocks: badges, buttons, states (loading, empty, error), dialogs, fields, paging. */
import { type ReactNode, useEffect, useId, useRef, useState } from "react";
import { ApiError } from "../api/client";
import { useI18n, useSession, useSites } from "../app/context";
import { apiReasonKey } from "../lib/codes";
import { formatNumber } from "../lib/format";
import type { MessageKey } from "../lib/i18n";
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

/** A modal dialog on the native <dialog>: focus stays inside, Escape closes, focus returns afterwards. */
export function Modal({
  title,
  onClose,
  children,
  footer,
  testId,
  dismissable = true,
}: {
  title: string;
  onClose: () => void;
  children: ReactNode;
  footer?: ReactNode;
  testId?: string;
  dismissable?: boolean;
}) {
  const { t } = useI18n();
  const ref = useRef<HTMLDialogElement>(null);
  const titleId = useId();
  useEffect(() => {
    const dialog = ref.current;
    const previous = document.activeElement as HTMLElement | null;
    if (dialog && !dialog.open) dialog.showModal();
    // showModal() focuses the first focusable element; a `data-autofocus` element is a better start.
    dialog?.querySelector<HTMLElement>("[data-autofocus]")?.focus();
    return () => {
      dialog?.close();
      previous?.focus?.();
    };
  }, []);
  return (
    <dialog
      ref={ref}
      className="modal"
      aria-labelledby={titleId}
      data-testid={testId}
      onCancel={(event) => {
        event.preventDefault();
        if (dismissable) onClose();
      }}
    >
      <div className="modal-header">
        <h2 id={titleId}>{title}</h2>
        {dismissable ? (
          <button type="button" className="icon-btn" onClick={onClose} aria-label={t("common.close")}>
            <Icon name="close" />
          </button>
        ) : null}
      </div>
      <div className="modal-body">{children}</div>
      {footer ? <div className="modal-footer">{footer}</div> : null}
    </dialog>
  );
}

export function ConfirmDialog({
  title,
  message,
  confirmLabel,
  danger,
  busy,
  error,
  onConfirm,
  onCancel,
}: {
  title: string;
  message: ReactNode;
  confirmLabel: string;
  danger?: boolean;
  busy?: boolean;
  error?: unknown;
  onConfirm: () => void;
  onCancel: () => void;
}) {
  const { t } = useI18n();
  return (
    <Modal
      title={title}
      onClose={onCancel}
      testId="confirm-dialog"
      footer={
        <>
          <Button onClick={onCancel} data-testid="confirm-cancel" data-autofocus>
            {t("common.cancel")}
          </Button>
          <Button
            variant={danger ? "danger" : "primary"}
            onClick={onConfirm}
            busy={busy}
            data-testid="confirm-ok"
          >
            {confirmLabel}
          </Button>
        </>
      }
    >
      <div className="confirm-message">{message}</div>
      {error ? <ErrorState error={error} compact /> : null}
    </Modal>
  );
}

/** A read-only value with a copy button (used for the webhook secret, shown once). */
export function CopyField({ value, label, testId }: { value: string; label: string; testId: string }) {
  const { t } = useI18n();
  const [copied, setCopied] = useState(false);
  const inputRef = useRef<HTMLInputElement>(null);
  const id = useId();
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(value);
      setCopied(true);
    } catch {
      inputRef.current?.select();
      setCopied(document.execCommand("copy"));
    }
  };
  return (
    <div className="copy-field">
      <label htmlFor={id} className="visually-hidden">
        {label}
      </label>
      <input
        id={id}
        ref={inputRef}
        readOnly
        value={value}
        className="mono"
        data-testid={testId}
        onFocus={(e) => e.currentTarget.select()}
        spellCheck={false}
        autoComplete="off"
      />
      <Button icon="copy" onClick={copy} data-testid={`${testId}-copy`}>
        {copied ? t("common.copied") : t("common.copy")}
      </Button>
      <span className="visually-hidden" aria-live="polite">
        {copied ? t("common.copied") : ""}
      </span>
    </div>
  );
}

export function Field({
  label,
  error,
  hint,
  children,
  htmlFor,
}: {
  label: string;
  error?: string | undefined;
  hint?: string;
  children: ReactNode;
  htmlFor: string;
}) {
  return (
    <div className={`field${error ? " field-invalid" : ""}`}>
      <label htmlFor={htmlFor}>{label}</label>
      {children}
      {error ? (
        <p className="field-error" id={`${htmlFor}-error`} data-testid={`${htmlFor}-error`}>
          {error}
        </p>
      ) : hint ? (
        <p className="field-hint">{hint}</p>
      ) : null}
    </div>
  );
}

/** "Load more" under a cursor-paged list, with how many are shown. */
/**
 * The end of a list: how many are shown (out of the total when it is known), and the next page — loaded on
 * its own as the reader scrolls near the end (an IntersectionObserver on a sentinel), or with the button.
 */
export function LoadMore({
  shown,
  hasMore,
  loading,
  error,
  onMore,
  noun,
  total,
}: {
  shown: number;
  hasMore: boolean;
  loading: boolean;
  error: unknown;
  onMore: () => void;
  noun: string;
  /** The whole list's size in words ("601 peintures"), when known. */
  total?: string | undefined;
}) {
  const { t, lang } = useI18n();
  const sentinel = useRef<HTMLDivElement>(null);
  const more = useRef(onMore);
  more.current = onMore;
  const canLoad = hasMore && !loading && !error;
  useEffect(() => {
    const node = sentinel.current;
    if (!node || !canLoad || typeof IntersectionObserver === "undefined") return;
    const observer = new IntersectionObserver(
      (entries) => {
        if (entries.some((entry) => entry.isIntersecting)) more.current();
      },
      { rootMargin: "0px 0px 1200px 0px" },
    );
    observer.observe(node);
    return () => observer.disconnect();
  }, [canLoad]);
  const count = total !== undefined ? t("paging.total", { shown: formatNumber(shown, lang), total }) : noun;
  return (
    <div className="load-more">
      <div ref={sentinel} className="list-sentinel" aria-hidden="true" />
      <p className="muted" data-testid="list-count" aria-live="polite">
        {hasMore ? t("paging.shown_more", { shown: count }) : t("paging.shown_all", { shown: count })}
      </p>
      {error ? <ErrorState error={error} onRetry={onMore} compact /> : null}
      {hasMore ? (
        <Button onClick={onMore} busy={loading} data-testid="load-more">
          {t("paging.load_more")}
        </Button>
      ) : null}
      {shown > 60 ? (
        <Button variant="ghost" size="sm" onClick={() => window.scrollTo({ top: 0, behavior: "smooth" })}>
          {t("paging.back_to_top")}
        </Button>
      ) : null}
    </div>
  );
}

/** The page sizes a list offers; the choice stays in the URL (`per_page`). */
export const PAGE_SIZES = [50, 100, 200] as const;

export const pageSizeOf = (query: Record<string, string>, fallback: number): number => {
  const n = Number(query.per_page);
  return (PAGE_SIZES as readonly number[]).includes(n) ? n : fallback;
};

export function PageSize({
  value,
  onChange,
  id,
}: {
  value: number;
  onChange: (size: number) => void;
  id: string;
}) {
  const { t } = useI18n();
  return (
    <Filter label={t("paging.page_size")} htmlFor={id}>
      <select
        id={id}
        value={value}
        onChange={(e) => onChange(Number(e.target.value))}
        data-testid="page-size"
      >
        {PAGE_SIZES.map((size) => (
          <option key={size} value={size}>
            {size}
          </option>
        ))}
      </select>
    </Filter>
  );
}

/** The site filter every list shares. */
export function SiteSelect({
  value,
  onChange,
  allowAll = true,
  id,
  testId = "filter-site",
}: {
  value: string | undefined;
  onChange: (siteId: string | undefined) => void;
  allowAll?: boolean;
  id: string;
  testId?: string;
}) {
  const { t } = useI18n();
  const { sites, state } = useSites();
  return (
    <select
      id={id}
      value={value ?? ""}
      onChange={(e) => onChange(e.target.value || undefined)}
      data-testid={testId}
      disabled={state.isPending}
    >
      {allowAll ? <option value="">{t("filters.all_sites")}</option> : null}
      {value && !sites.some((site) => site.id === value) ? <option value={value}>{value}</option> : null}
      {sites.map((site) => (
        <option key={site.id} value={site.id}>
          {site.name}
        </option>
      ))}
    </select>
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

/** A labelled filter in the filter bar. */
export function Filter({
  label,
  htmlFor,
  children,
  grow,
}: {
  label: string;
  htmlFor: string;
  children: ReactNode;
  grow?: boolean;
}) {
  return (
    <div className={`filter${grow ? " filter-grow" : ""}`}>
      <label htmlFor={htmlFor}>{label}</label>
      {children}
    </div>
  );
}
