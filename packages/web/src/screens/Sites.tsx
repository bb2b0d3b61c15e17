/**
 * Sites administration: add (the webhook secret is shown once, copyable), edit, enable / disable, delete
 * (confirmed), rotate the webhook secret, and "Synchroniser maintenant", whose run is then followed live
 * right under the site.
 */
import { useQueryClient } from "@tanstack/react-query";
import { useMemo, useState } from "react";
import type { Site } from "../api/types";

type SiteList = { items: Site[] };

import { useApi, useCan, useI18n, useSession, useSites } from "../app/context";
import {
  Button,
  EmptyState,
  ErrorState,
  errorDetail,
  errorTitleKey,
  Loading,
  PageHeader,
} from "../ui/components";
import { ConfirmDialog } from "../ui/dialogs";
import { Freshness } from "../ui/Freshness";
import { type Editing, type Secret, SecretModal, SiteFormModal } from "./sites/SiteForm";
import { SiteRow } from "./sites/SiteRow";

type Confirm = { kind: "delete" | "rotate"; site: Site };

export function SitesScreen() {
  const api = useApi();
  const { t } = useI18n();
  const can = useCan();
  const { notify } = useSession();
  const { sites, state } = useSites();
  const client = useQueryClient();
  // The sites' answers change the cached list at once (the next refresh confirms them).
  const setSites = (update: (data: SiteList | undefined) => SiteList | undefined) =>
    client.setQueryData<SiteList>(["sites"], update);
  const [editing, setEditing] = useState<Editing | null>(null);
  const [confirm, setConfirm] = useState<Confirm | null>(null);
  const [confirmBusy, setConfirmBusy] = useState(false);
  const [confirmError, setConfirmError] = useState<unknown>(null);
  const [secret, setSecret] = useState<Secret | null>(null);
  const [busy, setBusy] = useState<Record<string, "sync" | "toggle" | undefined>>({});
  // The runs started here, by site: each is followed live under its site.
  const [watched, setWatched] = useState<Record<string, string>>({});

  const sorted = useMemo(() => [...sites].sort((a, b) => a.name.localeCompare(b.name)), [sites]);
  const setSiteBusy = (id: string, value: "sync" | "toggle" | undefined) =>
    setBusy((b) => ({ ...b, [id]: value }));

  const syncNow = async (site: Site) => {
    setSiteBusy(site.id, "sync");
    try {
      const started = await api.syncSite(site.id);
      setWatched((all) => ({ ...all, [site.id]: started.run_id }));
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
      setSites((data) => data && { ...data, items: data.items.map((s) => (s.id === site.id ? updated : s)) });
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
        setSites((data) => data && { ...data, items: data.items.filter((s) => s.id !== site.id) });
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
          <>
            <Freshness />
            {can("site.create") ? (
              <Button
                variant="primary"
                icon="plus"
                onClick={() => setEditing({ mode: "create" })}
                data-testid="site-add"
              >
                {t("sites.add")}
              </Button>
            ) : null}
          </>
        }
      />

      {state.isPending ? (
        <Loading />
      ) : state.error && !state.data ? (
        <ErrorState error={state.error} onRetry={() => void state.refetch()} />
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
                watchedRunId={watched[site.id]}
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
            setSites((data) => {
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
