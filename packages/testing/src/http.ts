/**
 * One way to send a test's HTTP request and read the answer, whatever carries it: Hono's in-process
 * `app.request` (functions tests) or `fetch` to a real port (the local runtime's end-to-end tests).
 */

/** Anything that answers a request for a path: a Hono app, or `fetch` bound to a base URL. */
export interface Requester {
  request: (path: string, init?: RequestInit) => Response | Promise<Response>;
}

export interface HttpResult<T = unknown> {
  status: number;
  headers: Headers;
  text: string;
  /** The body parsed as JSON; undefined when empty or not JSON. */
  json: T;
}

export interface RequestOptions {
  /** The bearer token; the requester's default token when absent, `null` for none. */
  token?: string | null;
  /** A JSON body (sent with `Content-Type: application/json` unless the headers say otherwise). */
  json?: unknown;
  /** A raw body. */
  body?: string;
  headers?: Record<string, string>;
}

export async function send<T = unknown>(
  to: Requester,
  method: string,
  path: string,
  opts: RequestOptions,
  defaultToken: string,
): Promise<HttpResult<T>> {
  const headers = new Headers(opts.headers);
  const token = opts.token === undefined ? defaultToken : opts.token;
  if (token !== null) headers.set("authorization", `Bearer ${token}`);
  let body = opts.body;
  if (opts.json !== undefined) {
    body = JSON.stringify(opts.json);
    if (!headers.has("content-type")) headers.set("content-type", "application/json");
  }
  const res = await to.request(path, { method, headers, body });
  const text = await res.text();
  let json: unknown;
  try {
    json = text === "" ? undefined : JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, headers: res.headers, text, json: json as T };
}

/** `fetch` to `base`, as a requester (each request bounded, so a hung server fails the test, not the run). */
export const fetchFrom = (base: string, timeoutMs = 60_000): Requester => ({
  request: (path, init) => fetch(`${base}${path}`, { ...init, signal: AbortSignal.timeout(timeoutMs) }),
});
