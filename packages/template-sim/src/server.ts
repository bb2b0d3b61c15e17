import { createHash, timingSafeEqual } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";
import { z } from "zod";
import { FaultControl, type FaultSpecInput, FaultTarget } from "./faults";
import { DEFAULT_SEED, DEFAULT_SITE_NAME, generateData, Mutator } from "./generate";
import { IMAGE_FILE, paintingSvg } from "./image";
import { flaskJson } from "./json";
import { ensureSorted } from "./order";
import { Rng } from "./random";
import { ReorderableEntity, type SimData, SimEntity, type SimRecordMap, type Sizes } from "./schema";
import {
  breakRecords,
  PAGED_DEFAULT_LIMIT,
  type PagedEntity,
  present,
  pyIntArg,
  servedRecords,
  settingsDocumented,
  settingsFlat,
  shuffleTies,
  statsBody,
} from "./serve";

export type OptionalEndpoint = "exhibitions" | "stats" | "custom_requests";

export interface SimOptions {
  /** Default 0 (a free port). The host is always 127.0.0.1. */
  port?: number;
  /** The site's `export_api_key`. */
  apiKey: string;
  /** A master key shared across sites, also accepted. */
  masterKey?: string;
  /** Deterministic data (default 1). */
  seed?: number;
  /** The `site_name` setting (default "Site Artiste"). */
  siteName?: string;
  /** Table sizes; defaults 24 paintings, 40 users, 30 orders, 4 exhibitions, 3 custom requests. */
  sizes?: Partial<Sizes>;
  /** Which `GET /api/export/settings` handler wins (default "flat", like the real app). */
  settingsShape?: "flat" | "documented";
  /** `false` ⇒ that endpoint answers 404, like an older Template. */
  endpoints?: Partial<Record<OptionalEndpoint, boolean>>;
  /** Serve this data set instead of generating one (it becomes the live data; `reset()` restores a copy). */
  data?: SimData;
  /** How many entries `requests` keeps, oldest dropped first (default 10,000). */
  requestLogLimit?: number;
  /** Generate the shapes of a real catalogue (`GenerateOptions.realShapes`); default false. */
  realShapes?: boolean;
  /**
   * Serve the custom-requests export as the current Template does: every record with column names instead
   * of values (`{"id": "id", "client_name": "client_name", ...}`). Default false.
   */
  brokenCustomRequests?: boolean;
}

export type AuthOutcome = "site_key" | "master_key" | "missing" | "invalid" | "not_required";

/** One request the simulated Template answered (control API calls under `/__sim/` are not recorded). */
export interface RequestRecord {
  method: string;
  path: string;
  query: Record<string, string>;
  /** 0 when the request was left hanging by a `hang` fault. */
  status: number;
  /** ISO time the response was sent (or the request left hanging). */
  at: string;
  /** The endpoint faults were looked up for; null for unknown paths. */
  target: FaultTarget | null;
  /** Which key was presented; the key itself is never recorded. */
  auth: AuthOutcome;
  /** The injected fault that decided the response, if any. */
  fault?: "hang" | "status" | "html" | "malformed" | "failAtOffset" | "revoked";
}

export interface Sim {
  /** `http://127.0.0.1:<port>` */
  url: string;
  port: number;
  /** The live, mutable data set. Record arrays are kept in the Template's order (re-sorted on demand). */
  data: SimData;
  faults: FaultControl;
  /** Every request served, oldest first (bounded by `requestLogLimit`). */
  requests: RequestRecord[];
  clearRequests(): void;
  /** New records (new ids, newest dates). */
  add<E extends SimEntity>(entity: E, n: number): SimRecordMap[E][];
  /** Edits n existing records; returns them after the change. */
  change<E extends SimEntity>(entity: E, n: number): SimRecordMap[E][];
  /** Deletes n records; returns them. */
  remove<E extends SimEntity>(entity: E, n: number): SimRecordMap[E][];
  /** Moves records in the Template's order without adding or removing any. */
  reorder(entity: ReorderableEntity): void;
  /** Writes a setting, as `PUT /api/export/settings/<key>` would. */
  setSetting(key: string, value: string): void;
  /** Every record exactly as served (site_name, joined order lines), in order, without faults. */
  served<E extends SimEntity>(entity: E): SimRecordMap[E][];
  /** Back to the initial data; faults and the request log cleared. */
  reset(): void;
  close(): Promise<void>;
}

/** An error the Template's handler would catch and turn into `{"error": "<text>"}` with a 500. */
class TemplateServerError extends Error {}

class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
  }
}

const FLASK_404 =
  "<!doctype html>\n<html lang=en>\n<title>404 Not Found</title>\n<h1>Not Found</h1>\n<p>The requested URL was not found on the server. If you entered the URL manually please check your spelling and try again.</p>\n";
const FLASK_405 =
  "<!doctype html>\n<html lang=en>\n<title>405 Method Not Allowed</title>\n<h1>Method Not Allowed</h1>\n<p>The method is not allowed for the requested URL.</p>\n";

function htmlPage(siteName: string): string {
  const name = siteName.replace(/[<>&"]/g, (c) => `&#${c.charCodeAt(0)};`);
  return `<!DOCTYPE html>\n<html lang="fr">\n<head><meta charset="UTF-8"><title>${name}</title></head>\n<body><header><h1>${name}</h1><nav><a href="/">Accueil</a> <a href="/boutique">Boutique</a> <a href="/login">Connexion</a></nav></header><main><p>Découvrez les œuvres de l'artiste.</p></main></body>\n</html>\n`;
}

const JSON_TYPE = "application/json";
const HTML_TYPE = "text/html; charset=utf-8";

/** Query parameters for the request log; values of secret-looking names (a key sent the wrong way) are hidden. */
function redactQuery(params: URLSearchParams): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of params)
    out[name] = /key|token|secret|password/i.test(name) ? "[redacted]" : value;
  return out;
}

function safeDecode(text: string): string | undefined {
  try {
    return decodeURIComponent(text);
  } catch {
    return undefined;
  }
}

const digest = (text: string): Buffer => createHash("sha256").update(text, "utf8").digest();

/** Constant-time equality of two secrets of any length (compares fixed-size digests). */
function sameSecret(given: string, expected: string | undefined): boolean {
  // Always compare something, so timing does not tell whether a key is configured.
  const ok = timingSafeEqual(digest(given), digest(expected ?? "\u0000no-key-configured"));
  return ok && expected !== undefined && expected !== "";
}

function validateOptions(opts: SimOptions): void {
  if (typeof opts.apiKey !== "string" || opts.apiKey.length === 0) {
    throw new TypeError("startSim: apiKey is required (the site's export_api_key)");
  }
  if (opts.port !== undefined && (!Number.isInteger(opts.port) || opts.port < 0 || opts.port > 65535)) {
    throw new RangeError("startSim: port must be an integer in 0..65535");
  }
  if (
    opts.settingsShape !== undefined &&
    opts.settingsShape !== "flat" &&
    opts.settingsShape !== "documented"
  ) {
    throw new RangeError('startSim: settingsShape must be "flat" or "documented"');
  }
}

function assignData(target: SimData, source: SimData): void {
  target.paintings = source.paintings;
  target.users = source.users;
  target.orders = source.orders;
  target.exhibitions = source.exhibitions;
  target.custom_requests = source.custom_requests;
  target.settings = source.settings;
  target.otherTables = source.otherTables;
}

const CONTROL_ENTITY = z
  .string()
  .transform((s) => s.replace(/-/g, "_"))
  .pipe(SimEntity);
const CountBody = z.object({ n: z.number().int().min(0).max(1_000_000).default(1) }).strict();
const SettingBody = z.object({ value: z.string() }).strict();

async function readBody(req: IncomingMessage, limit: number): Promise<string> {
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

async function readJson(req: IncomingMessage, limit: number): Promise<unknown> {
  const text = await readBody(req, limit);
  if (text.trim() === "") return {};
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new HttpError(400, "invalid_request", "body is not valid JSON");
  }
}

interface Route {
  target: FaultTarget;
  /** Whether `X-API-Key` is checked. */
  auth: boolean;
  run: (ctx: RouteContext) => Promise<Reply> | Reply;
}

interface RouteContext {
  req: IncomingMessage;
  url: URL;
  auth: AuthOutcome;
  params: Record<string, string>;
}

interface Reply {
  status: number;
  body: string;
  type: string;
  headers?: Record<string, string>;
}

const json = (status: number, value: unknown): Reply => ({ status, body: flaskJson(value), type: JSON_TYPE });

/** Starts one simulated Template site on 127.0.0.1. */
export async function startSim(opts: SimOptions): Promise<Sim> {
  validateOptions(opts);
  const seed = opts.seed ?? DEFAULT_SEED;
  const siteName = opts.siteName ?? DEFAULT_SITE_NAME;
  const shape = opts.settingsShape ?? "flat";
  const endpointOn = (name: OptionalEndpoint): boolean => opts.endpoints?.[name] !== false;
  const logLimit = opts.requestLogLimit ?? 10_000;

  // `opts.apiKey` is the site's export_api_key: it wins over whatever a given data set holds.
  const initialCopy = opts.data ? structuredClone(opts.data) : undefined;
  const fresh = (): SimData => {
    const next = initialCopy
      ? structuredClone(initialCopy)
      : generateData({
          seed,
          siteName,
          apiKey: opts.apiKey,
          sizes: opts.sizes,
          ...(opts.realShapes ? { realShapes: true } : {}),
        });
    next.settings.export_api_key = opts.apiKey;
    return next;
  };
  const data: SimData = opts.data ?? fresh();
  data.settings.export_api_key = opts.apiKey;

  let mutator = new Mutator(data, seed);
  let tieRng = Rng.stream(seed, "ties");
  /** Page requests served per entity under an `offsetIgnored: "alternate"` fault. */
  const alternation = new Map<PagedEntity, number>();
  const rotatedKey = `rotated_${Rng.stream(seed, "rotated-key").hex(32)}`;
  const faults = new FaultControl({
    revokeKey: () => {
      data.settings.export_api_key = rotatedKey;
    },
    restoreKey: () => {
      data.settings.export_api_key = opts.apiKey;
    },
  });
  const requests: RequestRecord[] = [];
  const closing = new AbortController();

  function log(entry: RequestRecord): void {
    requests.push(entry);
    if (requests.length > logLimit) requests.splice(0, requests.length - logLimit);
  }

  function authOf(req: IncomingMessage): AuthOutcome {
    const raw = req.headers["x-api-key"];
    const given = Array.isArray(raw) ? raw[0] : raw;
    if (!given) return "missing";
    // Both comparisons always run (constant time, like the Template).
    const site = sameSecret(given, data.settings.export_api_key);
    const master = sameSecret(given, opts.masterKey);
    return master ? "master_key" : site ? "site_key" : "invalid";
  }

  // ----------------------------------------------------------------------------------------------------
  // Template endpoints.

  /** Ids of the records an `offsetIgnored: "endless"` fault invents start here. */
  const ENDLESS_IDS_FROM = 10_000_000;

  function pagedRoute(entity: PagedEntity): Route {
    return {
      target: entity,
      auth: true,
      run: ({ url }) => {
        const limit = pyIntArg(url.searchParams.get("limit"), PAGED_DEFAULT_LIMIT[entity]);
        const offset = pyIntArg(url.searchParams.get("offset"), 0);
        if (limit < 0) throw new TemplateServerError("LIMIT must not be negative\n");
        if (offset < 0) throw new TemplateServerError("OFFSET must not be negative\n");
        const failAt = faults.failAtOffset(entity);
        if (failAt !== undefined && offset >= failAt) {
          throw Object.assign(new TemplateServerError("canceling statement due to statement timeout\n"), {
            fault: "failAtOffset" as const,
          });
        }
        const mode = faults.unstableOrder(entity);
        if (offset > 0 && mode === "insert") mutator.addAtTop(entity);
        if (offset > 0 && mode === "remove") mutator.removeTop(entity);
        const cap = faults.limitCap(entity);
        const size = cap === undefined ? limit : Math.min(limit, cap);
        let rows: SimRecordMap[PagedEntity][] = ensureSorted(data, entity);
        if (mode === "ties") rows = shuffleTies(entity, rows, tieRng);
        const ignored = faults.offsetIgnored(entity);
        let start = offset;
        if (ignored === "alternate") {
          const turn = alternation.get(entity) ?? 0;
          alternation.set(entity, turn + 1);
          start = (turn % 2) * size;
        }
        let presented = present(data, entity, rows.slice(start, start + size));
        if (ignored === "endless" && offset >= rows.length && rows.length > 0) {
          // Past the real end: the first rows again, under ids never served before.
          presented = present(data, entity, rows.slice(0, size)).map((r, i) => ({
            ...r,
            id: ENDLESS_IDS_FROM + offset + i,
          }));
        }
        const page = breakRecords(presented, faults.invalidRules(entity));
        return json(200, { [entity]: page, count: page.length });
      },
    };
  }

  function listRoute(entity: "exhibitions" | "custom_requests"): Route {
    return {
      target: entity,
      auth: true,
      run: () => {
        const records = servedRecords(data, entity);
        if (entity === "custom_requests" && opts.brokenCustomRequests) {
          // The current app.py builds each record from the cursor's column names, not the row.
          return json(200, {
            [entity]: records.map((r) => Object.fromEntries(Object.keys(r).map((k) => [k, k]))),
          });
        }
        return json(200, { [entity]: breakRecords(records, faults.invalidRules(entity)) });
      },
    };
  }

  const routes = new Map<string, Map<string, Route>>();
  const add = (method: string, path: string, route: Route): void => {
    const byMethod = routes.get(path) ?? new Map<string, Route>();
    byMethod.set(method, route);
    routes.set(path, byMethod);
  };

  add("GET", "/api/export/paintings", pagedRoute("paintings"));
  add("GET", "/api/export/users", pagedRoute("users"));
  add("GET", "/api/export/orders", pagedRoute("orders"));
  if (endpointOn("exhibitions")) add("GET", "/api/export/exhibitions", listRoute("exhibitions"));
  if (endpointOn("custom_requests")) add("GET", "/api/export/custom-requests", listRoute("custom_requests"));
  if (endpointOn("stats")) {
    add("GET", "/api/export/stats", {
      target: "stats",
      auth: true,
      run: () => json(200, statsBody(data, new Date())),
    });
  }
  add("GET", "/api/export/settings", {
    target: "settings",
    auth: shape === "documented",
    run: ({ auth }) =>
      shape === "documented"
        ? json(200, settingsDocumented(data))
        : json(200, settingsFlat(data, auth === "master_key")),
  });
  add("GET", "/api/export/settings/stripe_publishable_key", {
    target: "settings",
    auth: false,
    run: () => {
      const pk = data.settings.stripe_publishable_key;
      if (!pk) return json(404, { success: false, error: "not_found" });
      return {
        ...json(200, { success: true, publishable_key: pk }),
        headers: { "Access-Control-Allow-Origin": "*" },
      };
    },
  });
  add("GET", "/api/export/settings/stripe_secret_key", {
    target: "settings",
    auth: false,
    run: () => json(404, { error: "not_found" }),
  });

  /** `PUT /api/export/settings/<key>` (the same key that reads can write: it is a real secret). */
  const putSetting: Route = {
    target: "settings",
    auth: true,
    run: async ({ req, params }) => {
      const key = params.key as string;
      let body: unknown;
      try {
        body = JSON.parse(await readBody(req, 64 * 1024));
      } catch {
        body = {};
      }
      const value =
        body !== null && typeof body === "object" ? (body as Record<string, unknown>).value : undefined;
      if (value === undefined || value === null) return json(400, { error: "Missing value" });
      if (typeof value === "object") return json(500, { error: "internal" });
      data.settings[key] = typeof value === "boolean" ? (value ? "True" : "False") : String(value);
      return json(200, { ok: true, key });
    },
  };

  const imageRoute: Route = {
    target: "images",
    auth: false,
    run: ({ params }) => {
      const path = `Images/${params.file}`;
      const painting = data.paintings.find((p) => p.image === path);
      if (!painting) return { status: 404, body: FLASK_404, type: HTML_TYPE };
      return {
        status: 200,
        body: paintingSvg(path, painting.name),
        type: "image/svg+xml",
        headers: { "Cache-Control": "public, max-age=3600" },
      };
    },
  };

  function match(path: string): { routes: Map<string, Route>; params: Record<string, string> } | undefined {
    const found = new Map(routes.get(path));
    const params: Record<string, string> = {};
    // `PUT /api/export/settings/<key>` also covers the keys that have a dedicated GET.
    const setting = /^\/api\/export\/settings\/([^/]+)$/.exec(path);
    const key = setting ? safeDecode(setting[1] as string) : undefined;
    if (key !== undefined) {
      found.set("PUT", putSetting);
      params.key = key;
    }
    const image = /^(?:\/static)?\/Images\/([^/]+)$/.exec(path);
    const file = image ? safeDecode(image[1] as string) : undefined;
    if (file !== undefined && IMAGE_FILE.test(file)) {
      found.set("GET", imageRoute);
      params.file = file;
    }
    return found.size > 0 ? { routes: found, params } : undefined;
  }

  // ----------------------------------------------------------------------------------------------------
  // Request pipeline.

  function send(
    req: IncomingMessage,
    res: ServerResponse,
    reply: Reply,
    record: Omit<RequestRecord, "status" | "at">,
  ): void {
    const body = Buffer.from(reply.body, "utf8");
    res.statusCode = reply.status;
    res.setHeader("Content-Type", reply.type);
    res.setHeader("Content-Length", body.length);
    for (const [name, value] of Object.entries(reply.headers ?? {})) res.setHeader(name, value);
    log({ ...record, status: reply.status, at: new Date().toISOString() });
    res.end(req.method === "HEAD" ? undefined : body);
  }

  async function handleTemplate(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const method = req.method === "HEAD" ? "GET" : (req.method ?? "GET");
    const base = {
      method: req.method ?? "GET",
      path: url.pathname,
      query: redactQuery(url.searchParams),
    };
    const found = match(url.pathname);
    if (!found) {
      send(
        req,
        res,
        { status: 404, body: FLASK_404, type: HTML_TYPE },
        { ...base, target: null, auth: "not_required" },
      );
      return;
    }
    const route = found.routes.get(method);
    if (!route) {
      const anyRoute = [...found.routes.values()][0];
      const allow = [...found.routes.keys(), ...(found.routes.has("GET") ? ["HEAD"] : []), "OPTIONS"].join(
        ", ",
      );
      const status = method === "OPTIONS" ? 200 : 405;
      send(
        req,
        res,
        { status, body: status === 200 ? "" : FLASK_405, type: HTML_TYPE, headers: { Allow: allow } },
        { ...base, target: anyRoute?.target ?? null, auth: "not_required" },
      );
      return;
    }
    const target = route.target;
    const auth = route.auth ? authOf(req) : req.headers["x-api-key"] ? authOf(req) : "not_required";
    const record = { ...base, target, auth };

    const latency = faults.latencyMs(target);
    if (latency > 0) await sleep(latency, undefined, { signal: closing.signal });

    if (faults.take(target, "hang")) {
      log({ ...record, status: 0, at: new Date().toISOString(), fault: "hang" });
      // Accepted and never answered; close() destroys the socket.
      return;
    }
    const status = faults.takeStatus(target);
    if (status) {
      const headers: Record<string, string> =
        status.status === 429 ? { "Retry-After": String(status.retryAfter) } : {};
      send(
        req,
        res,
        { ...json(status.status, { error: status.message }), headers },
        { ...record, fault: "status" },
      );
      return;
    }
    if (faults.take(target, "html")) {
      send(
        req,
        res,
        { status: 200, body: htmlPage(data.settings.site_name || siteName), type: HTML_TYPE },
        {
          ...record,
          fault: "html",
        },
      );
      return;
    }
    if (route.auth) {
      if (auth !== "site_key" && auth !== "master_key") {
        const revoked = faults.keyRevoked && auth === "invalid" && sameSecret(headerKey(req), opts.apiKey);
        send(req, res, json(401, { error: "invalid_api_key", success: false }), {
          ...record,
          ...(revoked ? { fault: "revoked" as const } : {}),
        });
        return;
      }
      if (auth === "site_key") faults.keyAccepted(target);
    }

    let reply: Reply;
    let fault: RequestRecord["fault"];
    try {
      reply = await route.run({ req, url, auth, params: found.params });
    } catch (error) {
      if (!(error instanceof Error)) throw error;
      // The Template answers `{"error": str(e)}` for whatever its handler raised.
      reply = json(500, { error: error.message });
      fault = (error as { fault?: RequestRecord["fault"] }).fault;
    }
    if (reply.status === 200 && faults.take(target, "malformed")) {
      reply = { ...reply, body: reply.body.slice(0, Math.max(1, Math.floor(reply.body.length / 2))) };
      fault = "malformed";
    }
    send(req, res, reply, fault ? { ...record, fault } : record);
  }

  function headerKey(req: IncomingMessage): string {
    const raw = req.headers["x-api-key"];
    return (Array.isArray(raw) ? raw[0] : raw) ?? "";
  }

  // ----------------------------------------------------------------------------------------------------
  // Control API (unauthenticated test tool: never expose it).

  const controlJson = (res: ServerResponse, status: number, value?: unknown): void => {
    if (value === undefined) {
      res.statusCode = status;
      res.end();
      return;
    }
    const body = JSON.stringify(value);
    res.statusCode = status;
    res.setHeader("Content-Type", JSON_TYPE);
    res.setHeader("Content-Length", Buffer.byteLength(body));
    res.end(body);
  };

  function info(): unknown {
    return {
      name: "template-sim",
      url: sim.url,
      seed,
      site_name: data.settings.site_name ?? null,
      settings_shape: shape,
      endpoints: {
        exhibitions: endpointOn("exhibitions"),
        stats: endpointOn("stats"),
        custom_requests: endpointOn("custom_requests"),
      },
      counts: Object.fromEntries(SimEntity.options.map((e) => [e, data[e].length])),
      key_revoked: faults.keyRevoked,
      requests: requests.length,
    };
  }

  async function handleControl(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const method = req.method ?? "GET";
    const parts = url.pathname
      .replace(/^\/__sim\/?/, "")
      .split("/")
      .filter(Boolean)
      .map((p) => safeDecode(p) ?? p);
    const [section, a, b] = parts;
    const notAllowed = (): never => {
      throw new HttpError(405, "method_not_allowed", `${method} is not allowed on ${url.pathname}`);
    };

    if (section === undefined) {
      if (method !== "GET") notAllowed();
      return controlJson(res, 200, info());
    }
    if (section === "faults") {
      if (a === undefined) {
        if (method === "GET") return controlJson(res, 200, faults.snapshot());
        if (method === "DELETE") {
          faults.reset();
          return controlJson(res, 204);
        }
        notAllowed();
      }
      if (a === "reset" && b === undefined) {
        if (method !== "POST") notAllowed();
        faults.reset();
        return controlJson(res, 204);
      }
      const target = FaultTarget.safeParse(a);
      if (!target.success || b !== undefined) throw new HttpError(404, "not_found", `no fault target ${a}`);
      if (method === "GET")
        return controlJson(res, 200, { target: target.data, fault: faults.get(target.data) ?? null });
      if (method === "DELETE") {
        faults.clear(target.data);
        return controlJson(res, 204);
      }
      if (method === "PUT" || method === "PATCH") {
        const body = (await readJson(req, 1024 * 1024)) as FaultSpecInput;
        const fault = method === "PUT" ? faults.set(target.data, body) : faults.update(target.data, body);
        return controlJson(res, 200, { target: target.data, fault });
      }
      notAllowed();
    }
    if (section === "data") {
      if (a === undefined) {
        if (method !== "GET") notAllowed();
        return controlJson(res, 200, info());
      }
      const entity = CONTROL_ENTITY.safeParse(a);
      if (!entity.success) throw new HttpError(404, "not_found", `no entity ${a}`);
      if (b === undefined) {
        if (method !== "GET") notAllowed();
        return controlJson(res, 200, { records: sim.served(entity.data) });
      }
      if (method !== "POST") notAllowed();
      if (b === "reorder") {
        const reorderable = ReorderableEntity.safeParse(entity.data);
        if (!reorderable.success) {
          throw new HttpError(400, "invalid_request", "users are ordered by id and cannot be reordered");
        }
        await readJson(req, 1024 * 1024);
        sim.reorder(reorderable.data);
        return controlJson(res, 204);
      }
      if (b !== "add" && b !== "change" && b !== "remove")
        throw new HttpError(404, "not_found", `no action ${b}`);
      const { n } = CountBody.parse(await readJson(req, 1024 * 1024));
      return controlJson(res, 200, { records: sim[b](entity.data, n) });
    }
    if (section === "settings") {
      if (a === undefined) {
        if (method !== "GET") notAllowed();
        return controlJson(res, 200, { settings: data.settings });
      }
      if (method === "PUT") {
        const { value } = SettingBody.parse(await readJson(req, 1024 * 1024));
        sim.setSetting(a, value);
        return controlJson(res, 200, { key: a, value });
      }
      if (method === "DELETE") {
        delete data.settings[a];
        return controlJson(res, 204);
      }
      notAllowed();
    }
    if (section === "requests" && a === undefined) {
      if (method === "GET") return controlJson(res, 200, { requests });
      if (method === "DELETE") {
        sim.clearRequests();
        return controlJson(res, 204);
      }
      notAllowed();
    }
    if (section === "reset" && a === undefined) {
      if (method !== "POST") notAllowed();
      sim.reset();
      return controlJson(res, 204);
    }
    throw new HttpError(404, "not_found", `no control route ${url.pathname}`);
  }

  // ----------------------------------------------------------------------------------------------------

  const server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    const control = url.pathname === "/__sim" || url.pathname.startsWith("/__sim/");
    const work = control ? handleControl(req, res, url) : handleTemplate(req, res, url);
    work.catch((error: unknown) => {
      if (closing.signal.aborted || res.headersSent || res.destroyed) {
        if (!res.writableEnded) res.destroy();
        return;
      }
      if (control) {
        if (error instanceof HttpError) {
          controlJson(res, error.status, {
            error: { code: error.code, message: error.message, details: error.details },
          });
        } else if (error instanceof z.ZodError) {
          controlJson(res, 400, {
            error: { code: "invalid_request", message: "invalid body", details: error.issues },
          });
        } else {
          const message = error instanceof Error ? error.message : String(error);
          controlJson(res, 500, { error: { code: "internal", message } });
        }
        return;
      }
      // A failure in the simulator itself: answered the way the Template answers its own errors.
      const message = error instanceof Error ? error.message : String(error);
      res.statusCode = 500;
      res.setHeader("Content-Type", JSON_TYPE);
      res.end(flaskJson({ error: message }));
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port ?? 0, "127.0.0.1", () => {
      server.off("error", reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  let closed: Promise<void> | undefined;

  const sim: Sim = {
    url: `http://127.0.0.1:${port}`,
    port,
    data,
    faults,
    requests,
    clearRequests: () => {
      requests.length = 0;
    },
    add: (entity, n) => mutator.add(SimEntity.parse(entity) as typeof entity, n),
    change: (entity, n) => mutator.change(SimEntity.parse(entity) as typeof entity, n),
    remove: (entity, n) => mutator.remove(SimEntity.parse(entity) as typeof entity, n),
    reorder: (entity) => mutator.reorder(ReorderableEntity.parse(entity)),
    setSetting: (key, value) => {
      data.settings[key] = value;
    },
    served: (entity) => servedRecords(data, SimEntity.parse(entity) as typeof entity),
    reset: () => {
      assignData(data, fresh());
      mutator = new Mutator(data, seed);
      tieRng = Rng.stream(seed, "ties");
      alternation.clear();
      faults.reset();
      requests.length = 0;
    },
    close: () => {
      closed ??= new Promise<void>((resolve) => {
        closing.abort();
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closed;
    },
  };
  return sim;
}
