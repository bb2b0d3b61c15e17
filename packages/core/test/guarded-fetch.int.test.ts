/**
 * The production Template `fetch` (ssrf.ts `lookupFetch`, which `createGuardedFetch` wraps with the guard) on
 * Node's own HTTP stack: what the Template client relies on, against real local servers. The guard itself is
 * tested in ssrf.int.test.ts; here the lookup lets loopback through.
 */
import dns from "node:dns";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo, LookupFunction } from "node:net";
import { startSim } from "@dashboard/template-sim";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { lookupFetch } from "../src/ssrf";
import { TemplateClient } from "../src/template/client";

const passthrough: LookupFunction = (hostname, options, callback) => dns.lookup(hostname, options, callback);

describe("lookupFetch", () => {
  const fetchVia = lookupFetch(passthrough);
  const seen: { method?: string; url?: string; headers: IncomingMessage["headers"] }[] = [];
  const sockets = new Set<unknown>();
  const routes: Record<string, (req: IncomingMessage, res: ServerResponse) => void> = {
    "/json": (_req, res) => {
      res.setHeader("content-type", "application/json");
      res.setHeader("x-multi", ["a", "b"]);
      res.end(
        JSON.stringify({ paintings: Array.from({ length: 5000 }, (_, id) => ({ id, name: "Nymphéas" })) }),
      );
    },
    "/moved": (_req, res) => {
      res.statusCode = 302;
      res.setHeader("location", "/json");
      res.end();
    },
    "/empty": (_req, res) => {
      res.statusCode = 204;
      res.end();
    },
    "/error": (_req, res) => {
      res.statusCode = 503;
      res.setHeader("retry-after", "2");
      res.end(JSON.stringify({ error: "busy" }));
    },
    "/hang": () => undefined,
  };
  const server = createServer((req, res) => {
    sockets.add(req.socket);
    seen.push({ method: req.method, url: req.url, headers: req.headers });
    (routes[req.url ?? ""] ?? routes["/empty"])?.(req, res);
  });
  let base = "";

  beforeAll(async () => {
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    base = `http://localhost:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  it("returns the status, every header and the whole body, and sends the caller's headers", async () => {
    const res = await fetchVia(new URL(`${base}/json`), {
      method: "GET",
      headers: { "X-API-Key": "k-123", Accept: "application/json" },
      redirect: "manual",
    });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("application/json");
    expect(res.headers.get("x-multi")).toBe("a, b");
    const body = (await res.json()) as { paintings: { id: number; name: string }[] };
    expect(body.paintings).toHaveLength(5000);
    expect(body.paintings[4999]).toEqual({ id: 4999, name: "Nymphéas" });
    expect(seen.at(-1)?.headers["x-api-key"]).toBe("k-123");
  });

  it("hands a redirect back without following it", async () => {
    const before = seen.length;
    const res = await fetchVia(`${base}/moved`, { redirect: "manual" });
    expect(res.status).toBe(302);
    expect(res.headers.get("location")).toBe("/json");
    expect(seen.length - before).toBe(1);
  });

  it("gives error statuses with their headers and body, and no body where there is none", async () => {
    const error = await fetchVia(`${base}/error`);
    expect(error.status).toBe(503);
    expect(error.headers.get("retry-after")).toBe("2");
    expect(await error.json()).toEqual({ error: "busy" });
    const empty = await fetchVia(`${base}/empty`);
    expect(empty.status).toBe(204);
    expect(empty.body).toBeNull();
    const head = await fetchVia(`${base}/json`, { method: "HEAD" });
    expect(head.status).toBe(200);
    expect(await head.text()).toBe("");
  });

  it("reuses its connections", async () => {
    sockets.clear();
    for (let i = 0; i < 5; i++) await (await fetchVia(`${base}/json`)).arrayBuffer();
    expect(sockets.size).toBe(1);
  });

  it("stops a request its signal aborts", async () => {
    const controller = new AbortController();
    const pending = fetchVia(`${base}/hang`, { signal: controller.signal });
    setTimeout(() => controller.abort(new Error("give up")), 50);
    await expect(pending).rejects.toThrow();
  });

  it("refuses what the Template client never sends: a body, another method, another protocol", async () => {
    await expect(fetchVia(`${base}/json`, { method: "POST", body: "{}" })).rejects.toThrow(
      /only GET and HEAD/,
    );
    await expect(fetchVia(`${base}/json`, { method: "DELETE" })).rejects.toThrow(/only GET and HEAD/);
    await expect(fetchVia("file:///etc/passwd")).rejects.toThrow(/not http/);
  });

  it("carries the Template client through every page of a simulated Template", async () => {
    const sim = await startSim({ apiKey: "tpl-key-guarded", sizes: { paintings: 450 } });
    try {
      const client = new TemplateClient({ baseUrl: sim.url, apiKey: "tpl-key-guarded", fetch: fetchVia });
      let records = 0;
      for await (const page of client.pages("paintings")) records += page.records.length;
      expect(records).toBe(sim.served("paintings").length);
      expect((await client.settings()).length).toBeGreaterThan(0);
    } finally {
      await sim.close();
    }
  });
});
