import { useCallback, useEffect, useState } from "react";
import { href, parseHash, type Route, type RouteName } from "../lib/router";

function currentRoute(): Route {
  return parseHash(window.location.hash);
}

export function useRoute(): Route {
  const [route, setRoute] = useState<Route>(currentRoute);
  useEffect(() => {
    const onChange = () => setRoute(currentRoute());
    window.addEventListener("hashchange", onChange);
    return () => window.removeEventListener("hashchange", onChange);
  }, []);
  return route;
}

/** Goes to a hash; `replace` keeps history clean while typing in a filter. */
export function navigate(hash: string, options: { replace?: boolean } = {}): void {
  if (hash === window.location.hash) return;
  if (options.replace) {
    const url = `${window.location.pathname}${window.location.search}${hash}`;
    window.history.replaceState(window.history.state, "", url);
    window.dispatchEvent(new HashChangeEvent("hashchange"));
  } else {
    window.location.hash = hash;
  }
}

/**
 * A screen's filters, kept in the hash query: `[filters, setFilter]`. Setting a filter replaces the history
 * entry, so Back leaves the screen instead of undoing keystrokes.
 */
export function useQueryFilters(
  route: Route,
): [Record<string, string>, (key: string, value: string | undefined) => void] {
  const { name, params, query } = route;
  const set = useCallback(
    (key: string, value: string | undefined) => {
      if (name === "not_found") return;
      const next: Record<string, string | undefined> = { ...query, [key]: value };
      navigate(href(name as RouteName, params, next), { replace: true });
    },
    [name, params, query],
  );
  return [query, set];
}
