/**
 * The simulated Template's request pipeline: routing, the faults that act on the exchange (latency, hang,
 * status, HTML, malformed body), the API key check, and the request log entry of every answer.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { setTimeout as sleep } from "node:timers/promises";
import { FLASK_404, FLASK_405, HTML_TYPE, htmlPage, json, type Reply, redactQuery, sameSecret } from "./http";
import type { RouteMatch, SimState } from "./routes";
import type { AuthOutcome, RequestRecord } from "./server";

export interface TemplateSetup {
  state: SimState;
  match: (path: string) => RouteMatch | undefined;
  /** The site's own export key (a revoked key is still recognised as the one that was revoked). */
  apiKey: string;
  masterKey: string | undefined;
  siteName: string;
  log: (entry: RequestRecord) => void;
  /** Aborted when the simulator closes: pending latency ends. */
  closing: AbortSignal;
}

/** Answers one request to the Template's own paths. */
export function templateHandler({
  state,
  match,
  apiKey,
  masterKey,
  siteName,
  log,
  closing,
}: TemplateSetup): (req: IncomingMessage, res: ServerResponse, url: URL) => Promise<void> {
  const { data, faults } = state;

  function authOf(req: IncomingMessage): AuthOutcome {
    const raw = req.headers["x-api-key"];
    const given = Array.isArray(raw) ? raw[0] : raw;
    if (!given) return "missing";
    // Both comparisons always run (constant time, like the Template).
    const site = sameSecret(given, data.settings.export_api_key);
    const master = sameSecret(given, masterKey);
    return master ? "master_key" : site ? "site_key" : "invalid";
  }

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
    if (latency > 0) await sleep(latency, undefined, { signal: closing });

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
        const revoked = faults.keyRevoked && auth === "invalid" && sameSecret(headerKey(req), apiKey);
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

  return handleTemplate;
}
