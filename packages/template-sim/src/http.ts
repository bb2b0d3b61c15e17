/**
 * The HTTP pieces the simulated Template and its control API share: the Template's own error pages and
 * errors, request bodies, JSON replies, and the constant-time key check.
 */
import { createHash, timingSafeEqual } from "node:crypto";
import type { IncomingMessage } from "node:http";
import { flaskJson } from "./json";

/** An error the Template's handler would catch and turn into `{"error": "<text>"}` with a 500. */
export class TemplateServerError extends Error {}

export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
  }
}

export const FLASK_404 =
  "<!doctype html>\n<html lang=en>\n<title>404 Not Found</title>\n<h1>Not Found</h1>\n<p>The requested URL was not found on the server. If you entered the URL manually please check your spelling and try again.</p>\n";
export const FLASK_405 =
  "<!doctype html>\n<html lang=en>\n<title>405 Method Not Allowed</title>\n<h1>Method Not Allowed</h1>\n<p>The method is not allowed for the requested URL.</p>\n";

export function htmlPage(siteName: string): string {
  const name = siteName.replace(/[<>&"]/g, (c) => `&#${c.charCodeAt(0)};`);
  return `<!DOCTYPE html>\n<html lang="fr">\n<head><meta charset="UTF-8"><title>${name}</title></head>\n<body><header><h1>${name}</h1><nav><a href="/">Accueil</a> <a href="/boutique">Boutique</a> <a href="/login">Connexion</a></nav></header><main><p>Découvrez les œuvres de l'artiste.</p></main></body>\n</html>\n`;
}

export const JSON_TYPE = "application/json";
export const HTML_TYPE = "text/html; charset=utf-8";

/** Query parameters for the request log; values of secret-looking names (a key sent the wrong way) are hidden. */
export function redactQuery(params: URLSearchParams): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of params)
    out[name] = /key|token|secret|password/i.test(name) ? "[redacted]" : value;
  return out;
}

export function safeDecode(text: string): string | undefined {
  try {
    return decodeURIComponent(text);
  } catch {
    return undefined;
  }
}

const digest = (text: string): Buffer => createHash("sha256").update(text, "utf8").digest();

/** Constant-time equality of two secrets of any length (compares fixed-size digests). */
export function sameSecret(given: string, expected: string | undefined): boolean {
  // Always compare something, so timing does not tell whether a key is configured.
  const ok = timingSafeEqual(digest(given), digest(expected ?? "\u0000no-key-configured"));
  return ok && expected !== undefined && expected !== "";
}

export async function readBody(req: IncomingMessage, limit: number): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buf = chunk as Buffer;
    size += buf.length;
    if (size > limit) throw new HttpError(413, "payload_too_large", `body over ${limit} bytes`);
    chunks.push(buf);
  }
  return Buffer.concat(chunks).toString("utf8");
}

export async function readJson(req: IncomingMessage, limit: number): Promise<unknown> {
  const text = await readBody(req, limit);
  if (text.trim() === "") return {};
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new HttpError(400, "invalid_request", "body is not valid JSON");
  }
}

export interface Reply {
  status: number;
  body: string;
  type: string;
  headers?: Record<string, string>;
}

export const json = (status: number, value: unknown): Reply => ({
  status,
  body: flaskJson(value),
  type: JSON_TYPE,
});
