/**
 * "Alertes" (owners): subscriptions to activity events, each sending to an e-mail address or a URL (a signed
 * JSON POST), at once or as a digest. The signing secret is shown once, when created; "Envoyer un test"
 * sends a sample event now; each subscription's deliveries list every attempt; locally, the outbox lists
 * the e-mails that were not sent.
 */
import { useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { ApiError } from "../api/client";
import type { AlertDelivery, AlertSubscription } from "../api/types";
import { useApi, useI18n, useSession } from "../app/context";
import { formatDateTime, formatDuration } from "../lib/format";
import type { MessageKey } from "../lib/i18n";
import type { Tone } from "../lib/status";
import { Badge, Button, ErrorState, errorTitleKey, Loading, Permitted } from "../ui/components";
import { Modal } from "../ui/dialogs";
import { headings } from "../ui/ListScreen";
import { ManagedList } from "../ui/ManagedList";
import { AlertForm } from "./alerts/AlertForm";

const STATUS_TONE: Record<AlertDelivery["status"], Tone> = {
  pending: "neutral",
  retrying: "warning",
  delivered: "success",
  failed: "danger",
};

export function AlertsScreen() {
  const { t } = useI18n();
  return (
    <Permitted action="alerts.manage" title={t("nav.alerts")}>
      <AlertManager />
    </Permitted>
  );
}

function AlertManager() {
  const api = useApi();
  const { t } = useI18n();
  const subs = useQuery({ queryKey: ["alerts"], queryFn: ({ signal }) => api.listAlerts(signal) });
  const [open, setOpen] = useState<AlertSubscription | null>(null);
  return (
    <ManagedList<AlertSubscription>
      scope="alerts"
      testId="alert"
      query={subs}
      table={{
        head: headings([
          { label: t("alerts.col.name") },
          { label: t("alerts.col.events") },
          { label: t("alerts.col.target") },
          { label: t("alerts.col.digest") },
          { label: "" },
        ]),
        key: (sub) => sub.subscription_id,
        row: (sub, remove) => <AlertRow sub={sub} onDeliveries={() => setOpen(sub)} onDelete={remove} />,
      }}
      form={({ onClose, onCreated }) => (
        <AlertForm
          onClose={onClose}
          onCreated={(name, secret) => onCreated(secret ? { name, secret } : undefined)}
        />
      )}
      remove={(sub) => api.deleteAlert(sub.subscription_id)}
    >
      <Outbox />
      {open ? <Deliveries sub={open} onClose={() => setOpen(null)} /> : null}
    </ManagedList>
  );
}

const attemptText = (
  t: (key: MessageKey, vars?: Record<string, string | number>) => string,
  attempt: AlertDelivery["attempts"][number],
): string =>
  attempt.outcome === "delivered"
    ? `${t("alerts.attempt_ok")}${attempt.status_code ? ` (${attempt.status_code})` : ""}`
    : attempt.error && `alerts.attempt_error.${attempt.error}` in KNOWN_ERRORS
      ? t(`alerts.attempt_error.${attempt.error}` as MessageKey, { status: attempt.status_code ?? "" })
      : (attempt.error ?? "");

const KNOWN_ERRORS: Record<string, true> = Object.fromEntries(
  ["timeout", "network", "http_error", "not_allowed", "email_failed", "no_secret"].map((c) => [
    `alerts.attempt_error.${c}`,
    true,
  ]),
);

function AlertRow({
  sub,
  onDeliveries,
  onDelete,
}: {
  sub: AlertSubscription;
  onDeliveries: () => void;
  onDelete: () => void;
}) {
  const api = useApi();
  const { t } = useI18n();
  const { notify } = useSession();
  const [testing, setTesting] = useState(false);
  const test = async () => {
    setTesting(true);
    try {
      const delivery = await api.testAlert(sub.subscription_id);
      const last = delivery.attempts.at(-1);
      notify(
        delivery.status === "delivered" ? "success" : "danger",
        t("alerts.test_done", {
          status: last ? attemptText(t, last) : t(`alerts.status.${delivery.status}`),
        }),
      );
    } catch (error) {
      notify("danger", t(errorTitleKey(error)));
    } finally {
      setTesting(false);
    }
  };
  const target = sub.target.type === "email" ? sub.target.email : sub.target.url;
  return (
    <tr data-testid="alert-row" data-subscription-id={sub.subscription_id}>
      <td data-label={t("alerts.col.name")}>
        <strong>{sub.name}</strong>
      </td>
      <td data-label={t("alerts.col.events")}>
        {sub.kinds.length ? sub.kinds.map((k) => t(`alerts.kind.${k}`)).join(", ") : t("alerts.all_kinds")}
        <div className="muted small">
          {sub.site_ids.length ? sub.site_ids.join(", ") : t("alerts.all_sites")}
        </div>
      </td>
      <td data-label={t("alerts.col.target")} className="mono small">
        {target}
      </td>
      <td data-label={t("alerts.col.digest")}>
        {sub.digest_minutes
          ? t("alerts.digest_every", { minutes: sub.digest_minutes })
          : t("alerts.no_digest")}
      </td>
      <td>
        <div className="alert-actions">
          <Button size="sm" busy={testing} onClick={() => void test()} data-testid="alert-test">
            {t("alerts.test")}
          </Button>
          <Button size="sm" onClick={onDeliveries} data-testid="alert-deliveries">
            {t("alerts.deliveries")}
          </Button>
          <Button size="sm" variant="danger" onClick={onDelete} data-testid="alert-delete">
            {t("alerts.remove")}
          </Button>
        </div>
      </td>
    </tr>
  );
}

function Deliveries({ sub, onClose }: { sub: AlertSubscription; onClose: () => void }) {
  const api = useApi();
  const { t, lang } = useI18n();
  const deliveries = useQuery({
    queryKey: ["alerts", sub.subscription_id, "deliveries"],
    queryFn: ({ signal }) => api.listAlertDeliveries(sub.subscription_id, signal),
    refetchInterval: 5_000,
  });
  const items = deliveries.data?.items ?? [];
  return (
    <Modal
      title={t("alerts.deliveries_title", { name: sub.name })}
      onClose={onClose}
      testId="alert-deliveries-modal"
    >
      {deliveries.isPending ? (
        <Loading />
      ) : deliveries.error && !deliveries.data ? (
        <ErrorState error={deliveries.error} compact />
      ) : items.length === 0 ? (
        <p className="muted">{t("alerts.deliveries_empty")}</p>
      ) : (
        <table className="data-table" data-testid="alert-deliveries-table">
          <thead>
            <tr>
              <th scope="col">{t("alerts.col.when")}</th>
              <th scope="col">{t("alerts.col.kind")}</th>
              <th scope="col">{t("alerts.col.status")}</th>
              <th scope="col">{t("alerts.col.attempts")}</th>
            </tr>
          </thead>
          <tbody>
            {items.map((d) => (
              <tr key={d.delivery_id} data-testid="alert-delivery" data-status={d.status}>
                <td>{formatDateTime(d.created_at, lang)}</td>
                <td>{t(`alerts.delivery.${d.kind}`)}</td>
                <td>
                  <Badge tone={STATUS_TONE[d.status]}>{t(`alerts.status.${d.status}`)}</Badge>
                </td>
                <td>
                  <ul className="small">
                    {d.attempts.map((a) => (
                      <li key={a.at} data-testid="alert-attempt">
                        {t("alerts.attempt", {
                          at: formatDateTime(a.at, lang),
                          result: attemptText(t, a),
                          duration: formatDuration(a.duration_ms, lang),
                        })}
                      </li>
                    ))}
                  </ul>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </Modal>
  );
}

/** The local outbox; absent in production (the API answers 404 there). */
function Outbox() {
  const api = useApi();
  const { t, lang } = useI18n();
  const outbox = useQuery({
    queryKey: ["alerts", "outbox"],
    queryFn: ({ signal }) => api.listOutbox(signal),
    refetchInterval: 5_000,
    retry: false,
  });
  if (outbox.error instanceof ApiError && outbox.error.status === 404) return null;
  const items = outbox.data?.items ?? [];
  return (
    <section className="section" aria-labelledby="alerts-outbox-title" data-testid="alerts-outbox">
      <h2 id="alerts-outbox-title">{t("alerts.outbox")}</h2>
      <p className="muted small">{t("alerts.outbox_hint")}</p>
      {items.length === 0 ? (
        <p className="muted">{t("alerts.outbox_empty")}</p>
      ) : (
        <div className="table-wrap card">
          <table className="data-table responsive-table">
            <thead>
              <tr>
                <th scope="col">{t("alerts.col.when")}</th>
                <th scope="col">{t("alerts.outbox.to")}</th>
                <th scope="col">{t("alerts.outbox.subject")}</th>
              </tr>
            </thead>
            <tbody>
              {items.map((m) => (
                <tr key={m.message_id} data-testid="outbox-message">
                  <td data-label={t("alerts.col.when")}>{formatDateTime(m.at, lang)}</td>
                  <td data-label={t("alerts.outbox.to")}>{m.to}</td>
                  <td data-label={t("alerts.outbox.subject")}>
                    <details>
                      <summary>{m.subject}</summary>
                      <pre className="mono small">{m.text}</pre>
                    </details>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
