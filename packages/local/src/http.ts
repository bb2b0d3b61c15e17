/**
 * The one local HTTP server, laid out like the deployed origin (stacks/api.ts, stacks/web.ts):
 *
 *   POST /api/sync/webhook/template → the webhook app (its own Lambda in AWS)
 *   /api, /api/*                    → the admin API app (another Lambda; API Gateway's `ANY /api/{proxy+}`)
 *   everything else                 → the web UI's static files (the StaticSite behind the Router)
 *
 * Served by `@hono/node-server` on 127.0.0.1 only. The static side serves `packages/web/dist`: correct
 * content types, long-lived caching for Vite's hashed assets and revalidation for everything else, an ETag,
 * the SPA fallback to index.html, and nothing outside the directory (no traversal, no dotfiles).
 */
import { readFile, realpath, stat } from "node:fs/promises";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { extname, join, resolve, sep } from "node:path";
import { uiSecurityHeaders } from "@dashboard/config";
import { createAdaptorServer } from "@hono/node-server";
import { LocalRuntimeError } from "./errors";

/**
 * `env` is what `@hono/node-server` passes along (the Node request, whose socket gives the caller's address
 * for the audit log); the apps read it as `c.env`.
 */
export type FetchHandler = (request: Request, env?: unknown) => Response | Promise<Response>;

/** Anything with a Hono-style `fetch` (both apps are Hono apps). */
export interface FetchApp {
  fetch: (request: Request, env?: unknown) => Response | Promise<Response>;
}

export const WEBHOOK_ROUTE = { method: "POST", path: "/api/sync/webhook/template" } as const;

/** The UI's files: ready, being built, failed to build, or not served at all. */
export type WebState =
  | { kind: "ready"; dir: string }
  | { kind: "building" }
  | { kind: "failed"; message: string }
  | { kind: "disabled" };

export interface RouterDeps {
  api: FetchApp;
  webhook: FetchApp;
  web: () => WebState;
}

const isApiPath = (path: string) => path === "/api" || path.startsWith("/api/");

/** Dispatches a request to the app that serves it in AWS. */
export function createRouter(deps: RouterDeps): FetchHandler {
  const serveStatic = createStaticHandler(deps.web);
  return (request, env) => {
    const path = new URL(request.url).pathname;
    if (request.method === WEBHOOK_ROUTE.method && path === WEBHOOK_ROUTE.path)
      return deps.webhook.fetch(request, env);
    if (isApiPath(path)) return deps.api.fetch(request, env);
    return serveStatic(request);
  };
}

// ---------------------------------------------------------------------------------------------------------
// Static files

const TEXT = "; charset=utf-8";
export const CONTENT_TYPES: Readonly<Record<string, string>> = {
  ".html": `text/html${TEXT}`,
  ".js": `text/javascript${TEXT}`,
  ".mjs": `text/javascript${TEXT}`,
  ".css": `text/css${TEXT}`,
  ".json": `application/json${TEXT}`,
  ".map": `application/json${TEXT}`,
  ".webmanifest": `application/manifest+json${TEXT}`,
  ".txt": `text/plain${TEXT}`,
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".jpg": "image/jpeg",
  ".jpeg": "image/jpeg",
  ".gif": "image/gif",
  ".webp": "image/webp",
  ".avif": "image/avif",
  ".ico": "image/x-icon",
  ".woff": "font/woff",
  ".woff2": "font/woff2",
  ".ttf": "font/ttf",
  ".wasm": "application/wasm",
};

export const contentTypeOf = (file: string): string =>
  CONTENT_TYPES[extname(file).toLowerCase()] ?? "application/octet-stream";

/** Vite names built assets `assets/<name>-<hash>.<ext>`: their content never changes under that name. */
const HASHED_ASSET = /^\/assets\/(?:[^/]+\/)*[^/]+-[A-Za-z0-9_-]{8,}\.[A-Za-z0-9]+$/;
export const IMMUTABLE = "public, max-age=31536000, immutable";
export const REVALIDATE = "no-cache";

export const cacheControlOf = (urlPath: string): string =>
  HASHED_ASSET.test(urlPath) ? IMMUTABLE : REVALIDATE;

/**
 * The headers CloudFront adds in AWS (stacks/web.ts): CSP, HSTS, no framing, referrer policy, nosniff. Images
 * may also come from loopback over http here, where the local and demo Templates run.
 */
const BASE_HEADERS = uiSecurityHeaders(["http://127.0.0.1:*", "http://localhost:*"]);

const plain = (status: number, text: string, headers: Record<string, string> = {}) =>
  new Response(`${text}\n`, {
    status,
    headers: {
      ...BASE_HEADERS,
      "Content-Type": `text/plain${TEXT}`,
      "Cache-Control": "no-store",
      ...headers,
    },
  });

const BUILDING_PAGE = `<!doctype html>
<html lang="fr"><head><meta charset="utf-8"><meta http-equiv="refresh" content="3"><title>artworksdigital Dashboard</title></head>
<body>
<p>L'interface est en cours de construction… cette page se recharge toute seule.</p>
<p>The UI is being built… this page reloads by itself. The API is already served at <a href="/api/health">/api</a>.</p>
</body></html>
`;

/**
 * Maps a URL path to a file inside `dir`, or undefined when it would leave it or touch a dotfile.
 * Throws URIError on a malformed escape.
 */
export function resolveInside(dir: string, urlPath: string): string | undefined {
  const decoded = decodeURIComponent(urlPath);
  if (decoded.includes("\0") || decoded.includes("\\")) return undefined;
  const segments = decoded.split("/").filter((s) => s !== "");
  if (segments.some((s) => s === ".." || s.startsWith("."))) return undefined;
  const root = resolve(dir);
  const file = resolve(root, ...segments);
  return file === root || file.startsWith(`${root}${sep}`) ? file : undefined;
}

/**
 * The file's size and mtime when it is a regular file whose real path (symlinks followed) is still inside
 * `root`: a link planted in the directory cannot expose what lies outside it.
 */
async function regularFile(
  root: string,
  file: string,
): Promise<{ size: number; mtimeMs: number } | undefined> {
  try {
    const [realRoot, realFile] = await Promise.all([realpath(root), realpath(file)]);
    if (!realFile.startsWith(`${realRoot}${sep}`)) return undefined;
    const info = await stat(realFile);
    return info.isFile() ? { size: info.size, mtimeMs: info.mtimeMs } : undefined;
  } catch {
    return undefined;
  }
}

async function sendFile(
  request: Request,
  root: string,
  file: string,
  cacheControl: string,
): Promise<Response> {
  const info = await regularFile(root, file);
  if (!info) return plain(404, "Not found");
  const etag = `W/"${info.size.toString(16)}-${Math.floor(info.mtimeMs).toString(16)}"`;
  const headers = {
    ...BASE_HEADERS,
    "Content-Type": contentTypeOf(file),
    "Cache-Control": cacheControl,
    ETag: etag,
  };
  const match = request.headers.get("if-none-match");
  if (match?.split(",").some((tag) => tag.trim() === etag || tag.trim() === "*")) {
    return new Response(null, { status: 304, headers });
  }
  if (request.method === "HEAD") {
    return new Response(null, { status: 200, headers: { ...headers, "Content-Length": String(info.size) } });
  }
  return new Response(await readFile(file), { status: 200, headers });
}

/** Serves the UI's files for GET and HEAD, per the current `WebState`. */
export function createStaticHandler(web: () => WebState): FetchHandler {
  return async (request) => {
    if (request.method !== "GET" && request.method !== "HEAD") {
      return plain(405, "Method not allowed", { Allow: "GET, HEAD" });
    }
    const state = web();
    if (state.kind === "disabled") return plain(404, "Not found (the UI is not served by this runtime)");
    if (state.kind === "building") {
      return new Response(BUILDING_PAGE, {
        status: 503,
        headers: {
          ...BASE_HEADERS,
          "Content-Type": `text/html${TEXT}`,
          "Cache-Control": "no-store",
          "Retry-After": "3",
        },
      });
    }
    if (state.kind === "failed") {
      return plain(
        500,
        `The UI could not be built: ${state.message}\nRun \`npm run build -w @dashboard/web\` to see why.`,
      );
    }
    const urlPath = new URL(request.url).pathname;
    let file: string | undefined;
    try {
      file = resolveInside(state.dir, urlPath);
    } catch {
      return plain(400, "Bad request");
    }
    if (!file) return plain(404, "Not found");
    const root = state.dir;
    if (await regularFile(root, file)) return sendFile(request, root, file, cacheControlOf(urlPath));
    const directoryIndex = join(file, "index.html");
    if (await regularFile(root, directoryIndex)) return sendFile(request, root, directoryIndex, REVALIDATE);
    // SPA fallback: a path without an extension is a page of the app; a missing file stays a 404.
    if (extname(urlPath) === "")
      return sendFile(request, root, join(resolve(root), "index.html"), REVALIDATE);
    return plain(404, "Not found");
  };
}

const STARTING_PAGE = `<!doctype html>
<html lang="fr"><head><meta charset="utf-8"><meta http-equiv="refresh" content="2"><title>artworksdigital Dashboard</title></head>
<body>
<p>Le Dashboard démarre… cette page se recharge toute seule.</p>
<p>The Dashboard is starting… this page reloads by itself.</p>
</body></html>
`;

/** What the port answers while the services start: 503, in the API's error shape under /api. */
export const startingHandler: FetchHandler = (request) => {
  const headers = { ...BASE_HEADERS, "Cache-Control": "no-store", "Retry-After": "2" };
  if (isApiPath(new URL(request.url).pathname)) {
    return Response.json(
      { error: { code: "starting", message: "The Dashboard is starting; try again in a few seconds" } },
      { status: 503, headers },
    );
  }
  return new Response(STARTING_PAGE, {
    status: 503,
    headers: { ...headers, "Content-Type": `text/html${TEXT}` },
  });
};

// ---------------------------------------------------------------------------------------------------------
// Server

export interface LocalHttpServer {
  /** `http://127.0.0.1:<port>` */
  url: string;
  port: number;
  server: Server;
  /** Stops accepting, closes idle and open connections, resolves when closed. Idempotent. */
  close(): Promise<void>;
}

/** Listens on 127.0.0.1:`port` (0 = a free port). A port in use is a `LocalRuntimeError("port_in_use")`. */
export async function listen(handler: FetchHandler, port: number): Promise<LocalHttpServer> {
  const server = createAdaptorServer({
    fetch: (request: Request, env: unknown) => handler(request, env),
  }) as Server;
  // Requests in flight when stop() comes get a bounded time; keep-alive sockets do not hold the process.
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException) => {
      server.off("listening", onListening);
      if (error.code === "EADDRINUSE") {
        reject(
          new LocalRuntimeError(
            "port_in_use",
            `Port ${port} on 127.0.0.1 is already in use: stop what runs there, or choose another with PORT=<port> (0 picks a free one).`,
          ),
        );
      } else if (error.code === "EACCES") {
        reject(
          new LocalRuntimeError("port_in_use", `Port ${port} needs privileges; choose PORT=1024 or above.`),
        );
      } else reject(error);
    };
    const onListening = () => {
      server.off("error", onError);
      resolve();
    };
    server.once("error", onError);
    server.once("listening", onListening);
    server.listen(port, "127.0.0.1");
  });
  const bound = (server.address() as AddressInfo).port;
  let closed: Promise<void> | undefined;
  return {
    url: `http://127.0.0.1:${bound}`,
    port: bound,
    server,
    close() {
      closed ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
        // Whatever is still open after a grace period is cut.
        const timer = setTimeout(() => server.closeAllConnections(), 2_000);
        timer.unref();
      });
      return closed;
    },
  };
}
