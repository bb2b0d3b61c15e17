/** The Template's export endpoints as the simulator serves them, with the faults that act on their content. */
import type { IncomingMessage } from "node:http";
import type { FaultControl, FaultTarget } from "./faults";
import { FLASK_404, HTML_TYPE, json, type Reply, readBody, safeDecode, TemplateServerError } from "./http";
import { IMAGE_FILE, paintingSvg } from "./image";
import type { Mutator } from "./mutator";
import { ensureSorted } from "./order";
import type { Rng } from "./random";
import type { SimData, SimRecordMap } from "./schema";
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
import type { AuthOutcome, OptionalEndpoint } from "./server";

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

/** What one simulated site serves from; `reset()` replaces the mutator and the tie order. */
export interface SimState {
  readonly data: SimData;
  readonly faults: FaultControl;
  mutator: Mutator;
  tieRng: Rng;
  /** Page requests served per entity under an `offsetIgnored: "alternate"` fault. */
  readonly alternation: Map<PagedEntity, number>;
}

export interface RouteOptions {
  settingsShape: "flat" | "documented";
  endpointOn: (name: OptionalEndpoint) => boolean;
  brokenCustomRequests: boolean;
}

export interface RouteMatch {
  routes: Map<string, Route>;
  params: Record<string, string>;
}

/** The Template's routes; the returned function finds the ones of a path (by method) and its parameters. */
export function templateRoutes(
  state: SimState,
  { settingsShape: shape, endpointOn, brokenCustomRequests }: RouteOptions,
): (path: string) => RouteMatch | undefined {
  const { data, faults, alternation } = state;

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
        if (offset > 0 && mode === "insert") state.mutator.addAtTop(entity);
        if (offset > 0 && mode === "remove") state.mutator.removeTop(entity);
        const cap = faults.limitCap(entity);
        const size = cap === undefined ? limit : Math.min(limit, cap);
        let rows: SimRecordMap[PagedEntity][] = ensureSorted(data, entity);
        if (mode === "ties") rows = shuffleTies(entity, rows, state.tieRng);
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
        if (entity === "custom_requests" && brokenCustomRequests) {
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

  function match(path: string): RouteMatch | undefined {
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

  return match;
}
