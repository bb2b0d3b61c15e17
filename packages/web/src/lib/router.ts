/**
 * A small hash router: `#/paintings?site_id=a&status=vendu`, `#/runs/run_01H...`. Filters live in the
 * hash's query so a filtered view can be bookmarked, shared and reached with Back. Pure functions here;
 * the React side (app/router.tsx) listens to `hashchange`.
 */
export const ROUTES = {
  overview: "/",
  paintings: "/paintings",
  users: "/users",
  orders: "/orders",
  exhibitions: "/exhibitions",
  settings: "/settings",
  sites: "/sites",
  runs: "/runs",
  run: "/runs/:id",
  stats: "/stats",
  activity: "/activity",
  painting: "/paintings/:site/:id",
  user: "/users/:site/:id",
  order: "/orders/:site/:id",
  access: "/access",
  audit: "/audit",
  alerts: "/alerts",
} as const;

export type RouteName = keyof typeof ROUTES;

export interface Route {
  name: RouteName | "not_found";
  params: Record<string, string>;
  query: Record<string, string>;
  /** The path as read, for the "not found" screen. */
  path: string;
}

/** Other spellings that land on a screen. */
const ALIASES: Record<string, RouteName> = { "/overview": "overview", "/sync": "runs" };

const splitPath = (path: string): string[] => path.split("/").filter((part) => part !== "");

function safeDecode(part: string): string | null {
  try {
    return decodeURIComponent(part);
  } catch {
    return null;
  }
}

export function parseHash(hash: string): Route {
  const raw = hash.replace(/^#/, "");
  const queryAt = raw.indexOf("?");
  const pathPart = queryAt === -1 ? raw : raw.slice(0, queryAt);
  const path = `/${splitPath(pathPart).join("/")}`;
  // fromEntries defines own properties, so a key such as "__proto__" stays a plain key.
  const query: Record<string, string> =
    queryAt === -1
      ? {}
      : Object.fromEntries(
          [...new URLSearchParams(raw.slice(queryAt + 1))].filter(([, value]) => value !== ""),
        );

  const alias = ALIASES[path];
  if (alias) return { name: alias, params: {}, query, path };

  const parts = splitPath(pathPart);
  for (const [name, pattern] of Object.entries(ROUTES) as [RouteName, string][]) {
    const patternParts = splitPath(pattern);
    if (patternParts.length !== parts.length) continue;
    const params: Record<string, string> = {};
    let matched = true;
    for (let i = 0; i < patternParts.length; i++) {
      const expected = patternParts[i] as string;
      const actual = parts[i] as string;
      if (expected.startsWith(":")) {
        const decoded = safeDecode(actual);
        if (decoded === null || decoded === "") {
          matched = false;
          break;
        }
        params[expected.slice(1)] = decoded;
      } else if (expected !== actual) {
        matched = false;
        break;
      }
    }
    if (matched) return { name, params, query, path };
  }
  return { name: "not_found", params: {}, query, path };
}

/** Builds `#/runs/<id>?a=b`; empty and undefined query values are left out. */
export function href(
  name: RouteName,
  params: Record<string, string> = {},
  query: Record<string, string | undefined | null> = {},
): string {
  const path = ROUTES[name].replace(/:([a-z_]+)/g, (_, key: string) => {
    const value = params[key];
    if (value === undefined || value === "") throw new Error(`Missing route parameter "${key}" for ${name}`);
    return encodeURIComponent(value);
  });
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value !== undefined && value !== null && value !== "") search.append(key, value);
  }
  const qs = search.toString();
  return `#${path}${qs ? `?${qs}` : ""}`;
}
