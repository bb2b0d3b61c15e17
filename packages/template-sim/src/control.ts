/**
 * The control API under `/__sim/` (unauthenticated test tool: never expose it): faults, data changes,
 * settings, the request log and reset.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { z } from "zod";
import { type FaultSpecInput, FaultTarget } from "./faults";
import { HttpError, JSON_TYPE, readJson, safeDecode } from "./http";
import { ReorderableEntity, SimEntity } from "./schema";
import type { Sim } from "./server";

const CONTROL_ENTITY = z
  .string()
  .transform((s) => s.replace(/-/g, "_"))
  .pipe(SimEntity);
const CountBody = z.object({ n: z.number().int().min(0).max(1_000_000).default(1) }).strict();
const SettingBody = z.object({ value: z.string() }).strict();

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

/** The control API's answer to a failed call: `{ error: { code, message, details } }`. */
export function controlError(res: ServerResponse, error: unknown): void {
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
}

export async function handleControl(
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  sim: Sim,
  info: () => unknown,
): Promise<void> {
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
      if (method === "GET") return controlJson(res, 200, sim.faults.snapshot());
      if (method === "DELETE") {
        sim.faults.reset();
        return controlJson(res, 204);
      }
      notAllowed();
    }
    if (a === "reset" && b === undefined) {
      if (method !== "POST") notAllowed();
      sim.faults.reset();
      return controlJson(res, 204);
    }
    const target = FaultTarget.safeParse(a);
    if (!target.success || b !== undefined) throw new HttpError(404, "not_found", `no fault target ${a}`);
    if (method === "GET")
      return controlJson(res, 200, { target: target.data, fault: sim.faults.get(target.data) ?? null });
    if (method === "DELETE") {
      sim.faults.clear(target.data);
      return controlJson(res, 204);
    }
    if (method === "PUT" || method === "PATCH") {
      const body = (await readJson(req, 1024 * 1024)) as FaultSpecInput;
      const fault =
        method === "PUT" ? sim.faults.set(target.data, body) : sim.faults.update(target.data, body);
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
      return controlJson(res, 200, { settings: sim.data.settings });
    }
    if (method === "PUT") {
      const { value } = SettingBody.parse(await readJson(req, 1024 * 1024));
      sim.setSetting(a, value);
      return controlJson(res, 200, { key: a, value });
    }
    if (method === "DELETE") {
      delete sim.data.settings[a];
      return controlJson(res, 204);
    }
    notAllowed();
  }
  if (section === "requests" && a === undefined) {
    if (method === "GET") return controlJson(res, 200, { requests: sim.requests });
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
