/** The "Nouvelle alerte" form of the Alertes screen: name, target, kinds, sites, digest, language. */
import { useQuery } from "@tanstack/react-query";
import { type FormEvent, useId, useState } from "react";
import type { AlertSubscription, AlertSubscriptionInput } from "../../api/types";
import { useApi, useI18n } from "../../app/context";
import { Button, ErrorState } from "../../ui/components";
import { Field, Modal } from "../../ui/dialogs";

export type Kind = AlertSubscription["kinds"][number];
const KIND_SET: Record<Kind, true> = {
  order_created: true,
  order_status_changed: true,
  painting_sold: true,
  painting_price_changed: true,
  painting_added: true,
  painting_removed: true,
  user_registered: true,
  exhibition_added: true,
  site_unreachable: true,
  sync_failed: true,
  site_recovered: true,
  security_warning: true,
};
const KINDS = Object.keys(KIND_SET) as Kind[];

export function AlertForm({
  onClose,
  onCreated,
}: {
  onClose: () => void;
  onCreated: (name: string, secret: string | undefined) => void;
}) {
  const api = useApi();
  const { t } = useI18n();
  const sites = useQuery({ queryKey: ["sites"], queryFn: ({ signal }) => api.listSites(signal) });
  const ids = { name: useId(), target: useId(), digest: useId(), lang: useId(), type: useId() };
  const [name, setName] = useState("");
  const [type, setType] = useState<"email" | "url">("email");
  const [target, setTarget] = useState("");
  const [kinds, setKinds] = useState<Kind[]>([]);
  const [siteIds, setSiteIds] = useState<string[]>([]);
  const [digest, setDigest] = useState("0");
  const [mailLang, setMailLang] = useState<"fr" | "en">("fr");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const toggle = <T,>(list: T[], value: T) =>
    list.includes(value) ? list.filter((v) => v !== value) : [...list, value];

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const input: AlertSubscriptionInput = {
      name: name.trim(),
      kinds,
      site_ids: siteIds,
      target: type === "email" ? { type, email: target.trim() } : { type, url: target.trim() },
      digest_minutes: Math.max(0, Math.trunc(Number(digest) || 0)),
      lang: mailLang,
    };
    setBusy(true);
    setError(null);
    try {
      const created = await api.createAlert(input);
      onCreated(created.subscription.name, created.secret);
    } catch (err) {
      setError(err);
      setBusy(false);
    }
  };

  return (
    <Modal title={t("alerts.form_title")} onClose={onClose} testId="alert-form-modal">
      <form onSubmit={submit} noValidate data-testid="alert-form">
        <Field label={t("alerts.field.name")} htmlFor={ids.name}>
          <input
            id={ids.name}
            value={name}
            maxLength={100}
            onChange={(e) => setName(e.target.value)}
            data-testid="alert-name"
            data-autofocus
          />
        </Field>
        <Field label={t("alerts.field.target_type")} htmlFor={ids.type}>
          <select
            id={ids.type}
            value={type}
            onChange={(e) => setType(e.target.value as "email" | "url")}
            data-testid="alert-target-type"
          >
            <option value="email">{t("alerts.target.email")}</option>
            <option value="url">{t("alerts.target.url")}</option>
          </select>
        </Field>
        <Field
          label={t(type === "email" ? "alerts.field.email" : "alerts.field.url")}
          htmlFor={ids.target}
          {...(type === "url" ? { hint: t("alerts.field.url_hint") } : {})}
        >
          <input
            id={ids.target}
            type={type === "email" ? "email" : "url"}
            value={target}
            onChange={(e) => setTarget(e.target.value)}
            data-testid="alert-target"
          />
        </Field>
        <fieldset className="field" data-testid="alert-kinds">
          <legend>{t("alerts.field.kinds")}</legend>
          {KINDS.map((kind) => (
            <label key={kind} className="checkbox">
              <input
                type="checkbox"
                checked={kinds.includes(kind)}
                onChange={() => setKinds(toggle(kinds, kind))}
                data-testid={`alert-kind-${kind}`}
              />{" "}
              {t(`alerts.kind.${kind}`)}
            </label>
          ))}
        </fieldset>
        {sites.data?.items.length ? (
          <fieldset className="field" data-testid="alert-sites">
            <legend>{t("alerts.field.sites")}</legend>
            {sites.data.items.map((site) => (
              <label key={site.id} className="checkbox">
                <input
                  type="checkbox"
                  checked={siteIds.includes(site.id)}
                  onChange={() => setSiteIds(toggle(siteIds, site.id))}
                />{" "}
                {site.name}
              </label>
            ))}
          </fieldset>
        ) : null}
        <Field label={t("alerts.field.digest")} htmlFor={ids.digest}>
          <input
            id={ids.digest}
            type="number"
            min={0}
            max={1440}
            value={digest}
            onChange={(e) => setDigest(e.target.value)}
            data-testid="alert-digest"
          />
        </Field>
        <Field label={t("alerts.field.lang")} htmlFor={ids.lang}>
          <select id={ids.lang} value={mailLang} onChange={(e) => setMailLang(e.target.value as "fr" | "en")}>
            <option value="fr">Français</option>
            <option value="en">English</option>
          </select>
        </Field>
        {error ? <ErrorState error={error} compact /> : null}
        <div className="modal-footer">
          <Button onClick={onClose}>{t("common.cancel")}</Button>
          <Button type="submit" variant="primary" busy={busy} data-testid="alert-submit">
            {t("alerts.create")}
          </Button>
        </div>
      </form>
    </Modal>
  );
}
