/**
 * Integration tests of the Template client over real HTTP: against template-sim (a simulated Template
 * site on 127.0.0.1) and, for transport-level failures the sim does not model, a bare node:http server.
 * Retry waits go through an injected `sleep` that records and returns at once, so no test waits on
 * backoff; only the timeout tests wait, for a short timeout.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { type Sim, startSim } from "@dashboard/template-sim";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { type Page, TemplateClient, type TemplateClientOptions } from "../src/template/client";
import { TemplateError } from "../src/template/errors";

const KEY = "sim-export-key-5b1f0c9e7d2a4e8f";

const failure = async (promise: Promise<unknown>): Promise<TemplateError> => {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(TemplateError);
    return error as TemplateError;
  }
  throw new Error("expected a TemplateError, got a success");
};

const collect = async (pages: AsyncGenerator<Page, void, undefined>): Promise<Page[]> => {
  const out: Page[] = [];
  for await (const page of pages) out.push(page);
  return out;
};

const idsOf = (pages: Page[]): number[] =>
  pages.flatMap((p) => p.records.map((r) => (r as { id: number }).id));

/** A client whose retry waits are recorded, not slept. */
const clientFor = (baseUrl: string, opts: Partial<TemplateClientOptions> = {}) => {
  const sleeps: number[] = [];
  const client = new TemplateClient({
    baseUrl,
    apiKey: KEY,
    sleep: async (ms) => {
      sleeps.push(ms);
    },
    ...opts,
  });
  return { client, sleeps };
};

/** A bare HTTP server on 127.0.0.1 for transport-level behaviour. */
const startRaw = async (handler: (req: IncomingMessage, res: ServerResponse) => void) => {
  const server: Server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  const requests: { url: string; key: string | undefined }[] = [];
  server.on("request", (req: IncomingMessage) => {
    requests.push({ url: req.url ?? "", key: req.headers["x-api-key"] as string | undefined });
  });
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
};

describe("TemplateClient against template-sim", () => {
  let sim: Sim;

  beforeAll(async () => {
    sim = await startSim({ apiKey: KEY, seed: 7, sizes: { paintings: 57, users: 40, orders: 30 } });
  });
  afterAll(async () => {
    await sim.close();
  });
  afterEach(() => {
    sim.reset(); // initial data back, faults and request log cleared
  });

  const requestsTo = (path: string) => sim.requests.filter((r) => r.path === path);

  it("reads every paged entity to the real end with the Template's default limits", async () => {
    const { client } = clientFor(sim.url);
    for (const [entity, size, limit] of [
      ["paintings", 57, "200"],
      ["users", 40, "500"],
      ["orders", 30, "100"],
    ] as const) {
      const pages = await collect(client.pages(entity));
      expect(pages).toHaveLength(1);
      expect(new Set(idsOf(pages)).size).toBe(size);
      const requests = requestsTo(`/api/export/${entity}`);
      expect(requests.map((r) => r.query.offset)).toEqual(["0", String(size)]);
      expect(requests.every((r) => r.query.limit === limit)).toBe(true);
    }
  });

  it("reads to the end when the server caps the page below the asked limit", async () => {
    sim.faults.set("paintings", { limitCap: 10 });
    const { client } = clientFor(sim.url);

    const pages = await collect(client.pages("paintings", { pageSize: 25 }));

    expect(pages.map((p) => p.records.length)).toEqual([10, 10, 10, 10, 10, 7]);
    expect(new Set(idsOf(pages)).size).toBe(57);
    expect(requestsTo("/api/export/paintings").map((r) => r.query.offset)).toEqual([
      "0",
      "10",
      "20",
      "30",
      "40",
      "50",
      "57",
    ]);
  });

  it("retries a 503 and then reads the page (two requests for it)", async () => {
    sim.faults.set("orders", { status: 503, times: 1 });
    const { client, sleeps } = clientFor(sim.url);

    const pages = await collect(client.pages("orders"));

    expect(idsOf(pages)).toHaveLength(30);
    const firstPage = requestsTo("/api/export/orders").filter((r) => r.query.offset === "0");
    expect(firstPage.map((r) => r.status)).toEqual([503, 200]);
    expect(sleeps).toHaveLength(1);
  });

  it("gives up on a persistent 5xx with server_error and the Template's text", async () => {
    sim.faults.set("stats", { status: 500, times: 10, message: "could not connect to server" });
    const { client } = clientFor(sim.url, { retries: 2 });

    const error = await failure(client.stats());

    expect(error).toMatchObject({ code: "server_error", status: 500, attempts: 3, retryable: true });
    expect(error.message).toContain("could not connect to server");
    expect(requestsTo("/api/export/stats")).toHaveLength(3);
  });

  it("waits what a 429's Retry-After asks, then succeeds", async () => {
    sim.faults.set("users", { status: 429, times: 1, retryAfter: 2 });
    const { client, sleeps } = clientFor(sim.url);

    const pages = await collect(client.pages("users"));

    expect(idsOf(pages)).toHaveLength(40);
    expect(sleeps).toEqual([2_000]);
  });

  it("fails a page that is cut in the middle with malformed_json, without retrying", async () => {
    sim.faults.set("paintings", { malformed: 1 });
    const { client } = clientFor(sim.url);

    const error = await failure(collect(client.pages("paintings")));

    expect(error).toMatchObject({ code: "malformed_json", retryable: false });
    expect(requestsTo("/api/export/paintings")).toHaveLength(1);
  });

  it("fails an HTML page with unexpected_response", async () => {
    sim.faults.set("settings", { html: 1 });
    const { client } = clientFor(sim.url);

    const error = await failure(client.settings());

    expect(error).toMatchObject({ code: "unexpected_response", retryable: false });
    expect(error.message).toMatch(/HTML page/);
  });

  it("a wrong key → invalid_api_key after one request, and the key is in no message", async () => {
    const { client } = clientFor(sim.url, { apiKey: "wrong-key-0000" });

    const error = await failure(collect(client.pages("users")));

    expect(error).toMatchObject({ code: "invalid_api_key", status: 401, retryable: false });
    expect(error.message).toContain("invalid_api_key");
    expect(requestsTo("/api/export/users")).toHaveLength(1);
    expect(`${error.message} ${error.url} ${JSON.stringify(error)}`).not.toContain("wrong-key-0000");
  });

  it("a key revoked mid-scan stops the scan with invalid_api_key", async () => {
    sim.faults.set("paintings", { revokeKeyAfter: 2 });
    const { client } = clientFor(sim.url);
    const seen: Page[] = [];

    const error = await failure(
      (async () => {
        for await (const page of client.pages("paintings", { pageSize: 10, prefetch: false }))
          seen.push(page);
      })(),
    );

    expect(error.code).toBe("invalid_api_key");
    expect(seen).toHaveLength(2);
  });

  it("a scan failing half-way reports server_error at that offset", async () => {
    sim.faults.set("paintings", { failAtOffset: 20 });
    const { client } = clientFor(sim.url, { retries: 1 });
    const seen: Page[] = [];

    const error = await failure(
      (async () => {
        for await (const page of client.pages("paintings", { pageSize: 10 })) seen.push(page);
      })(),
    );

    expect(error.code).toBe("server_error");
    expect(error.url).toContain("offset=20");
    expect(seen.map((p) => p.offset)).toEqual([0, 10]);
  });

  it("keeps paging when a row shifts onto the next page (rows removed at the top)", async () => {
    sim.faults.set("paintings", { unstableOrder: "remove" });
    const { client } = clientFor(sim.url);

    const pages = await collect(client.pages("paintings", { pageSize: 10 }));

    // Offset paging over a shrinking table skips rows; the scan still ends on an empty page.
    expect(pages.length).toBeGreaterThan(1);
    expect(new Set(idsOf(pages)).size).toBeLessThan(57);
    const last = requestsTo("/api/export/paintings").at(-1)!;
    expect(last.status).toBe(200);
  });

  it("stops with pagination_loop on a table that grows with every page request", async () => {
    // "insert" puts a new row on top before every page: the tail page keeps coming back, so no scan can
    // reach an empty page. Rows repeat across pages on the way (the sync engine dedupes them by id).
    sim.faults.set("users", { unstableOrder: "insert" });
    const { client } = clientFor(sim.url);
    const seen: Page[] = [];

    const error = await failure(
      (async () => {
        for await (const page of client.pages("users", { pageSize: 10 })) seen.push(page);
      })(),
    );

    expect(error).toMatchObject({ code: "pagination_loop", retryable: false });
    const ids = idsOf(seen);
    expect(ids.length).toBeGreaterThan(new Set(ids).size);
  });

  it("times out a hung request and succeeds on the retry", async () => {
    sim.faults.set("stats", { hang: 1 });
    const { client, sleeps } = clientFor(sim.url, { timeoutMs: 1_500, retries: 1 });

    const result = await client.stats();

    expect(result.stats.paintings_count).toBe(57);
    expect(sleeps).toHaveLength(1);
    expect(requestsTo("/api/export/stats").length).toBeGreaterThanOrEqual(1);
  });

  it("reports timeout when the server keeps hanging", async () => {
    sim.faults.set("exhibitions", { hang: 2 });
    const { client } = clientFor(sim.url, { timeoutMs: 300, retries: 1 });

    const error = await failure(client.exhibitions());

    expect(error).toMatchObject({ code: "timeout", attempts: 2, retryable: true });
  });

  it("reads the flat settings shape the Template really serves", async () => {
    const { client } = clientFor(sim.url);

    const settings = await client.settings();
    const byKey = new Map(settings.map((s) => [s.key, s.value]));

    expect(byKey.has("site_name")).toBe(true);
    expect(byKey.get("saas_site_price_cache")).toBe("490.00");
  });

  it("reads stats, exhibitions and custom requests", async () => {
    const { client } = clientFor(sim.url);

    const { stats, timestamp } = await client.stats();
    expect(stats).toMatchObject({ paintings_count: 57, users_count: 40, orders_count: 30 });
    expect(typeof timestamp).toBe("string");
    expect((await client.exhibitions()).length).toBeGreaterThan(0);
    expect((await client.customRequests()).length).toBeGreaterThan(0);
  });
});

describe("TemplateClient against other template-sim sites", () => {
  it("reads the documented settings shape", async () => {
    const sim = await startSim({ apiKey: KEY, settingsShape: "documented" });
    try {
      const settings = await clientFor(sim.url).client.settings();
      const byKey = new Map(settings.map((s) => [s.key, s.value]));
      expect(byKey.get("saas_site_price_cache")).toBe("490.00");
      expect(byKey.get("smtp_password")).toBe("***MASKED***");
    } finally {
      await sim.close();
    }
  });

  it("reports endpoint_not_found for the optional endpoints of an older Template", async () => {
    const sim = await startSim({
      apiKey: KEY,
      endpoints: { exhibitions: false, stats: false, custom_requests: false },
    });
    try {
      const { client } = clientFor(sim.url);
      for (const call of [() => client.exhibitions(), () => client.stats(), () => client.customRequests()]) {
        const error = await failure(call());
        expect(error).toMatchObject({
          code: "endpoint_not_found",
          status: 404,
          retryable: false,
          attempts: 1,
        });
      }
      expect(await client.settings()).not.toHaveLength(0);
    } finally {
      await sim.close();
    }
  });

  it("reads a large single page", async () => {
    const sim = await startSim({ apiKey: KEY, sizes: { users: 20_000 } });
    try {
      const pages = await collect(clientFor(sim.url).client.pages("users", { pageSize: 20_000 }));
      expect(pages).toHaveLength(1);
      expect(new Set(idsOf(pages)).size).toBe(20_000);
    } finally {
      await sim.close();
    }
  });
});

describe("TemplateClient transport failures over real HTTP", () => {
  it("a closed port → connection_refused, retried", async () => {
    const raw = await startRaw((_, res) => res.end());
    await raw.close();
    const { client, sleeps } = clientFor(raw.url, { retries: 2 });

    const error = await failure(client.settings());

    expect(error).toMatchObject({ code: "connection_refused", attempts: 3, retryable: true });
    expect(sleeps).toHaveLength(2);
  });

  it("a connection dropped in the middle of the body → network_error", async () => {
    const raw = await startRaw((_, res) => {
      res.writeHead(200, { "content-type": "application/json", "content-length": "1000" });
      res.write('{"exhibitions": [');
      setImmediate(() => res.destroy());
    });
    try {
      const error = await failure(clientFor(raw.url, { retries: 1 }).client.exhibitions());
      expect(error).toMatchObject({ code: "network_error", attempts: 2, retryable: true });
      expect(raw.requests).toHaveLength(2);
    } finally {
      await raw.close();
    }
  });

  it("does not follow a redirect to another origin, so the key stays home", async () => {
    const elsewhere = await startRaw((_, res) => res.end("{}"));
    const raw = await startRaw((_, res) => {
      res.writeHead(302, { location: `${elsewhere.url}/api/export/settings` }).end();
    });
    try {
      const error = await failure(clientFor(raw.url).client.settings());
      expect(error).toMatchObject({ code: "redirect_refused", status: 302 });
      expect(elsewhere.requests).toHaveLength(0);
    } finally {
      await raw.close();
      await elsewhere.close();
    }
  });

  it("follows a same-origin redirect, sending the key again", async () => {
    const raw = await startRaw((req, res) => {
      if (req.url === "/api/export/stats") res.writeHead(301, { location: "/new/api/export/stats" }).end();
      else
        res.writeHead(200, { "content-type": "application/json" }).end('{"stats": {"paintings_count": 3}}');
    });
    try {
      expect(await clientFor(raw.url).client.stats()).toEqual({ stats: { paintings_count: 3 } });
      expect(raw.requests.map((r) => [r.url, r.key])).toEqual([
        ["/api/export/stats", KEY],
        ["/new/api/export/stats", KEY],
      ]);
    } finally {
      await raw.close();
    }
  });
});
