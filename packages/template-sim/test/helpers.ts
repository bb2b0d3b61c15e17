import type { Sim } from "../src/index";

export const KEY = "site-key-for-tests";
export const MASTER = "master-key-for-tests";

export interface Got {
  status: number;
  headers: Headers;
  text: string;
  /** Parsed body; throws if the body is not JSON. */
  json<T = unknown>(): T;
}

/** GET (or another method) against a sim, with the site's key unless `key: null`. */
export async function call(
  sim: Sim,
  path: string,
  init: {
    key?: string | null;
    method?: string;
    body?: unknown;
    headers?: Record<string, string>;
    signal?: AbortSignal;
  } = {},
): Promise<Got> {
  const headers: Record<string, string> = { ...init.headers };
  const key = init.key === undefined ? KEY : init.key;
  if (key !== null) headers["X-API-Key"] = key;
  if (init.body !== undefined) headers["Content-Type"] = "application/json";
  const res = await fetch(sim.url + path, {
    method: init.method ?? "GET",
    headers,
    ...(init.body !== undefined
      ? { body: typeof init.body === "string" ? init.body : JSON.stringify(init.body) }
      : {}),
    ...(init.signal ? { signal: init.signal } : {}),
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, text, json: <T>() => JSON.parse(text) as T };
}

/** Pages through a paged endpoint the way a careful client does: until a short or empty page. */
export async function scan<T extends { id: number }>(
  sim: Sim,
  entity: "paintings" | "users" | "orders",
  limit: number,
): Promise<{ rows: T[]; pages: number }> {
  const rows: T[] = [];
  let pages = 0;
  for (let offset = 0; ; offset += limit) {
    const got = await call(sim, `/api/export/${entity}?limit=${limit}&offset=${offset}`);
    if (got.status !== 200) throw new Error(`page at ${offset}: ${got.status} ${got.text}`);
    const body = got.json<Record<string, unknown>>();
    const page = body[entity] as T[];
    pages++;
    rows.push(...page);
    if (page.length < limit) return { rows, pages };
  }
}
