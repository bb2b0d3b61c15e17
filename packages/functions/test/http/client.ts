/**
 * Requests through the HTTP apps in-process (Hono's `app.request`), and a logger that keeps its lines so
 * tests can assert nothing secret is ever logged.
 */
import type { HttpLogger } from "@dashboard/functions/http/logging";
import { type HttpResult, type Requester, type RequestOptions, send } from "@dashboard/testing/http";
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

export type { HttpResult, RequestOptions } from "@dashboard/testing/http";

/** Sends a request through the app in-process and collects the answer (and every body, for leak checks). */
export async function call(
  app: Requester,
  method: string,
  path: string,
  opts: RequestOptions = {},
  seen?: string[],
): Promise<HttpResult> {
  const res = await send(app, method, path, opts, ADMIN_TOKEN);
  seen?.push(res.text);
  return res;
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
