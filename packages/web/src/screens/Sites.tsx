/**
 * Sites administration: add (the webhook secret is shown once, copyable), edit, enable / disable, delete
 * (confirmed), rotate the webhook secret, and "Synchroniser maintenant", whose run is then followed live
 * right under the site.
 */
import { type FormEvent, useCallback, useId, useMemo, useState } from "react";
import { ApiError } from "../api/client";
import { type Run, type Site, SiteCreateInput, SiteUpdateInput, ValidationIssues } from "../api/schemas";
import { useApi, useCan, useI18n, useSession, useSites } from "../app/context";
import { useLive, useNow } from "../app/hooks";
import { formatDate, formatDateTime, formatRelative } from "../lib/format";
import type { MessageKey } from "../lib/i18n";
import { href } from "../lib/router";
import { isActiveRun } from "../lib/status";
import { RunStatusBadge } from "../ui/badges";
import {
  Badge,
  Button,
  ConfirmDialog,
  CopyField,
  EmptyState,
  ErrorState,
  errorDetail,
  errorTitleKey,
  Field,
  Loading,
  Modal,
  PageHeader,
} from "../ui/components";
import { Icon } from "../ui/icons";
import { SiteHealthWarnings } from "../ui/quality";
import { RunProgress } from "../ui/RunProgress";

type Editing = { mode: "create" } | { mode: "edit"; site: Site };
type Confirm = { kind: "delete" | "rotate"; site: Site };
type Secret = { siteName: string; secret: string; reason: "created" | "rotated" };
type Watched = { runId: string; run?: Run; error?: unknown };

export function SitesScreen() {
  const api = useApi();
  const { t } = useI18n();
  const can = useCan();
  const { notify } = useSession();
  const { sites, state } = useSites();
  const [editing, setEditing] = useState<Editing | null>(null);
  const [confirm, setConfirm] = useState<Confirm | null>(null);
  const [confirmBusy, setConfirmBusy] = useState(false);
  const [confirmError, setConfirmError] = useState<unknown>(null);
  const [secret, setSecret] = useState<Secret | null>(null);
  const [busy, setBusy] = useState<Record<string, "sync" | "toggle" | undefined>>({});
  const [watched, setWatched] = useState<Record<string, Watched>>({});

  const sorted = useMemo(() => [...sites].sort((a, b) => a.name.localeCompare(b.name)), [sites]);
  const setSiteBusy = (id: string, value: "sync" | "toggle" | undefined) =>
    setBusy((b) => ({ ...b, [id]: value }));

  const anyActive = Object.values(watched).some((w) => !w.run || isActiveRun(w.run.status));
  const pollWatched = useCallback(async () => {
    const entries = Object.entries(watched).filter(([, w]) => !w.run || isActiveRun(w.run.status));
    let finished = false;
    await Promise.all(
      entries.map(async ([siteId, w]) => {
        try {
          const run = await api.getRun(w.runId);
          if (!isActiveRun(run.status)) finished = true;
          setWatched((all) =>
            all[siteId]?.runId === w.runId ? { ...all, [siteId]: { runId: w.runId, run } } : all,
          );
        } catch (error) {
          // A run not visible yet (404 right after queuing) is simply asked again on the next tick.
          if (!(error instanceof ApiError && error.status === 404)) {
            setWatched((all) =>
              all[siteId]?.runId === w.runId ? { ...all, [siteId]: { ...w, error } } : all,
            );
          }
        }
      }),
    );
    if (finished) await state.refresh({ silent: true });
  }, [api, watched, state]);
  useLive(anyActive, pollWatched);

  const syncNow = async (site: Site) => {
    setSiteBusy(site.id, "sync");
    try {
      const started = await api.syncSite(site.id);
      setWatched((all) => ({ ...all, [site.id]: { runId: started.run_id } }));
      notify("info", t("sites.sync_started", { name: site.name }));
    } catch (error) {
      notify("danger", `${t(errorTitleKey(error))} — ${errorDetail(error).message}`);
    } finally {
      setSiteBusy(site.id, undefined);
    }
  };

  const toggle = async (site: Site) => {
    setSiteBusy(site.id, "toggle");
    try {
      const updated = await api.updateSite(site.id, { enabled: !site.enabled });
      state.setData(
        (data) => data && { ...data, items: data.items.map((s) => (s.id === site.id ? updated : s)) },
      );
      notify(
        "success",
        t(updated.enabled ? "sites.enabled_done" : "sites.disabled_done", { name: site.name }),
      );
    } catch (error) {
      notify("danger", `${t(errorTitleKey(error))} — ${errorDetail(error).message}`);
    } finally {
      setSiteBusy(site.id, undefined);
    }
  };

  const runConfirm = async () => {
    if (!confirm) return;
    const { kind, site } = confirm;
    setConfirmBusy(true);
    setConfirmError(null);
    try {
      if (kind === "delete") {
        await api.deleteSite(site.id);
        state.setData((data) => data && { ...data, items: data.items.filter((s) => s.id !== site.id) });
        setWatched(({ [site.id]: _gone, ...rest }) => rest);
        notify("success", t("sites.deleted_done", { name: site.name }));
      } else {
        const { webhook_secret } = await api.rotateWebhookSecret(site.id);
        setSecret({ siteName: site.name, secret: webhook_secret, reason: "rotated" });
      }
      setConfirm(null);
    } catch (error) {
      setConfirmError(error);
    } finally {
      setConfirmBusy(false);
    }
  };

  return (
    <>
      <PageHeader
        title={t("nav.sites")}
        subtitle={t("sites.subtitle")}
        actions={
          can("site.create") ? (
            <Button
              variant="primary"
              icon="plus"
              onClick={() => setEditing({ mode: "create" })}
              data-testid="site-add"
            >
              {t("sites.add")}
            </Button>
          ) : null
        }
      />

      {state.loading && !state.data ? (
        <Loading />
      ) : state.error && !state.data ? (
        <ErrorState error={state.error} onRetry={() => state.refresh()} />
      ) : sorted.length === 0 ? (
        <EmptyState title={t("overview.no_sites")} hint={t("overview.no_sites_hint")}>
          {can("site.create") ? (
            <Button variant="primary" icon="plus" onClick={() => setEditing({ mode: "create" })}>
              {t("sites.add")}
            </Button>
          ) : null}
        </EmptyState>
      ) : (
        <ul className="site-list">
          {sorted.map((site) => (
            <li key={site.id}>
              <SiteRow
                site={site}
                busy={busy[site.id]}
                watched={watched[site.id]}
                onSync={() => syncNow(site)}
                onToggle={() => toggle(site)}
                onEdit={() => setEditing({ mode: "edit", site })}
                onDelete={() => {
                  setConfirmError(null);
                  setConfirm({ kind: "delete", site });
                }}
                onRotate={() => {
                  setConfirmError(null);
                  setConfirm({ kind: "rotate", site });
                }}
                onDismissRun={() => setWatched(({ [site.id]: _gone, ...rest }) => rest)}
              />
            </li>
          ))}
        </ul>
      )}

      {editing ? (
        <SiteFormModal
          editing={editing}
          onClose={() => setEditing(null)}
          onSaved={(site, createdSecret) => {
            state.setData((data) => {
              const items = data?.items ?? [];
              const exists = items.some((s) => s.id === site.id);
              return {
                ...data,
                items: exists ? items.map((s) => (s.id === site.id ? site : s)) : [...items, site],
              };
            });
            setEditing(null);
            if (createdSecret) setSecret({ siteName: site.name, secret: createdSecret, reason: "created" });
            else notify("success", t("sites.saved_done", { name: site.name }));
          }}
        />
      ) : null}

      {confirm ? (
        <ConfirmDialog
          title={t(confirm.kind === "delete" ? "sites.delete_title" : "sites.rotate_title")}
          message={
            <p>
              {t(confirm.kind === "delete" ? "sites.delete_message" : "sites.rotate_message", {
                name: confirm.site.name,
              })}
            </p>
          }
          confirmLabel={t(confirm.kind === "delete" ? "sites.delete" : "sites.rotate")}
          danger={confirm.kind === "delete"}
          busy={confirmBusy}
          error={confirmError}
          onConfirm={runConfirm}
          onCancel={() => setConfirm(null)}
        />
      ) : null}

      {secret ? <SecretModal secret={secret} onClose={() => setSecret(null)} /> : null}
    </>
  );
}

function SiteRow({
  site,
  busy,
  watched,
  onSync,
  onToggle,
  onEdit,
  onDelete,
  onRotate,
  onDismissRun,
}: {
  site: Site;
  busy: "sync" | "toggle" | undefined;
  watched: Watched | undefined;
  onSync: () => void;
  onToggle: () => void;
  onEdit: () => void;
  onDelete: () => void;
  onRotate: () => void;
  onDismissRun: () => void;
}) {
  const { t, lang } = useI18n();
  const can = useCan();
  const now = useNow(30_000);
  const run = site.last_run;
  return (
    <article
      className={`card site-row${site.enabled ? "" : " is-disabled"}`}
      data-testid="site-row"
      data-site-id={site.id}
    >
      <div className="site-row-main">
        <div className="site-row-title">
          <h2>{site.name}</h2>
          <Badge
            tone={site.enabled ? "success" : "neutral"}
            testId="site-enabled"
            data={{ "data-enabled": String(site.enabled) }}
          >
            {site.enabled ? t("sites.enabled") : t("sites.disabled")}
          </Badge>
        </div>
        <dl className="facts facts-inline">
          <div>
            <dt>{t("sites.id")}</dt>
            <dd className="mono">{site.id}</dd>
          </div>
          <div>
            <dt>{t("sites.template_url")}</dt>
            <dd className="truncate">
              <a href={site.template_url} target="_blank" rel="noreferrer noopener">
                {site.template_url}
              </a>
            </dd>
          </div>
          <div>
            <dt>{t("sites.api_key")}</dt>
            <dd className="mono" data-testid="site-api-key-last4">
              {site.api_key_last4 ? `••••${site.api_key_last4}` : "—"}
            </dd>
          </div>
          <div>
            <dt>{t("sites.created_at")}</dt>
            <dd title={formatDateTime(site.created_at, lang)}>{formatDate(site.created_at, lang)}</dd>
          </div>
          <div>
            <dt>{t("overview.last_run")}</dt>
            <dd>
              {run ? (
                <a className="plain-link" href={href("run", { id: run.run_id })}>
                  <RunStatusBadge status={run.status} testId="site-last-run-status" />{" "}
                  <span className="muted small">
                    {run.finished_at ? formatRelative(run.finished_at, now, lang) : ""}
                  </span>
                </a>
              ) : (
                <span className="muted">{t("overview.never_synced")}</span>
              )}
            </dd>
          </div>
        </dl>
        <SiteHealthWarnings warnings={site.health?.warnings} />
      </div>
      {can("site.sync") ? (
        <div className="site-row-sync">
          <Button
            variant="primary"
            icon="runs"
            onClick={onSync}
            busy={busy === "sync"}
            data-testid="site-sync-now"
          >
            {t("sites.sync_now")}
          </Button>
        </div>
      ) : null}
      {watched ? (
        <div className="site-live" data-testid="site-live-run" data-run-id={watched.runId}>
          <div className="site-live-head">
            <strong>{t("sites.live_title")}</strong>
            <span className="site-live-links">
              <a href={href("run", { id: watched.runId })} data-testid="site-live-run-link">
                {t("sites.live_details")}
              </a>
              {watched.run && !isActiveRun(watched.run.status) ? (
                <Button variant="ghost" size="sm" onClick={onDismissRun} data-testid="site-live-dismiss">
                  {t("common.close")}
                </Button>
              ) : null}
            </span>
          </div>
          {watched.run ? (
            <RunProgress run={watched.run} siteName={site.name} />
          ) : watched.error ? (
            <ErrorState error={watched.error} compact />
          ) : (
            <Loading label={t("sites.live_waiting")} />
          )}
        </div>
      ) : null}
      {can("site.edit") ? (
        <div className="site-row-actions">
          <Button size="sm" onClick={onEdit} data-testid="site-edit">
            {t("sites.edit")}
          </Button>
          <Button size="sm" onClick={onToggle} busy={busy === "toggle"} data-testid="site-toggle">
            {site.enabled ? t("sites.disable") : t("sites.enable")}
          </Button>
          {can("site.rotate_secret") ? (
            <Button size="sm" onClick={onRotate} data-testid="site-rotate-secret">
              {t("sites.rotate")}
            </Button>
          ) : null}
          {can("site.delete") ? (
            <Button size="sm" variant="danger" onClick={onDelete} data-testid="site-delete">
              {t("sites.delete")}
            </Button>
          ) : null}
        </div>
      ) : null}
    </article>
  );
}

type FieldName = "name" | "template_url" | "api_key" | "id";

const VALIDATION_KEYS: Record<string, MessageKey> = {
  required: "validation.required",
  url: "validation.url",
  slug: "validation.slug",
  too_long: "validation.too_long",
};

function SiteFormModal({
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
        const created = await api.createSite(parsed.data as SiteCreateInput);
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

function SecretModal({ secret, onClose }: { secret: Secret; onClose: () => void }) {
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
