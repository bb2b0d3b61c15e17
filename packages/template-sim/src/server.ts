import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { controlError, handleControl } from "./control";
import { FaultControl, type FaultTarget } from "./faults";
import { DEFAULT_SEED, DEFAULT_SITE_NAME, generateData } from "./generate";
import { JSON_TYPE } from "./http";
import { flaskJson } from "./json";
import { Mutator } from "./mutator";
import { Rng } from "./random";
import { type SimState, templateRoutes } from "./routes";
import { ReorderableEntity, type SimData, SimEntity, type SimRecordMap, type Sizes } from "./schema";
import { servedRecords } from "./serve";
import { templateHandler } from "./template";

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

  const rotatedKey = `rotated_${Rng.stream(seed, "rotated-key").hex(32)}`;
  const faults = new FaultControl({
    revokeKey: () => {
      data.settings.export_api_key = rotatedKey;
    },
    restoreKey: () => {
      data.settings.export_api_key = opts.apiKey;
    },
  });
  const state: SimState = {
    data,
    faults,
    mutator: new Mutator(data, seed),
    tieRng: Rng.stream(seed, "ties"),
    alternation: new Map(),
  };
  const requests: RequestRecord[] = [];
  const closing = new AbortController();

  function log(entry: RequestRecord): void {
    requests.push(entry);
    if (requests.length > logLimit) requests.splice(0, requests.length - logLimit);
  }

  const handleTemplate = templateHandler({
    state,
    match: templateRoutes(state, {
      settingsShape: shape,
      endpointOn,
      brokenCustomRequests: opts.brokenCustomRequests === true,
    }),
    apiKey: opts.apiKey,
    masterKey: opts.masterKey,
    siteName,
    log,
    closing: closing.signal,
  });

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

  const server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    const control = url.pathname === "/__sim" || url.pathname.startsWith("/__sim/");
    const work = control ? handleControl(req, res, url, sim, info) : handleTemplate(req, res, url);
    work.catch((error: unknown) => {
      if (closing.signal.aborted || res.headersSent || res.destroyed) {
        if (!res.writableEnded) res.destroy();
        return;
      }
      if (control) {
        controlError(res, error);
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
    add: (entity, n) => state.mutator.add(SimEntity.parse(entity) as typeof entity, n),
    change: (entity, n) => state.mutator.change(SimEntity.parse(entity) as typeof entity, n),
    remove: (entity, n) => state.mutator.remove(SimEntity.parse(entity) as typeof entity, n),
    reorder: (entity) => state.mutator.reorder(ReorderableEntity.parse(entity)),
    setSetting: (key, value) => {
      data.settings[key] = value;
    },
    served: (entity) => servedRecords(data, SimEntity.parse(entity) as typeof entity),
    reset: () => {
      assignData(data, fresh());
      state.mutator = new Mutator(data, seed);
      state.tieRng = Rng.stream(seed, "ties");
      state.alternation.clear();
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
