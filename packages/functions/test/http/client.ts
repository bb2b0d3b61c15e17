/**
 * Requests through the HTTP apps in-process (Hono's `app.request`), and a logger that keeps its lines so
 * tests can assert nothing secret is ever logged.
 */
import type { HttpLogger } from "@dashboard/functions/http/logging";
import { z } from "zod";

export const ADMIN_TOKEN = "adm_test_4f1d2c9b7a6e5d4c3b2a";

export interface LogLine {
  level: "info" | "warn" | "error";
  message: string;
  extra: unknown[];
}

/** A logger that keeps every line, serialised as it would be written. */
export function collectingLogger(lines: LogLine[]): HttpLogger {
  const at =
    (level: LogLine["level"]) =>
    (message: unknown, ...extra: unknown[]) => {
      lines.push({ level, message: String(message), extra });
    };
  return { info: at("info"), warn: at("warn"), error: at("error") };
}

export const logText = (lines: LogLine[]): string => lines.map((l) => JSON.stringify(l)).join("\n");

export interface HttpResult {
  status: number;
  headers: Headers;
  text: string;
  /** The body parsed as JSON; undefined when empty or not JSON. */
  json: unknown;
}

export interface RequestOptions {
  /** The bearer token; the admin token by default, `null` for none. */
  token?: string | null;
  /** A JSON body (sent with `Content-Type: application/json`). */
  json?: unknown;
  /** A raw body. */
  body?: string;
  headers?: Record<string, string>;
}

/** Sends a request through the app in-process and collects the answer (and every body, for leak checks). */
export async function call(
  app: { request: (path: string, init?: RequestInit) => Response | Promise<Response> },
  method: string,
  path: string,
  opts: RequestOptions = {},
  seen?: string[],
): Promise<HttpResult> {
  const headers = new Headers(opts.headers);
  const token = opts.token === undefined ? ADMIN_TOKEN : opts.token;
  if (token !== null) headers.set("authorization", `Bearer ${token}`);
  let body = opts.body;
  if (opts.json !== undefined) {
    body = JSON.stringify(opts.json);
    if (!headers.has("content-type")) headers.set("content-type", "application/json");
  }
  const res = await app.request(path, { method, headers, body });
  const text = await res.text();
  let json: unknown;
  try {
    json = text === "" ? undefined : JSON.parse(text);
  } catch {
    json = undefined;
  }
  seen?.push(text);
  return { status: res.status, headers: res.headers, text, json };
}

/** The body, checked against the schema the OpenAPI document declares for it. */
export const parse = <S extends z.ZodType>(schema: S, res: HttpResult): z.output<S> => schema.parse(res.json);

/** The error body's fields, for assertions. */
export const errorOf = (
  res: HttpResult,
): { code?: string; reason?: string; message?: string; details?: unknown } =>
  (res.json as { error?: { code?: string; reason?: string; message?: string; details?: unknown } })?.error ??
  {};

/**
 * Every item of a list, following `next_cursor` to the end. Checks each page against `page(item)` and that
 * the last page has no cursor.
 */
export async function walk<S extends z.ZodType>(
  app: Parameters<typeof call>[0],
  path: string,
  item: S,
  seen?: string[],
): Promise<{ items: z.output<S>[]; pages: number }> {
  const Page = z.object({ items: z.array(item), next_cursor: z.string().optional() });
  const items: z.output<S>[] = [];
  let cursor: string | undefined;
  let pages = 0;
  do {
    const sep = path.includes("?") ? "&" : "?";
    const res = await call(
      app,
      "GET",
      cursor ? `${path}${sep}cursor=${encodeURIComponent(cursor)}` : path,
      {},
      seen,
    );
    if (res.status !== 200) throw new Error(`GET ${path} answered ${res.status}: ${res.text}`);
    const body = Page.parse(res.json);
    items.push(...body.items);
    cursor = body.next_cursor;
    pages++;
    if (pages > 1_000) throw new Error("the list does not end");
  } while (cursor);
  return { items, pages };
}
