/**
 * The application: the sign-in gate, then the shell (navigation, language, who is signed in, sign-out)
 * around the screen the hash names. The session starts by asking the API who the token is (`/api/me`): its
 * role decides which screens and actions are offered. A 401 from any request (a revoked or expired token
 * included) ends the session and comes back here with a message.
 */
import { QueryClientProvider, useQuery } from "@tanstack/react-query";
import { type FormEvent, useCallback, useEffect, useId, useMemo, useRef, useState } from "react";
import { type Api, ApiError, configuredBaseUrl, createApi } from "../api/client";
import { LANGS, type Lang, type MessageKey } from "../lib/i18n";
import type { Action } from "../lib/roles";
import { href, type Route, type RouteName } from "../lib/router";
import { AccessScreen } from "../screens/Access";
import { AuditScreen } from "../screens/Audit";
import { ExhibitionsScreen } from "../screens/Exhibitions";
import { NotFoundScreen } from "../screens/NotFound";
import { OrdersScreen } from "../screens/Orders";
import { OverviewScreen } from "../screens/Overview";
import { PaintingsScreen } from "../screens/Paintings";
import { RecordDetailScreen } from "../screens/RecordDetail";
import { RunDetailScreen } from "../screens/RunDetail";
import { RunsScreen } from "../screens/Runs";
import { SettingsScreen } from "../screens/Settings";
import { SitesScreen } from "../screens/Sites";
import { StatsScreen } from "../screens/Stats";
import { UsersScreen } from "../screens/Users";
import { Button, ErrorState, Loading, Toasts } from "../ui/components";
import { Icon, type IconName } from "../ui/icons";
import { I18nProvider, SessionProvider, useCan, useI18n, useSession } from "./context";
import { createQueryClient } from "./queries";
import { useRoute } from "./router";
import { clearToken, readLang, readToken, saveLang, saveToken } from "./session";

const baseUrl = configuredBaseUrl(import.meta.env);

type EndReason = "expired" | "revoked" | "token_expired" | "signed_out";

/** Why a 401 ended the session, from the API's reason. */
const endReasonOf = (error: ApiError): EndReason =>
  error.reason === "token_revoked"
    ? "revoked"
    : error.reason === "token_expired"
      ? "token_expired"
      : "expired";

export function App() {
  const [lang, setLangState] = useState<Lang>(readLang);
  const [token, setToken] = useState<string | null>(readToken);
  const [ended, setEnded] = useState<EndReason | null>(null);

  const setLang = useCallback((next: Lang) => {
    saveLang(next);
    setLangState(next);
  }, []);
  useEffect(() => {
    document.documentElement.lang = lang;
  }, [lang]);

  const endSession = useCallback((reason: EndReason) => {
    clearToken();
    setToken(null);
    setEnded(reason);
  }, []);
  const signOut = useCallback(() => endSession("signed_out"), [endSession]);

  const api = useMemo(
    () =>
      token
        ? createApi({
            baseUrl,
            getToken: () => token,
            onUnauthorized: (error) => endSession(endReasonOf(error)),
          })
        : null,
    [token, endSession],
  );
  // One cache per session: what a token was shown leaves with it.
  const queryClient = useMemo(() => (api ? createQueryClient() : null), [api]);

  return (
    <I18nProvider lang={lang} setLang={setLang}>
      {api && queryClient ? (
        <QueryClientProvider client={queryClient}>
          <SessionGate api={api} signOut={signOut} />
        </QueryClientProvider>
      ) : (
        <SignIn
          ended={ended}
          onSignedIn={(accepted) => {
            saveToken(accepted);
            setEnded(null);
            setToken(accepted);
          }}
        />
      )}
    </I18nProvider>
  );
}

/** Asks the API who the token is, then opens the session with that identity and role. */
function SessionGate({ api, signOut }: { api: Api; signOut: () => void }) {
  const { t } = useI18n();
  const me = useQuery({ queryKey: ["me"], queryFn: ({ signal }) => api.me(signal) });
  if (me.data) {
    return (
      <SessionProvider api={api} me={me.data} signOut={signOut}>
        <Shell />
      </SessionProvider>
    );
  }
  return (
    <div className="signin">
      <div className="signin-card card" data-testid="session-loading">
        {me.error ? (
          <ErrorState error={me.error} onRetry={() => void me.refetch()} />
        ) : (
          <Loading label={t("session.loading")} />
        )}
      </div>
    </div>
  );
}

function LangSwitch() {
  const { lang, setLang, t } = useI18n();
  return (
    <fieldset className="lang-switch">
      <legend className="visually-hidden">{t("shell.language")}</legend>
      {LANGS.map((code) => (
        <button
          key={code}
          type="button"
          aria-pressed={lang === code}
          onClick={() => setLang(code)}
          data-testid={`lang-${code}`}
          lang={code}
          title={code === "fr" ? "Français" : "English"}
        >
          {code.toUpperCase()}
        </button>
      ))}
    </fieldset>
  );
}

function SignIn({ ended, onSignedIn }: { ended: EndReason | null; onSignedIn: (token: string) => void }) {
  const { t } = useI18n();
  const [value, setValue] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [refused, setRefused] = useState(false);
  const [refusedReason, setRefusedReason] = useState<string | undefined>(undefined);
  const inputId = useId();
  const inputRef = useRef<HTMLInputElement>(null);

  useEffect(() => {
    inputRef.current?.focus();
  }, []);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const candidate = value.trim();
    if (!candidate) {
      setRefused(false);
      setError(new ApiError(0, "missing_token", t("signin.missing")));
      return;
    }
    setBusy(true);
    setError(null);
    setRefused(false);
    try {
      // A token is accepted when the API says who it is; it is stored only then.
      await createApi({ baseUrl, getToken: () => candidate }).me();
      onSignedIn(candidate);
    } catch (err) {
      if (err instanceof ApiError && (err.status === 401 || err.status === 403)) {
        setRefused(true);
        setRefusedReason(err.reason);
      } else setError(err);
      setBusy(false);
    }
  };

  return (
    <div className="signin">
      <div className="signin-card card">
        <div className="signin-top">
          <Brand />
          <LangSwitch />
        </div>
        <h1>{t("signin.title")}</h1>
        <p className="muted">{t("signin.intro")}</p>
        {ended && ended !== "signed_out" && !refused ? (
          <p className="notice notice-warning" role="alert" data-testid="signin-expired" data-reason={ended}>
            {t(
              ended === "revoked"
                ? "signin.revoked"
                : ended === "token_expired"
                  ? "signin.token_expired"
                  : "signin.expired",
            )}
          </p>
        ) : null}
        {ended === "signed_out" && !refused && !error ? (
          <p className="notice notice-info" role="status" data-testid="signin-signed-out">
            {t("signin.signed_out")}
          </p>
        ) : null}
        <form onSubmit={submit} data-testid="signin-form" noValidate>
          <div className={`field${refused ? " field-invalid" : ""}`}>
            <label htmlFor={inputId}>{t("signin.token")}</label>
            <input
              id={inputId}
              ref={inputRef}
              type="password"
              autoComplete="current-password"
              spellCheck={false}
              value={value}
              onChange={(e) => setValue(e.target.value)}
              aria-invalid={refused || undefined}
              aria-describedby={refused ? `${inputId}-error` : undefined}
              data-testid="signin-token"
            />
            {refused ? (
              <p className="field-error" id={`${inputId}-error`} role="alert" data-testid="signin-error">
                {t(
                  refusedReason === "token_revoked"
                    ? "signin.revoked"
                    : refusedReason === "token_expired"
                      ? "signin.token_expired"
                      : "signin.refused",
                )}
              </p>
            ) : null}
          </div>
          {error ? (
            <div data-testid="signin-error">
              <ErrorState error={error} compact />
            </div>
          ) : null}
          <Button
            type="submit"
            variant="primary"
            busy={busy}
            data-testid="signin-submit"
            className="btn-block"
          >
            {t("signin.submit")}
          </Button>
        </form>
        <p className="muted small">{t("signin.storage_note")}</p>
      </div>
    </div>
  );
}

function Brand() {
  return (
    <div className="brand">
      <span className="brand-mark" aria-hidden="true">
        a
      </span>
      <span className="brand-text">
        <strong>artworksdigital</strong>
        <span>Dashboard</span>
      </span>
    </div>
  );
}

interface NavItem {
  route: RouteName;
  label: MessageKey;
  icon: IconName;
  /** Shown only to roles that may do this. */
  needs?: Action;
}

const NAV: ReadonlyArray<{ group: MessageKey; items: NavItem[] }> = [
  {
    group: "nav.group.monitoring",
    items: [
      { route: "overview", label: "nav.overview", icon: "overview" },
      { route: "runs", label: "nav.runs", icon: "runs" },
      { route: "stats", label: "nav.stats", icon: "stats" },
    ],
  },
  {
    group: "nav.group.data",
    items: [
      { route: "paintings", label: "nav.paintings", icon: "paintings" },
      { route: "users", label: "nav.users", icon: "users" },
      { route: "orders", label: "nav.orders", icon: "orders" },
      { route: "exhibitions", label: "nav.exhibitions", icon: "exhibitions" },
      { route: "settings", label: "nav.settings", icon: "settings" },
    ],
  },
  {
    group: "nav.group.admin",
    items: [
      { route: "sites", label: "nav.sites", icon: "sites" },
      { route: "access", label: "nav.access", icon: "lock", needs: "tokens.manage" },
      { route: "audit", label: "nav.audit", icon: "audit", needs: "audit.read" },
    ],
  },
];

/** Detail screens light up their list's entry in the navigation. */
const PARENT = { run: "runs", painting: "paintings", user: "users", order: "orders" } as const;

const navOf = (route: Route): RouteName | null => {
  if (route.name === "not_found") return null;
  return route.name in PARENT ? PARENT[route.name as keyof typeof PARENT] : (route.name as RouteName);
};

function Shell() {
  const { t } = useI18n();
  const can = useCan();
  const route = useRoute();
  const [menuOpen, setMenuOpen] = useState(false);
  const active = navOf(route);
  const mainRef = useRef<HTMLElement>(null);
  const screenKey =
    route.name in PARENT ? `${route.name}:${Object.values(route.params).join("/")}` : route.name;
  const firstRender = useRef(true);

  // A new screen: close the phone menu, scroll up and move focus to its title (filters do not count).
  // biome-ignore lint/correctness/useExhaustiveDependencies: runs on screen changes only.
  useEffect(() => {
    setMenuOpen(false);
    if (firstRender.current) {
      firstRender.current = false;
      return;
    }
    window.scrollTo(0, 0);
    requestAnimationFrame(() => mainRef.current?.querySelector<HTMLElement>("[data-page-title]")?.focus());
  }, [screenKey]);

  // The phone menu: focus goes into it when it opens, Escape closes it and focus returns to its button.
  const menuButtonRef = useRef<HTMLButtonElement>(null);
  const sidebarRef = useRef<HTMLElement>(null);
  useEffect(() => {
    if (!menuOpen) return;
    sidebarRef.current?.querySelector<HTMLElement>("[aria-current='page'], .nav-link")?.focus();
    const onKey = (event: KeyboardEvent) => {
      if (event.key !== "Escape") return;
      setMenuOpen(false);
      menuButtonRef.current?.focus();
    };
    document.addEventListener("keydown", onKey);
    return () => document.removeEventListener("keydown", onKey);
  }, [menuOpen]);

  useEffect(() => {
    const label = active ? t(`nav.${active}` as MessageKey) : t("notfound.title");
    document.title = `${label} · artworksdigital Dashboard`;
  }, [active, t]);

  return (
    <div className={`shell${menuOpen ? " menu-open" : ""}`}>
      <button type="button" className="skip-link" onClick={() => mainRef.current?.focus()}>
        {t("shell.skip")}
      </button>
      <aside className="sidebar" id="sidebar" aria-label={t("shell.navigation")} ref={sidebarRef}>
        <div className="sidebar-head">
          <Brand />
          <button
            type="button"
            className="icon-btn menu-close"
            onClick={() => setMenuOpen(false)}
            aria-label={t("shell.close_menu")}
          >
            <Icon name="close" />
          </button>
        </div>
        <nav>
          {NAV.map((section) => (
            <div key={section.group} className="nav-group">
              <p className="nav-group-title">{t(section.group)}</p>
              <ul>
                {section.items
                  .filter((item) => !item.needs || can(item.needs))
                  .map((item) => (
                    <li key={item.route}>
                      <a
                        href={href(item.route)}
                        className="nav-link"
                        aria-current={active === item.route ? "page" : undefined}
                        data-testid={`nav-${item.route}`}
                        onClick={() => setMenuOpen(false)}
                      >
                        <Icon name={item.icon} />
                        <span>{t(item.label)}</span>
                      </a>
                    </li>
                  ))}
              </ul>
            </div>
          ))}
        </nav>
      </aside>
      <button
        type="button"
        className="scrim"
        tabIndex={-1}
        aria-hidden="true"
        onClick={() => setMenuOpen(false)}
      />
      <div className="main-col">
        <header className="topbar">
          <button
            type="button"
            ref={menuButtonRef}
            className="icon-btn menu-btn"
            onClick={() => setMenuOpen(true)}
            aria-label={t("shell.open_menu")}
            aria-expanded={menuOpen}
            aria-controls="sidebar"
            data-testid="menu-toggle"
          >
            <Icon name="menu" />
          </button>
          <div className="topbar-brand">
            <Brand />
          </div>
          <div className="topbar-actions">
            <Identity />
            <LangSwitch />
            <SignOutButton />
          </div>
        </header>
        <main id="main" ref={mainRef} tabIndex={-1}>
          <Screen route={route} />
        </main>
      </div>
      <Toasts />
    </div>
  );
}

function Identity() {
  const { t } = useI18n();
  const { me } = useSession();
  return (
    <span className="muted small hide-sm" data-testid="signed-in-as" data-role={me.role}>
      {t("session.signed_in_as", { name: me.name, role: t(`role.${me.role}`) })}
    </span>
  );
}

function SignOutButton() {
  const { t } = useI18n();
  const { signOut } = useSession();
  return (
    // The label is hidden on phones, so the button names itself.
    <Button
      variant="ghost"
      size="sm"
      icon="logout"
      onClick={signOut}
      data-testid="signout"
      aria-label={t("shell.signout")}
    >
      <span className="hide-sm">{t("shell.signout")}</span>
    </Button>
  );
}

function Screen({ route }: { route: Route }) {
  switch (route.name) {
    case "overview":
      return <OverviewScreen />;
    case "paintings":
      return <PaintingsScreen route={route} />;
    case "users":
      return <UsersScreen route={route} />;
    case "orders":
      return <OrdersScreen route={route} />;
    case "exhibitions":
      return <ExhibitionsScreen route={route} />;
    case "settings":
      return <SettingsScreen route={route} />;
    case "sites":
      return <SitesScreen />;
    case "runs":
      return <RunsScreen route={route} />;
    case "run":
      return <RunDetailScreen key={route.params.id} runId={route.params.id ?? ""} route={route} />;
    case "stats":
      return <StatsScreen route={route} />;
    case "painting":
    case "user":
    case "order":
      return (
        <RecordDetailScreen
          key={`${route.name}:${route.params.site}:${route.params.id}`}
          kind={route.name}
          siteId={route.params.site ?? ""}
          recordId={route.params.id ?? ""}
        />
      );
    case "access":
      return <AccessScreen />;
    case "audit":
      return <AuditScreen route={route} />;
    default:
      return <NotFoundScreen path={route.path} />;
  }
}
