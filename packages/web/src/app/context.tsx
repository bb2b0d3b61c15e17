/**
 * What every screen needs: the API client, the language and its translators, the session, the list of sites
 * (for filters and names) and toasts. One provider, read through small hooks.
 */
import { type UseQueryResult, useQuery, useQueryClient } from "@tanstack/react-query";
import { createContext, type ReactNode, useCallback, useContext, useEffect, useMemo, useState } from "react";
import type { Api } from "../api/client";
import type { Me, Site } from "../api/types";
import {
  type Lang,
  type MessageKey,
  type PluralKey,
  translate,
  translatePlural,
  type Vars,
} from "../lib/i18n";
import { type Action, can } from "../lib/roles";
import { PULSE_INTERVAL_MS, RUN_NOUNS } from "./queries";

export interface I18n {
  lang: Lang;
  setLang: (lang: Lang) => void;
  t: (key: MessageKey, vars?: Vars) => string;
  tn: (key: PluralKey, count: number, vars?: Vars) => string;
}

const I18nContext = createContext<I18n | null>(null);

export function I18nProvider({
  lang,
  setLang,
  children,
}: {
  lang: Lang;
  setLang: (lang: Lang) => void;
  children: ReactNode;
}) {
  const value = useMemo<I18n>(
    () => ({
      lang,
      setLang,
      t: (key, vars) => translate(lang, key, vars),
      tn: (key, count, vars) => translatePlural(lang, key, count, vars),
    }),
    [lang, setLang],
  );
  return <I18nContext.Provider value={value}>{children}</I18nContext.Provider>;
}

export function useI18n(): I18n {
  const value = useContext(I18nContext);
  if (!value) throw new Error("useI18n outside I18nProvider");
  return value;
}

export interface Toast {
  id: number;
  tone: "success" | "danger" | "info";
  message: string;
}

/**
 * The live refresh of every screen: `refreshedAt` is the last probe answered, `paused` is true while the tab
 * is hidden (nothing is asked then).
 */
export interface Changes {
  refreshedAt: Date | null;
  paused: boolean;
}

export type SitesQuery = UseQueryResult<{ items: Site[] }>;

interface Session {
  api: Api;
  changes: Changes;
  /** Who is signed in, with which role (`GET /api/me`, read when the session starts). */
  me: Me;
  signOut: () => void;
  sites: SitesQuery;
  toasts: Toast[];
  notify: (tone: Toast["tone"], message: string) => void;
  dismissToast: (id: number) => void;
}

const SessionContext = createContext<Session | null>(null);

let toastIds = 0;

export function SessionProvider({
  api,
  me,
  signOut,
  children,
}: {
  api: Api;
  me: Me;
  signOut: () => void;
  children: ReactNode;
}) {
  const client = useQueryClient();
  const sites = useQuery({ queryKey: ["sites"], queryFn: ({ signal }) => api.listSites(signal) });
  // The live probe: the newest runs, asked conditionally every few seconds while the tab is visible. When they
  // changed (a run started, progressed or ended anywhere: schedule, webhook, another admin), every query of
  // sites and runs is refreshed; while nothing did, the probe costs one 304.
  const pulse = useQuery({
    queryKey: ["pulse"],
    queryFn: async ({ signal }) => {
      const { notModified } = await api.pulse(signal);
      if (!notModified)
        await Promise.all(RUN_NOUNS.map((noun) => client.invalidateQueries({ queryKey: [noun] })));
      return notModified;
    },
    refetchInterval: PULSE_INTERVAL_MS,
    refetchOnWindowFocus: true,
  });
  const [paused, setPaused] = useState(false);
  useEffect(() => {
    const onVisibility = () => setPaused(document.visibilityState === "hidden");
    document.addEventListener("visibilitychange", onVisibility);
    return () => document.removeEventListener("visibilitychange", onVisibility);
  }, []);
  const changes = useMemo<Changes>(
    () => ({ refreshedAt: pulse.dataUpdatedAt ? new Date(pulse.dataUpdatedAt) : null, paused }),
    [pulse.dataUpdatedAt, paused],
  );
  const [toasts, setToasts] = useState<Toast[]>([]);
  const dismissToast = useCallback(
    (id: number) => setToasts((all) => all.filter((toast) => toast.id !== id)),
    [],
  );
  const notify = useCallback(
    (tone: Toast["tone"], message: string) => {
      const id = ++toastIds;
      setToasts((all) => [...all.slice(-3), { id, tone, message }]);
      setTimeout(() => dismissToast(id), tone === "danger" ? 8000 : 4000);
    },
    [dismissToast],
  );
  const value = useMemo<Session>(
    () => ({ api, changes, me, signOut, sites, toasts, notify, dismissToast }),
    [api, changes, me, signOut, sites, toasts, notify, dismissToast],
  );
  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}

export function useSession(): Session {
  const value = useContext(SessionContext);
  if (!value) throw new Error("useSession outside SessionProvider");
  return value;
}

export const useApi = (): Api => useSession().api;

/** Whether the signed-in token's role may do `action`: the UI hides what it may not. */
export function useCan(): (action: Action) => boolean {
  const { role } = useSession().me;
  return useCallback((action: Action) => can(role, action), [role]);
}

/** The sites known to the Dashboard, and a lookup of their names by id. */
export function useSites(): { sites: Site[]; byId: Map<string, Site>; state: SitesQuery } {
  const { sites } = useSession();
  const list = sites.data?.items;
  const byId = useMemo(() => new Map((list ?? []).map((site) => [site.id, site])), [list]);
  return { sites: list ?? [], byId, state: sites };
}

export const useChanges = (): Changes => useSession().changes;
