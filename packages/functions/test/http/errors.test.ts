/**
 * The one error mapping (http/errors.ts): what each kind of failure becomes on the wire, through a small app
 * that throws on purpose and through the admin app's own validation, body limit and media-type checks
 * (none of which reach storage).
 */
import { parseAdminTokens } from "@dashboard/core/auth";
import { createCtx } from "@dashboard/core/context";
import { generateKeyRingEntry } from "@dashboard/core/crypto";
import { VisibleError } from "@dashboard/core/error";
import { createApiApp } from "@dashboard/functions/http/app";
import { errorHandler, notFoundHandler } from "@dashboard/functions/http/errors";
import { requestLogging } from "@dashboard/functions/http/logging";
import { Hono } from "hono";
import { HTTPException } from "hono/http-exception";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { ADMIN_TOKEN, call, collectingLogger, errorOf, type LogLine, logText } from "./client";

const SECRET_IN_ERROR = "AKIAEXAMPLESECRET arn:aws:dynamodb:eu-west-1:123456789012:table/prod-table";

function throwingApp(logs: LogLine[]) {
  const logger = collectingLogger(logs);
  const app = new Hono();
  app.use("*", requestLogging(logger));
  app.get("/visible", () => {
    throw new VisibleError("not_found", "site_not_found", 'No site with id "x"', { site_id: "x" });
  });
  app.get("/conflict", () => {
    throw new VisibleError("conflict", "site_exists", "exists");
  });
  app.get("/visible-internal", () => {
    throw new VisibleError("internal", "oops", `internal detail ${SECRET_IN_ERROR}`);
  });
  app.get("/zod", () => {
    z.object({ limit: z.number().max(200) }).parse({ limit: 500 });
    return new Response("unreachable");
  });
  app.get("/crash", () => {
    throw new Error(`ResourceNotFoundException: ${SECRET_IN_ERROR}`);
  });
  app.get("/teapot", () => {
    throw new HTTPException(418, { message: "short and stout" });
  });
  app.onError(errorHandler(logger));
  app.notFound(notFoundHandler);
  return app;
}

describe("error mapping", () => {
  it("answers a VisibleError with its status, kind as code, its code as reason and its details", async () => {
    const app = throwingApp([]);
    const res = await call(app, "GET", "/visible");
    expect(res.status).toBe(404);
    expect(res.json).toEqual({
      error: {
        code: "not_found",
        reason: "site_not_found",
        message: 'No site with id "x"',
        details: { site_id: "x" },
      },
    });
    const conflict = await call(app, "GET", "/conflict");
    expect(conflict.status).toBe(409);
    expect(errorOf(conflict)).toMatchObject({ code: "conflict", reason: "site_exists" });
  });

  it("answers a ZodError with 400 invalid_request and the failing fields", async () => {
    const res = await call(throwingApp([]), "GET", "/zod");
    expect(res.status).toBe(400);
    expect(errorOf(res)).toMatchObject({
      code: "invalid_request",
      details: { issues: [{ path: "limit" }] },
    });
  });

  it("answers anything else with a bare 500, logs it with the request id, and leaks nothing", async () => {
    const logs: LogLine[] = [];
    const app = throwingApp(logs);
    for (const path of ["/crash", "/visible-internal"]) {
      const res = await call(app, "GET", path);
      expect(res.status).toBe(500);
      expect(res.json).toEqual({ error: { code: "internal", message: "Internal error" } });
      expect(res.text).not.toContain("AKIA");
      expect(res.text).not.toMatch(/stack|dynamodb|at .*\.ts/i);
      const id = res.headers.get("x-request-id");
      expect(id).toBeTruthy();
      const logged = logs.find(
        (l) => l.message === "unhandled error" && JSON.stringify(l.extra).includes(id ?? "?"),
      );
      expect(logged?.level).toBe("error");
    }
    expect(logText(logs)).toContain("ResourceNotFoundException");
  });

  it("keeps an HTTP exception's 4xx status", async () => {
    const res = await call(throwingApp([]), "GET", "/teapot");
    expect(res.status).toBe(418);
    expect(errorOf(res).code).toBe("http_418");
  });

  it("answers unknown routes 404 in the same shape", async () => {
    const res = await call(throwingApp([]), "GET", "/nowhere");
    expect(res.status).toBe(404);
    expect(errorOf(res)).toMatchObject({ code: "not_found", reason: "route_not_found" });
  });
});

describe("admin request checks before storage", () => {
  const logs: LogLine[] = [];
  const app = createApiApp({
    ctx: createCtx({
      table: "never-used",
      encryptionKeys: generateKeyRingEntry(),
      queueUrl: "http://127.0.0.1:9/q",
    }),
    tokens: parseAdminTokens(ADMIN_TOKEN),
    logger: collectingLogger(logs),
    bodyLimitBytes: 4 * 1024,
  });

  it("answers malformed JSON with 400 invalid_request", async () => {
    const res = await call(app, "POST", "/api/sites", {
      body: '{"name": "Atelier", "api_key": ',
      headers: { "content-type": "application/json" },
    });
    expect(res.status).toBe(400);
    expect(errorOf(res)).toMatchObject({ code: "invalid_request", reason: "malformed_body" });
  });

  it("answers a body over the limit with 413 before reading it", async () => {
    const res = await call(app, "POST", "/api/sites", {
      json: { name: "x".repeat(5 * 1024), template_url: "https://a.example", api_key: "k" },
    });
    expect(res.status).toBe(413);
    expect(errorOf(res).code).toBe("payload_too_large");
  });

  it("answers a body that is not JSON with 415", async () => {
    const res = await call(app, "POST", "/api/sites", {
      body: "name=Atelier",
      headers: { "content-type": "application/x-www-form-urlencoded" },
    });
    expect(res.status).toBe(415);
    expect(errorOf(res).code).toBe("unsupported_media_type");
  });

  it("lists the failing fields of a bad body without echoing their values", async () => {
    const res = await call(app, "POST", "/api/sites", {
      json: { name: "", template_url: "ftp://files.example", api_key: "tpl-secret-should-not-echo" },
    });
    expect(res.status).toBe(400);
    const error = errorOf(res);
    expect(error).toMatchObject({ code: "invalid_request", reason: "validation_failed" });
    const paths = (error.details as { issues: { path: string; location: string }[] }).issues.map(
      (i) => i.path,
    );
    expect(paths).toEqual(expect.arrayContaining(["name", "template_url"]));
    expect(res.text).not.toContain("tpl-secret-should-not-echo");
    expect(logText(logs)).not.toContain("tpl-secret-should-not-echo");
  });

  it("answers bad query parameters with 400 and says which", async () => {
    for (const query of ["limit=0", "limit=201", "limit=ten", "include_deleted=perhaps", "cursor="]) {
      const res = await call(app, "GET", `/api/paintings?${query}`);
      expect({ query, status: res.status }).toEqual({ query, status: 400 });
      expect(errorOf(res).code).toBe("invalid_request");
    }
    for (const query of ["wait=26", "wait=-1", "wait=soon"]) {
      const res = await call(app, "POST", `/api/sync/template/atelier?${query}`);
      expect({ query, status: res.status }).toEqual({ query, status: 400 });
    }
  });

  it("answers a bad sync body with 400", async () => {
    for (const json of [{ entities: [] }, { entities: ["tableaux"] }, { entity: ["paintings"] }]) {
      const res = await call(app, "POST", "/api/sync/template/atelier", { json });
      expect({ json, status: res.status }).toEqual({ json, status: 400 });
    }
  });

  it("answers a non-numeric record id with 400", async () => {
    const res = await call(app, "GET", "/api/sites/atelier/paintings/abc");
    expect(res.status).toBe(400);
  });

  it("tags every response with a request id and logs one line per request without query or body", async () => {
    const before = logs.length;
    const res = await call(app, "GET", "/api/paintings?limit=0&q=needle-in-query");
    const id = res.headers.get("x-request-id");
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    const line = logs.slice(before).find((l) => l.message === "request");
    expect(line?.extra[0]).toMatchObject({
      request_id: id,
      method: "GET",
      route: "/api/paintings",
      status: 400,
    });
    expect(logText(logs)).not.toContain("needle-in-query");
  });
});
