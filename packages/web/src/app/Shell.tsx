/** The signed-in shell: navigation by role, language, who is signed in, sign-out, and the screen the hash names. */
import { lazy, Suspense, useEffect, useRef, useState } from "react";
import type { MessageKey } from "../lib/i18n";
import type { Action } from "../lib/roles";
import { href, type Route, type RouteName } from "../lib/router";
import { ActivityScreen } from "../screens/Activity";
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
import { UsersScreen } from "../screens/Users";
import { Button, Loading, Toasts } from "../ui/components";
import { Icon, type IconName } from "../ui/icons";
import { useCan, useI18n, useSession } from "./context";
import { useRoute } from "./router";
import { Brand, LangSwitch } from "./SignIn";

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
      { route: "activity", label: "nav.activity", icon: "activity" },
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
      { route: "alerts", label: "nav.alerts", icon: "bell", needs: "alerts.manage" },
    ],
  },
];

/** Detail screens light up their list's entry in the navigation. */
const PARENT = { run: "runs", painting: "paintings", user: "users", order: "orders" } as const;

const navOf = (route: Route): RouteName | null => {
  if (route.name === "not_found") return null;
  return route.name in PARENT ? PARENT[route.name as keyof typeof PARENT] : (route.name as RouteName);
};

export function Shell() {
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

/**
 * Screens most sessions never open load when first shown, each in a chunk of its own: the first screen's
 * bundle stays within its budget (docs/performance.md, "The web UI").
 */
const AccessScreen = lazy(() => import("../screens/Access").then((m) => ({ default: m.AccessScreen })));
const AlertsScreen = lazy(() => import("../screens/Alerts").then((m) => ({ default: m.AlertsScreen })));
const AuditScreen = lazy(() => import("../screens/Audit").then((m) => ({ default: m.AuditScreen })));
const StatsScreen = lazy(() => import("../screens/Stats").then((m) => ({ default: m.StatsScreen })));

function Screen({ route }: { route: Route }) {
  return (
    <Suspense fallback={<Loading />}>
      <RouteScreen route={route} />
    </Suspense>
  );
}

function RouteScreen({ route }: { route: Route }) {
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
    case "activity":
      return <ActivityScreen route={route} />;
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
    case "alerts":
      return <AlertsScreen />;
    default:
      return <NotFoundScreen path={route.path} />;
  }
}
