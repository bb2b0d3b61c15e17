/** Dialogs and form pieces: the modal, the confirmation, a value to copy, a labelled form field. */

import { type ReactNode, useEffect, useId, useRef, useState } from "react";
import { useI18n } from "../app/context";
import { Button, ErrorState } from "./components";
import { Icon } from "./icons";

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
