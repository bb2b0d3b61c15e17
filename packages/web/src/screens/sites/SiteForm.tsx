/** The site form (add or edit, checked here and by the server) and the webhook secret shown once. */
import { type FormEvent, useId, useState } from "react";
import type { z } from "zod";
import { ApiError } from "../../api/client";
import { SiteCreateInput, SiteUpdateInput, ValidationIssues } from "../../api/schemas";
import type { Site } from "../../api/types";
import { useApi, useI18n } from "../../app/context";
import type { MessageKey } from "../../lib/i18n";
import { Button, ErrorState } from "../../ui/components";
import { CopyField, Field, Modal } from "../../ui/dialogs";
import { Icon } from "../../ui/icons";

export type Editing = { mode: "create" } | { mode: "edit"; site: Site };
export type Secret = { siteName: string; secret: string; reason: "created" | "rotated" };

type FieldName = "name" | "template_url" | "api_key" | "id";

const VALIDATION_KEYS: Record<string, MessageKey> = {
  required: "validation.required",
  url: "validation.url",
  slug: "validation.slug",
  too_long: "validation.too_long",
};

export function SiteFormModal({
  editing,
  onClose,
  onSaved,
}: {
  editing: Editing;
  onClose: () => void;
  onSaved: (site: Site, webhookSecret?: string) => void;
}) {
  const api = useApi();
  const { t } = useI18n();
  const original = editing.mode === "edit" ? editing.site : undefined;
  const [values, setValues] = useState({
    name: original?.name ?? "",
    template_url: original?.template_url ?? "",
    api_key: "",
    id: "",
    enabled: original?.enabled ?? true,
  });
  const [errors, setErrors] = useState<Partial<Record<FieldName, string>>>({});
  const [serverError, setServerError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const formId = useId();
  const fid = (name: string) => `${formId}-${name}`;

  const set = (name: keyof typeof values, value: string | boolean) => {
    setValues((v) => ({ ...v, [name]: value }));
    setErrors((e) => ({ ...e, [name]: undefined }));
  };

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setServerError(null);
    const input =
      editing.mode === "create"
        ? {
            name: values.name,
            template_url: values.template_url,
            api_key: values.api_key,
            ...(values.id.trim() ? { id: values.id.trim() } : {}),
            enabled: values.enabled,
          }
        : {
            ...(values.name.trim() !== original?.name ? { name: values.name } : {}),
            ...(values.template_url.trim() !== original?.template_url
              ? { template_url: values.template_url }
              : {}),
            ...(values.api_key.trim() ? { api_key: values.api_key } : {}),
          };
    const parsed = (editing.mode === "create" ? SiteCreateInput : SiteUpdateInput).safeParse(input);
    if (!parsed.success) {
      const next: Partial<Record<FieldName, string>> = {};
      for (const issue of parsed.error.issues) {
        const field = issue.path[0] as FieldName;
        if (!next[field]) next[field] = t(VALIDATION_KEYS[issue.message] ?? "validation.invalid");
      }
      setErrors(next);
      return;
    }
    if (editing.mode === "edit" && Object.keys(parsed.data).length === 0) {
      onClose();
      return;
    }
    setBusy(true);
    try {
      if (editing.mode === "create") {
        const created = await api.createSite(parsed.data as z.output<typeof SiteCreateInput>);
        onSaved(created.site, created.webhook_secret);
      } else if (original) {
        onSaved(await api.updateSite(original.id, parsed.data));
      }
    } catch (error) {
      const fieldErrors = serverFieldErrors(error);
      if (error instanceof ApiError && error.status === 409) setErrors({ id: t("sites.id_taken") });
      else if (fieldErrors) setErrors(fieldErrors);
      else setServerError(error);
      setBusy(false);
    }
  };

  return (
    <Modal
      title={
        editing.mode === "create" ? t("sites.add") : t("sites.edit_title", { name: original?.name ?? "" })
      }
      onClose={onClose}
      testId="site-form-modal"
      footer={
        <>
          <Button onClick={onClose}>{t("common.cancel")}</Button>
          <Button type="submit" form={formId} variant="primary" busy={busy} data-testid="site-submit">
            {editing.mode === "create" ? t("sites.create") : t("common.save")}
          </Button>
        </>
      }
    >
      <form id={formId} onSubmit={submit} noValidate data-testid="site-form" className="form-grid">
        <Field label={t("sites.name")} htmlFor={fid("name")} error={errors.name}>
          <input
            id={fid("name")}
            value={values.name}
            onChange={(e) => set("name", e.target.value)}
            autoComplete="off"
            aria-invalid={errors.name ? true : undefined}
            data-testid="site-name"
            required
          />
        </Field>
        <Field
          label={t("sites.template_url")}
          htmlFor={fid("template_url")}
          error={errors.template_url}
          hint="https://template.artworksdigital.fr"
        >
          <input
            id={fid("template_url")}
            type="url"
            inputMode="url"
            value={values.template_url}
            onChange={(e) => set("template_url", e.target.value)}
            autoComplete="off"
            spellCheck={false}
            aria-invalid={errors.template_url ? true : undefined}
            data-testid="site-template-url"
            required
          />
        </Field>
        <Field
          label={t("sites.api_key")}
          htmlFor={fid("api_key")}
          error={errors.api_key}
          hint={
            editing.mode === "edit"
              ? t("sites.api_key_keep", { last4: original?.api_key_last4 ?? "" })
              : t("sites.api_key_hint")
          }
        >
          <input
            id={fid("api_key")}
            type="password"
            value={values.api_key}
            onChange={(e) => set("api_key", e.target.value)}
            autoComplete="new-password"
            spellCheck={false}
            aria-invalid={errors.api_key ? true : undefined}
            data-testid="site-api-key"
            required={editing.mode === "create"}
          />
        </Field>
        {editing.mode === "create" ? (
          <>
            <Field
              label={t("sites.id_optional")}
              htmlFor={fid("id")}
              error={errors.id}
              hint={t("sites.id_hint")}
            >
              <input
                id={fid("id")}
                value={values.id}
                onChange={(e) => set("id", e.target.value)}
                autoComplete="off"
                spellCheck={false}
                aria-invalid={errors.id ? true : undefined}
                data-testid="site-id"
                className="mono"
              />
            </Field>
            <label className="check" htmlFor={fid("enabled")}>
              <input
                id={fid("enabled")}
                type="checkbox"
                checked={values.enabled}
                onChange={(e) => set("enabled", e.target.checked)}
                data-testid="site-enabled-input"
              />
              {t("sites.enabled_on_create")}
            </label>
          </>
        ) : null}
        {serverError ? <ErrorState error={serverError} compact /> : null}
      </form>
    </Modal>
  );
}

const FIELDS: readonly FieldName[] = ["name", "template_url", "api_key", "id"];

/** A 400 whose `details.issues` name form fields → the server's message under each field. */
function serverFieldErrors(error: unknown): Partial<Record<FieldName, string>> | null {
  if (!(error instanceof ApiError) || error.status !== 400) return null;
  const parsed = ValidationIssues.safeParse(error.details);
  if (!parsed.success) return null;
  const out: Partial<Record<FieldName, string>> = {};
  for (const issue of parsed.data.issues) {
    const field = issue.path.split(".")[0] as FieldName;
    if (FIELDS.includes(field) && !out[field]) out[field] = issue.message;
  }
  return Object.keys(out).length > 0 ? out : null;
}

export function SecretModal({ secret, onClose }: { secret: Secret; onClose: () => void }) {
  const { t } = useI18n();
  return (
    <Modal
      title={t(secret.reason === "created" ? "sites.secret_created_title" : "sites.secret_rotated_title", {
        name: secret.siteName,
      })}
      onClose={onClose}
      testId="webhook-secret-modal"
      dismissable={false}
      footer={
        <Button variant="primary" onClick={onClose} data-testid="webhook-secret-dismiss">
          {t("sites.secret_done")}
        </Button>
      }
    >
      <p className="notice notice-warning" role="alert" data-testid="webhook-secret-warning">
        <Icon name="warning" size={18} />
        <span>{t("sites.secret_warning")}</span>
      </p>
      {secret.reason === "rotated" ? <p className="muted small">{t("sites.secret_rotated_note")}</p> : null}
      <CopyField value={secret.secret} label={t("sites.webhook_secret")} testId="webhook-secret" />
      <p className="muted small">{t("sites.secret_usage")}</p>
    </Modal>
  );
}
