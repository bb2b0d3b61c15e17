/**
 * Unit tests of the Template client: an injected fake `fetch` plays the Template (no network), an
 * injected `sleep` records the backoff instead of waiting, an injected `random` pins the jitter.
 */
import fc from "fast-check";
import { describe, expect, it, vi } from "vitest";
import packageJson from "../package.json" with { type: "json" };
import {
  PAGES_AHEAD,
  type Page,
  type RetryEvent,
  TemplateClient,
  type TemplateClientOptions,
} from "../src/template/client";
import {
  REDACTED,
  redactSecret,
  TemplateAuthenticationError,
  TemplateConfigError,
  TemplateConnectionError,
  TemplateError,
  TemplateHttpError,
  TemplateNotFoundError,
  TemplateValidationError,
} from "../src/template/errors";
import { parseRetryAfter } from "../src/template/failure";
import { backoffDelay } from "../src/util/retry";

const KEY = "sk-live-7f3a9b2c4d5e6f708192a3b4c5d6e7f8";
const BASE = "https://site.example";

interface Call {
  url: URL;
  headers: Headers;
  init: RequestInit | undefined;
  signal: AbortSignal | undefined;
}
type Handler = (call: Call, index: number) => Response | Promise<Response>;

/** A scripted fake fetch: each call goes to the handler; `calls` records what the client sent. */
const fakeFetch = (handler: Handler) => {
  const calls: Call[] = [];
  const fetchImpl = (async (input: string | URL | Request, init?: RequestInit) => {
    const url = new URL(input instanceof Request ? input.url : String(input));
    const call: Call = { url, headers: new Headers(init?.headers), init, signal: init?.signal ?? undefined };
    calls.push(call);
    return handler(call, calls.length - 1);
  }) as typeof fetch;
  return { fetch: fetchImpl, calls };
};

/** A script: one handler per call, the last one repeating. */
const script =
  (...steps: Handler[]): Handler =>
  (call, index) =>
    steps[Math.min(index, steps.length - 1)]!(call, index);

const json =
  (body: unknown, status = 200, headers: Record<string, string> = {}) =>
  () =>
    new Response(JSON.stringify(body), {
      status,
      headers: { "content-type": "application/json", ...headers },
    });
const raw =
  (body: string, status = 200, headers: Record<string, string> = {}) =>
  () =>
    new Response(body, { status, headers });

/** A fetch that never answers until its signal aborts (as undici does). */
const hang: Handler = (call) =>
  new Promise<Response>((_, reject) => {
    call.signal?.addEventListener("abort", () => reject(call.signal?.reason), { once: true });
  });

const networkError = (code: string) => () => {
  throw new TypeError("fetch failed", {
    cause: Object.assign(new Error(`connect ${code} 10.0.0.1:443`), { code }),
  });
};

const makeClient = (handler: Handler, opts: Partial<TemplateClientOptions> = {}) => {
  const fake = fakeFetch(handler);
  const sleeps: number[] = [];
  const retries: RetryEvent[] = [];
  const client = new TemplateClient({
    baseUrl: BASE,
    apiKey: KEY,
    fetch: fake.fetch,
    sleep: async (ms) => {
      sleeps.push(ms);
    },
    random: () => 0.5,
    onRetry: (e) => retries.push(e),
    ...opts,
  });
  return { client, calls: fake.calls, sleeps, retries };
};

/** A Template table served with offset paging, optionally capped by a proxy, optionally ignoring offset. */
const pagedServer =
  (entity: string, total: number, opts: { cap?: number; ignoreOffset?: boolean } = {}): Handler =>
  (call) => {
    const limit = Number(call.url.searchParams.get("limit"));
    const offset = opts.ignoreOffset ? 0 : Number(call.url.searchParams.get("offset"));
    const size = Math.max(0, Math.min(limit, opts.cap ?? limit, total - offset));
    const records = Array.from({ length: size }, (_, i) => ({
      id: total - offset - i,
      name: `n${offset + i}`,
    }));
    return json({ [entity]: records, count: records.length })();
  };

const collect = async (pages: AsyncGenerator<Page, void, undefined>): Promise<Page[]> => {
  const out: Page[] = [];
  for await (const page of pages) out.push(page);
  return out;
};

const failure = async (promise: Promise<unknown>): Promise<TemplateError> => {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(TemplateError);
    return error as TemplateError;
  }
  throw new Error("expected a TemplateError, got a success");
};

/** Everything a log line could show of an error, to check that the key never appears. */
const everythingShown = (error: TemplateError): string =>
  [error.message, error.url, error.stack ?? "", JSON.stringify(error), String(error.cause ?? "")].join("\n");

describe("TemplateClient requests", () => {
  it("sends the key in X-API-Key only, with Accept and the Dashboard's User-Agent", async () => {
    const { client, calls } = makeClient(json({ exhibitions: [] }));

    await client.exhibitions();

    expect(calls).toHaveLength(1);
    const [call] = calls;
    expect(call!.headers.get("x-api-key")).toBe(KEY);
    expect(call!.headers.get("accept")).toBe("application/json");
    expect(call!.headers.get("user-agent")).toBe(`ArtworksdigitalDashboard/${packageJson.version}`);
    expect(call!.init?.method).toBe("GET");
    expect(call!.init?.redirect).toBe("manual");
    expect(call!.url.href).toBe(`${BASE}/api/export/exhibitions`);
    expect(call!.url.href).not.toContain(KEY);
  });

  it("joins endpoint paths under a base URL with a path prefix and a trailing slash", async () => {
    const { client, calls } = makeClient(json({ custom_requests: [{ id: 1 }] }), {
      baseUrl: "https://host.example/artist/?ignored=1#frag",
    });

    const records = await client.customRequests();

    expect(records).toEqual([{ id: 1 }]);
    expect(calls[0]!.url.href).toBe("https://host.example/artist/api/export/custom-requests");
    expect(client.baseUrl).toBe("https://host.example/artist");
  });

  it("accepts a custom User-Agent", async () => {
    const { client, calls } = makeClient(json({ exhibitions: [] }), { userAgent: "Probe/2" });
    await client.exhibitions();
    expect(calls[0]!.headers.get("user-agent")).toBe("Probe/2");
  });

  it("rejects unusable options without echoing the key", () => {
    const base = { apiKey: KEY, fetch: fakeFetch(json({})).fetch };
    expect(() => new TemplateClient({ ...base, baseUrl: "not a url" })).toThrow(TemplateConfigError);
    expect(() => new TemplateClient({ ...base, baseUrl: "ftp://x.example" })).toThrow(/http\(s\)/);
    expect(() => new TemplateClient({ ...base, baseUrl: "https://u:p@x.example" })).toThrow(/credentials/);
    expect(() => new TemplateClient({ ...base, baseUrl: BASE, apiKey: "" })).toThrow(/empty/);
    const badKey = `${KEY}\r\nX-Injected: 1`;
    try {
      new TemplateClient({ ...base, baseUrl: BASE, apiKey: badKey });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(TemplateConfigError);
      expect((error as TemplateConfigError).code).toBe("invalid_config");
      expect((error as Error).message).not.toContain(KEY);
    }
    expect(() => new TemplateClient({ ...base, baseUrl: BASE, retries: -1 })).toThrow(RangeError);
    expect(() => new TemplateClient({ ...base, baseUrl: BASE, timeoutMs: 0 })).toThrow(RangeError);
  });
});

describe("TemplateClient.pages", () => {
  it("reads to the real end when a proxy caps the page size below the asked limit", async () => {
    const { client, calls } = makeClient(pagedServer("paintings", 23, { cap: 5 }));

    const pages = await collect(client.pages("paintings", { pageSize: 10 }));

    expect(pages.map((p) => p.records.length)).toEqual([5, 5, 5, 5, 3]);
    expect(pages.map((p) => p.offset)).toEqual([0, 5, 10, 15, 20]);
    expect(pages.map((p) => p.nextOffset)).toEqual([5, 10, 15, 20, 23]);
    expect(pages.map((p) => p.index)).toEqual([0, 1, 2, 3, 4]);
    expect(pages.every((p) => p.requestedLimit === 10)).toBe(true);
    const ids = pages.flatMap((p) => p.records.map((r) => (r as { id: number }).id));
    expect(new Set(ids).size).toBe(23);
    // Ends on the empty page at offset 23, not on the first short page.
    expect(calls.map((c) => c.url.searchParams.get("offset"))).toEqual(["0", "5", "10", "15", "20", "23"]);
    expect(calls.every((c) => c.url.searchParams.get("limit") === "10")).toBe(true);
  });

  it("uses the Template's default limit per entity and resumes from startOffset", async () => {
    for (const [entity, limit] of [
      ["paintings", "200"],
      ["users", "500"],
      ["orders", "100"],
    ] as const) {
      const { client, calls } = makeClient(pagedServer(entity, 3));
      const pages = await collect(client.pages(entity));
      expect(pages).toHaveLength(1);
      expect(calls[0]!.url.pathname).toBe(`/api/export/${entity}`);
      expect(calls[0]!.url.searchParams.get("limit")).toBe(limit);
    }
    const { client, calls } = makeClient(pagedServer("users", 30));
    const pages = await collect(client.pages("users", { pageSize: 10, startOffset: 20 }));
    expect(pages.map((p) => p.offset)).toEqual([20]);
    expect(calls.map((c) => c.url.searchParams.get("offset"))).toEqual(["20", "30"]);
  });

  it("yields nothing for an empty table, after exactly one request", async () => {
    const { client, calls } = makeClient(json({ orders: [], count: 0 }));
    expect(await collect(client.pages("orders"))).toEqual([]);
    expect(calls).toHaveLength(1);
  });

  it("stops with pagination_loop when the same page keeps coming back (offset ignored)", async () => {
    const { client } = makeClient(pagedServer("paintings", 50, { ignoreOffset: true }));
    const seen: Page[] = [];

    const error = await failure(
      (async () => {
        for await (const page of client.pages("paintings", { pageSize: 10 })) seen.push(page);
      })(),
    );

    expect(error).toBeInstanceOf(TemplateValidationError);
    expect(error.code).toBe("pagination_loop");
    expect(error.retryable).toBe(false);
    expect(error.message).toMatch(/same 10 records on 3 pages in a row/);
    expect(seen).toHaveLength(2);
  });

  it("detects a repeated page of records without ids too", async () => {
    const { client } = makeClient(json({ paintings: [{ name: "a" }, { name: "b" }], count: 2 }));
    const error = await failure(collect(client.pages("paintings", { pageSize: 2 })));
    expect(error.code).toBe("pagination_loop");
  });

  it("tolerates a tail page served twice (inserts at the top during the scan)", async () => {
    const pages = [[{ id: 3 }, { id: 2 }], [{ id: 1 }], [{ id: 1 }], []];
    const { client, calls } = makeClient((_, i) => json({ orders: pages[i] ?? [] })());
    const got = await collect(client.pages("orders", { pageSize: 2 }));
    expect(got.map((p) => p.offset)).toEqual([0, 2, 3]);
    expect(calls).toHaveLength(4);
  });

  it("stops with pagination_loop past maxPages, but allows exactly maxPages pages", async () => {
    const ok = makeClient(pagedServer("orders", 30));
    expect(await collect(ok.client.pages("orders", { pageSize: 10, maxPages: 3 }))).toHaveLength(3);

    const { client } = makeClient(pagedServer("orders", 31));
    const error = await failure(collect(client.pages("orders", { pageSize: 10, maxPages: 3 })));
    expect(error.code).toBe("pagination_loop");
    expect(error.message).toMatch(/after 3 pages/);
  });

  it("keeps a row that shifts across pages (data changing during the scan) without calling it a loop", async () => {
    // Page 2 repeats the last row of page 1 (an insert at the top): not a loop, the engine dedupes.
    const pages = [[{ id: 9 }, { id: 8 }], [{ id: 8 }, { id: 7 }], [{ id: 6 }], []];
    const { client } = makeClient((_, i) => json({ paintings: pages[i] ?? [] })());
    const got = await collect(client.pages("paintings", { pageSize: 2 }));
    expect(got.map((p) => p.records.length)).toEqual([2, 2, 1]);
  });

  it("prefetches the next page while the consumer works, and not when prefetch is off", async () => {
    const on = makeClient(pagedServer("paintings", 30));
    const pagesOn = on.client.pages("paintings", { pageSize: 10 });
    await pagesOn.next();
    expect(on.calls).toHaveLength(2);
    await pagesOn.return();

    const off = makeClient(pagedServer("paintings", 30));
    const pagesOff = off.client.pages("paintings", { pageSize: 10, prefetch: false });
    await pagesOff.next();
    expect(off.calls).toHaveLength(1);
    await pagesOff.next();
    expect(off.calls).toHaveLength(2);
    expect((await collect(pagesOff)).length).toBe(1);
    expect(off.calls).toHaveLength(4);
  });

  it("asks more pages ahead as full pages follow each other, up to PAGES_AHEAD, and yields them in order", async () => {
    let inFlight = 0;
    let most = 0;
    const server = pagedServer("paintings", 95);
    const { client, calls } = makeClient(async (call, i) => {
      inFlight++;
      most = Math.max(most, inFlight);
      // Later requests answer first: the pages must still come out in offset order.
      await new Promise((resolve) => setTimeout(resolve, 20 - (i % 4) * 5));
      inFlight--;
      return server(call, i);
    });
    const pages = await collect(client.pages("paintings", { pageSize: 10 }));
    expect(pages.map((p) => p.offset)).toEqual([0, 10, 20, 30, 40, 50, 60, 70, 80, 90]);
    expect(pages.flatMap((p) => p.records.map((r) => (r as { id: number }).id))).toEqual(
      Array.from({ length: 95 }, (_, i) => 95 - i),
    );
    expect(most).toBe(PAGES_AHEAD);
    // The short last page (5 records) is followed by one request, for the empty page that ends the scan;
    // the guesses already in flight past the end are the only extra requests.
    const offsets = calls.map((c) => Number(c.url.searchParams.get("offset")));
    expect(new Set(offsets).size).toBe(offsets.length);
    expect(offsets.length).toBeLessThanOrEqual(11 + PAGES_AHEAD - 1);
  });

  it("drops the pages asked ahead when a page comes back shorter, and reads on from where it ends", async () => {
    // A proxy starts capping pages at 7 records from offset 30: guesses at 40, 50... are wrong.
    const capped: Handler = (call, i) => {
      const offset = Number(call.url.searchParams.get("offset"));
      return pagedServer("paintings", 80, offset >= 30 ? { cap: 7 } : {})(call, i);
    };
    const { client, calls } = makeClient(capped);
    const pages = await collect(client.pages("paintings", { pageSize: 10 }));
    const ids = pages.flatMap((p) => p.records.map((r) => (r as { id: number }).id));
    expect(ids).toEqual(Array.from({ length: 80 }, (_, i) => 80 - i));
    for (const [i, p] of pages.entries()) {
      expect(p.nextOffset).toBe(p.offset + p.records.length);
      if (i > 0) expect(p.offset).toBe(pages[i - 1]!.nextOffset);
    }
    // Dropped guesses were aborted, not left running.
    const dropped = calls.filter((c) => c.signal?.aborted);
    expect(dropped.length).toBeGreaterThan(0);
  });

  it("aborts the in-flight prefetch when the consumer stops early", async () => {
    const { client, calls } = makeClient(script(pagedServer("paintings", 30), hang));

    for await (const page of client.pages("paintings", { pageSize: 10 })) {
      expect(page.index).toBe(0);
      break;
    }

    expect(calls).toHaveLength(2);
    expect(calls[1]!.signal?.aborted).toBe(true);
  });

  it("reports a failing prefetch when the consumer asks for that page, not as an unhandled rejection", async () => {
    const unhandled = vi.fn();
    process.on("unhandledRejection", unhandled);
    try {
      const { client } = makeClient(script(pagedServer("paintings", 30), json({ error: "denied" }, 401)));
      const pages = client.pages("paintings", { pageSize: 10 });
      const first = await pages.next();
      expect(first.done).toBe(false);
      // Let the prefetch fail while nobody awaits it.
      await new Promise((resolve) => setImmediate(resolve));
      const error = await failure(pages.next());
      expect(error.code).toBe("invalid_api_key");
      await new Promise((resolve) => setImmediate(resolve));
      expect(unhandled).not.toHaveBeenCalled();
    } finally {
      process.off("unhandledRejection", unhandled);
    }
  });

  it("checks paging options at call time", () => {
    const { client } = makeClient(json({}));
    expect(() => client.pages("paintings", { pageSize: 0 })).toThrow(RangeError);
    expect(() => client.pages("paintings", { pageSize: 1.5 })).toThrow(RangeError);
    expect(() => client.pages("users", { startOffset: -1 })).toThrow(RangeError);
    expect(() => client.pages("users", { maxPages: 0 })).toThrow(RangeError);
    expect(() => client.pages("settings" as "users")).toThrow(/not paged/);
  });

  it("rejects a page that is not the entity's envelope", async () => {
    const { client } = makeClient(json({ users: [{ id: 1 }], count: 1 }));
    const error = await failure(collect(client.pages("paintings")));
    expect(error).toBeInstanceOf(TemplateValidationError);
    expect(error.code).toBe("unexpected_response");
    expect(error.message).toMatch(/paintings/);
    expect(error.message).toMatch(/got keys: users, count/);
  });
});

describe("TemplateClient single-shot endpoints", () => {
  it("reads settings in the flat shape the Template really serves", async () => {
    const { client } = makeClient(
      json({
        site_name: "Atelier",
        saas_site_price_cache: 490,
        enabled: true,
        empty: null,
        nested: { a: 1 },
      }),
    );
    expect(await client.settings()).toEqual([
      { key: "site_name", value: "Atelier" },
      { key: "saas_site_price_cache", value: "490" },
      { key: "enabled", value: "true" },
      { key: "empty", value: null },
    ]);
  });

  it("reads settings in the documented shape", async () => {
    const { client } = makeClient(
      json({
        success: true,
        count: 2,
        data: [
          { id: 1, key: "site_name", value: "Atelier" },
          { id: 2, key: "smtp_password", value: "***MASKED***" },
        ],
      }),
    );
    expect(await client.settings()).toEqual([
      { key: "site_name", value: "Atelier" },
      { key: "smtp_password", value: "***MASKED***" },
    ]);
  });

  it("treats a 200 that says success: false as an unexpected response, with the Template's text", async () => {
    const { client } = makeClient(json({ success: false, error: "database is locked" }));
    const error = await failure(client.settings());
    expect(error.code).toBe("unexpected_response");
    expect(error.message).toMatch(/database is locked/);
  });

  it("reads stats with and without a timestamp", async () => {
    const stats = { paintings_count: 24, total_revenue: "1250.5", delivered_orders: 3 };
    const a = makeClient(json({ success: true, timestamp: "2025-03-01T10:00:00", stats }));
    expect(await a.client.stats()).toEqual({
      timestamp: "2025-03-01T10:00:00",
      stats: { paintings_count: 24, total_revenue: 1250.5, delivered_orders: 3 },
    });
    const b = makeClient(json({ stats: { users_count: 2 } }));
    expect(await b.client.stats()).toEqual({ stats: { users_count: 2 } });
  });

  it("returns exhibitions and custom requests as raw records", async () => {
    const { client, calls } = makeClient((call) =>
      call.url.pathname.endsWith("exhibitions")
        ? json({ exhibitions: [{ id: 1, title: "Salon" }] })()
        : json({ custom_requests: [{ id: 2 }] })(),
    );
    expect(await client.exhibitions()).toEqual([{ id: 1, title: "Salon" }]);
    expect(await client.customRequests()).toEqual([{ id: 2 }]);
    expect(calls.map((c) => c.url.pathname)).toEqual([
      "/api/export/exhibitions",
      "/api/export/custom-requests",
    ]);
  });
});

describe("TemplateClient errors and retries", () => {
  it("401 → invalid_api_key after exactly one request", async () => {
    const { client, calls, sleeps } = makeClient(json({ error: "invalid_api_key", success: false }, 401));
    const error = await failure(client.settings());
    expect(error).toBeInstanceOf(TemplateAuthenticationError);
    expect(error).toMatchObject({ code: "invalid_api_key", status: 401, retryable: false, attempts: 1 });
    expect(error.url).toBe(`${BASE}/api/export/settings`);
    expect(error.message).toMatch(/rejected the API key/);
    expect(calls).toHaveLength(1);
    expect(sleeps).toEqual([]);
  });

  it("403 → invalid_api_key, not retried", async () => {
    const { client, calls } = makeClient(raw("Forbidden", 403, { "content-type": "text/plain" }));
    const error = await failure(client.stats());
    expect(error).toMatchObject({ code: "invalid_api_key", status: 403 });
    expect(error.message).toMatch(/the Template said: Forbidden/);
    expect(calls).toHaveLength(1);
  });

  it("404 (HTML or JSON) → endpoint_not_found, not retried", async () => {
    for (const response of [
      raw("<html><body>Not Found</body></html>", 404, { "content-type": "text/html" }),
      json({ error: "Not found" }, 404),
    ]) {
      const { client, calls } = makeClient(response);
      const error = await failure(client.exhibitions());
      expect(error).toBeInstanceOf(TemplateNotFoundError);
      expect(error).toMatchObject({ code: "endpoint_not_found", status: 404, retryable: false });
      expect(error.message).toMatch(/no \/api\/export\/exhibitions endpoint/);
      expect(calls).toHaveLength(1);
    }
  });

  it("other 4xx → http_error, not retried", async () => {
    const { client, calls } = makeClient(json({ error: "bad limit" }, 400));
    const error = await failure(collect(client.pages("orders")));
    expect(error).toBeInstanceOf(TemplateHttpError);
    expect(error).toMatchObject({ code: "http_error", status: 400, retryable: false });
    expect(error.message).toMatch(/HTTP 400 .*bad limit/);
    expect(calls).toHaveLength(1);
  });

  it("503 then 200 → two requests and the data", async () => {
    const { client, calls, sleeps, retries } = makeClient(
      script(json({ error: "busy" }, 503), json({ exhibitions: [{ id: 1 }] })),
    );
    expect(await client.exhibitions()).toEqual([{ id: 1 }]);
    expect(calls).toHaveLength(2);
    expect(sleeps).toEqual([125]); // random 0.5 × min(8000, 250 × 2^0)
    expect(retries).toEqual([
      { url: `${BASE}/api/export/exhibitions`, attempt: 1, delayMs: 125, code: "server_error", status: 503 },
    ]);
  });

  it("5xx on every attempt → server_error after retries + 1 attempts, with the Template's text", async () => {
    const { client, calls, sleeps } = makeClient(json({ error: 'relation "paintings" does not exist' }, 500));
    const error = await failure(collect(client.pages("paintings")));
    expect(error).toBeInstanceOf(TemplateHttpError);
    expect(error).toMatchObject({ code: "server_error", status: 500, retryable: true, attempts: 4 });
    expect(error.message).toBe(
      `Template at ${BASE} returned HTTP 500 for /api/export/paintings?limit=200&offset=0 after 4 attempts (the Template said: relation "paintings" does not exist).`,
    );
    expect(calls).toHaveLength(4);
    expect(sleeps).toEqual([125, 250, 500]);
  });

  it("honours the retries option (0 → a single attempt)", async () => {
    const { client, calls } = makeClient(json({}, 502), { retries: 0 });
    const error = await failure(client.stats());
    expect(error.code).toBe("server_error");
    expect(error.message).not.toMatch(/attempts/);
    expect(calls).toHaveLength(1);
  });

  it("429 with Retry-After seconds → waits exactly that long, then succeeds", async () => {
    const { client, calls, sleeps } = makeClient(
      script(json({ error: "slow down" }, 429, { "retry-after": "7" }), json({ exhibitions: [] })),
    );
    expect(await client.exhibitions()).toEqual([]);
    expect(calls).toHaveLength(2);
    expect(sleeps).toEqual([7000]);
  });

  it("429 with an HTTP-date Retry-After → waits until that date", async () => {
    const now = Date.parse("2025-03-01T10:00:00Z");
    const { client, sleeps } = makeClient(
      script(json({}, 429, { "retry-after": "Sat, 01 Mar 2025 10:00:12 GMT" }), json({ exhibitions: [] })),
      { now: () => now },
    );
    await client.exhibitions();
    expect(sleeps).toEqual([12_000]);
  });

  it("caps an excessive Retry-After, and reports rate_limited with the asked delay when retries run out", async () => {
    const { client, calls, sleeps } = makeClient(json({ error: "quota" }, 429, { "retry-after": "3600" }), {
      maxRetryAfterMs: 5_000,
      retries: 2,
    });
    const error = await failure(client.stats());
    expect(error).toBeInstanceOf(TemplateHttpError);
    expect(error).toMatchObject({
      code: "rate_limited",
      status: 429,
      retryable: true,
      retryAfterMs: 3_600_000,
    });
    expect(error.toJSON().retry_after_ms).toBe(3_600_000);
    expect(calls).toHaveLength(3);
    expect(sleeps).toEqual([5_000, 5_000]);
  });

  it("429 without Retry-After → jittered backoff", async () => {
    const { client, sleeps } = makeClient(script(json({}, 429), json({ exhibitions: [] })), {
      random: () => 0.25,
    });
    await client.exhibitions();
    expect(sleeps).toEqual([62]);
  });

  it("connection refused → connection_refused, retried", async () => {
    const { client, calls } = makeClient(networkError("ECONNREFUSED"));
    const error = await failure(client.settings());
    expect(error).toBeInstanceOf(TemplateConnectionError);
    expect(error).toMatchObject({ code: "connection_refused", retryable: true, attempts: 4 });
    expect(error.status).toBeUndefined();
    expect(error.message).toMatch(/refused the connection for \/api\/export\/settings after 4 attempts/);
    expect(calls).toHaveLength(4);
    expect((error.cause as { code?: string }).code).toBe("ECONNREFUSED");
  });

  it("DNS failure and reset connections → network_error", async () => {
    const dns = makeClient(networkError("ENOTFOUND"), { retries: 0 });
    const a = await failure(dns.client.settings());
    expect(a).toMatchObject({ code: "network_error", retryable: true });
    expect(a.message).toMatch(/host name could not be resolved/);

    const reset = makeClient(networkError("ECONNRESET"), { retries: 1 });
    const b = await failure(reset.client.settings());
    expect(b.code).toBe("network_error");
    expect(reset.calls).toHaveLength(2);
  });

  it("a hung server → timeout: the request is aborted", async () => {
    const { client, calls } = makeClient(hang, { timeoutMs: 20, retries: 1 });
    const error = await failure(client.stats());
    expect(error).toBeInstanceOf(TemplateConnectionError);
    expect(error).toMatchObject({ code: "timeout", retryable: true, attempts: 2 });
    expect(error.message).toMatch(/did not answer \/api\/export\/stats within 20 ms after 2 attempts/);
    expect(calls.every((c) => c.signal?.aborted)).toBe(true);
  });

  it("times out even when a fetch ignores its abort signal", async () => {
    const { client } = makeClient(() => new Promise<Response>(() => undefined), {
      timeoutMs: 20,
      retries: 0,
    });
    const error = await failure(client.stats());
    expect(error.code).toBe("timeout");
  });

  it("a body that stops arriving → timeout", async () => {
    const stalled = () =>
      new Response(
        new ReadableStream<Uint8Array>({
          start(controller) {
            controller.enqueue(new TextEncoder().encode('{"exhibitions": ['));
          },
        }),
        { status: 200, headers: { "content-type": "application/json" } },
      );
    const { client } = makeClient(stalled, { timeoutMs: 20, retries: 0 });
    const error = await failure(client.exhibitions());
    expect(error.code).toBe("timeout");
  });

  it("malformed JSON → malformed_json, not retried", async () => {
    const { client, calls } = makeClient(
      raw('{"paintings": [{"id": 1', 200, { "content-type": "application/json" }),
    );
    const error = await failure(collect(client.pages("paintings")));
    expect(error).toBeInstanceOf(TemplateValidationError);
    expect(error).toMatchObject({ code: "malformed_json", status: 200, retryable: false });
    expect(error.message).toMatch(/not valid JSON .*23 bytes/);
    expect(calls).toHaveLength(1);
  });

  it("an empty 200 body → malformed_json", async () => {
    const { client } = makeClient(raw("", 200));
    const error = await failure(client.settings());
    expect(error.code).toBe("malformed_json");
    expect(error.message).toMatch(/empty body/);
  });

  it("an HTML page → unexpected_response (with or without an HTML content type)", async () => {
    for (const contentType of ["text/html; charset=utf-8", "application/json"]) {
      const { client, calls } = makeClient(
        raw("<!doctype html><html><title>Login</title></html>", 200, { "content-type": contentType }),
      );
      const error = await failure(client.stats());
      expect(error).toMatchObject({ code: "unexpected_response", retryable: false });
      expect(error.message).toMatch(/HTML page instead of JSON/);
      expect(calls).toHaveLength(1);
    }
  });

  it("a JSON body of the wrong envelope → unexpected_response", async () => {
    for (const body of [{ stats: "n/a" }, [1, 2], null, "ok"]) {
      const { client } = makeClient(json(body));
      const error = await failure(client.stats());
      expect(error.code).toBe("unexpected_response");
    }
    const { client } = makeClient(json({ exhibitions: { id: 1 } }));
    const error = await failure(client.exhibitions());
    expect(error.message).toMatch(/exhibitions: .*expected array/);
  });

  it("a body over maxBodyBytes → response_too_large (declared or streamed)", async () => {
    const big = JSON.stringify({ exhibitions: Array.from({ length: 50 }, (_, id) => ({ id })) });
    const declared = makeClient(raw(big, 200, { "content-length": String(big.length) }), {
      maxBodyBytes: 100,
    });
    const a = await failure(declared.client.exhibitions());
    expect(a).toMatchObject({ code: "response_too_large", retryable: false });
    expect(a.message).toMatch(/more than 100 bytes/);

    const streamed = makeClient(
      () =>
        new Response(
          new ReadableStream<Uint8Array>({
            start(controller) {
              for (let i = 0; i < 10; i++)
                controller.enqueue(new TextEncoder().encode(big.slice(i * 40, i * 40 + 40)));
              controller.close();
            },
          }),
        ),
      { maxBodyBytes: 100 },
    );
    expect((await failure(streamed.client.exhibitions())).code).toBe("response_too_large");
  });

  it("follows a same-origin redirect and an http → https upgrade, checking every hop", async () => {
    const checked: string[] = [];
    const { client, calls } = makeClient(
      (call) => {
        if (call.url.protocol === "http:")
          return raw("", 301, { location: `https://site.example${call.url.pathname}` })();
        if (call.url.pathname === "/api/export/stats")
          return raw("", 302, { location: "/v2/api/export/stats" })();
        return json({ stats: { paintings_count: 1 } })();
      },
      { baseUrl: "http://site.example", assertUrlAllowed: async (url) => void checked.push(url.href) },
    );
    expect(await client.stats()).toEqual({ stats: { paintings_count: 1 } });
    expect(calls.map((c) => c.url.href)).toEqual([
      "http://site.example/api/export/stats",
      "https://site.example/api/export/stats",
      "https://site.example/v2/api/export/stats",
    ]);
    expect(checked).toEqual(calls.map((c) => c.url.href));
  });

  it("refuses a redirect to another origin: the key is never sent there", async () => {
    const { client, calls } = makeClient(raw("", 302, { location: "https://evil.example/collect" }));
    const error = await failure(client.settings());
    expect(error).toBeInstanceOf(TemplateHttpError);
    expect(error).toMatchObject({ code: "redirect_refused", status: 302, retryable: false });
    expect(error.message).toMatch(/another origin \(https:\/\/evil\.example\)/);
    expect(calls.map((c) => c.url.host)).toEqual(["site.example"]);
  });

  it("stops after too many redirects", async () => {
    const { client, calls } = makeClient((call) => raw("", 307, { location: `${call.url.pathname}x` })());
    const error = await failure(client.settings());
    expect(error).toMatchObject({ code: "http_error", status: 307 });
    expect(error.message).toMatch(/more than 5 times/);
    expect(calls).toHaveLength(6);
  });

  it("lets the URL guard refuse a request before anything is sent", async () => {
    const refusal = new Error("private address refused");
    const { client, calls } = makeClient(json({}), {
      assertUrlAllowed: async () => {
        throw refusal;
      },
    });
    await expect(client.settings()).rejects.toBe(refusal);
    expect(calls).toHaveLength(0);
  });

  it("a caller's abort ends a retry wait at once, with the caller's reason", async () => {
    const controller = new AbortController();
    const { client, calls } = makeClient(json({}, 503), {
      sleep: () => {
        controller.abort(new Error("deadline"));
        return new Promise<void>(() => undefined);
      },
    });
    await expect(client.settings({ signal: controller.signal })).rejects.toThrow("deadline");
    expect(calls).toHaveLength(1);
  });

  it("a caller's abort during a request rejects with the caller's reason, not a timeout", async () => {
    const controller = new AbortController();
    const { client } = makeClient((call) => {
      setImmediate(() => controller.abort(new Error("shutting down")));
      return hang(call, 0);
    });
    await expect(client.stats({ signal: controller.signal })).rejects.toThrow("shutting down");
  });

  it("serialises to JSON with its code, status, url, retryable and attempts", async () => {
    const { client } = makeClient(json({ error: "x" }, 503), { retries: 1 });
    const error = await failure(client.stats());
    expect(error.toJSON()).toEqual({
      name: "TemplateHttpError",
      code: "server_error",
      message: error.message,
      status: 503,
      url: `${BASE}/api/export/stats`,
      retryable: true,
      attempts: 2,
    });
  });
});

describe("backoff with full jitter", () => {
  const backoff = { baseMs: 250, maxMs: 8_000 };

  it("doubles the ceiling per attempt up to maxMs", () => {
    const almostOne = () => 0.999_999;
    expect([1, 2, 3, 4, 5, 6, 7, 8].map((n) => backoffDelay(n, backoff, almostOne))).toEqual([
      249, 499, 999, 1999, 3999, 7999, 7999, 7999,
    ]);
    expect(backoffDelay(3, backoff, () => 0)).toBe(0);
  });

  it("always stays within [0, min(maxMs, baseMs × 2^(n-1)))", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 40 }),
        fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
        fc.integer({ min: 1, max: 10_000 }),
        fc.integer({ min: 1, max: 100_000 }),
        (attempt, r, baseMs, maxMs) => {
          const delay = backoffDelay(attempt, { baseMs, maxMs }, () => r);
          const ceiling = Math.min(maxMs, baseMs * 2 ** (attempt - 1));
          return Number.isInteger(delay) && delay >= 0 && delay < ceiling;
        },
      ),
    );
  });

  it("spreads the client's retry delays with its random source", async () => {
    const draws = [0.1, 0.9, 0.5];
    const { client, sleeps } = makeClient(json({}, 500), { random: () => draws.shift() ?? 0 });
    await failure(client.stats());
    expect(sleeps).toEqual([25, 450, 500]);
  });
});

describe("parseRetryAfter", () => {
  const now = Date.parse("2025-03-01T10:00:00Z");
  it.each([
    ["5", 5_000],
    [" 0 ", 0],
    ["1.5", 1_500],
    ["Sat, 01 Mar 2025 10:01:00 GMT", 60_000],
    ["Sat, 01 Mar 2025 09:00:00 GMT", 0],
  ])("%j → %d ms", (value, expected) => {
    expect(parseRetryAfter(value, now)).toBe(expected);
  });
  it.each([null, "", "soon", "-3", "12abc"])("%j → undefined", (value) => {
    expect(parseRetryAfter(value, now)).toBeUndefined();
  });
});

describe("the API key never appears in an error", () => {
  const echo = `invalid key ${KEY} (also ${encodeURIComponent(KEY)})`;
  const cases: [string, Handler][] = [
    ["401 echoing the key", json({ error: echo }, 401)],
    ["500 echoing the key", json({ error: echo }, 500)],
    ["429 echoing the key", json({ error: echo }, 429, { "retry-after": "1" })],
    ["400 plain text echoing the key", raw(echo, 400, { "content-type": "text/plain" })],
    ["404 echoing the key", json({ error: echo }, 404)],
    ["200 success:false echoing the key", json({ success: false, error: echo })],
    ["redirect carrying the key elsewhere", raw("", 302, { location: `https://evil.example/?k=${KEY}` })],
    [
      "redirect carrying the key on the same origin, then 500",
      (call) =>
        call.url.search.includes("k=")
          ? json({ error: echo }, 500)()
          : raw("", 302, { location: `/api/export/settings?k=${encodeURIComponent(KEY)}` })(),
    ],
    [
      "network error whose message holds the key",
      () => {
        throw new TypeError("fetch failed", {
          cause: Object.assign(new Error(`socket ${KEY}`), { code: "ECONNRESET" }),
        });
      },
    ],
  ];

  it.each(cases)("%s", async (_, handler) => {
    const { client } = makeClient(handler, { retries: 1 });
    const error = await failure(client.settings());
    const shown = everythingShown(error);
    expect(shown).not.toContain(KEY);
    expect(shown).not.toContain(encodeURIComponent(KEY));
  });

  it("a wrong envelope whose key names hold the key", async () => {
    const { client } = makeClient(json({ [KEY]: 1 }));
    const error = await failure(client.stats());
    expect(error.code).toBe("unexpected_response");
    expect(everythingShown(error)).not.toContain(KEY);
    expect(error.message).toContain(`got keys: ${REDACTED}`);
  });

  it("still says what the Template said, with the key redacted", async () => {
    const { client } = makeClient(json({ error: echo }, 500), { retries: 0 });
    const error = await failure(client.settings());
    expect(error.message).toContain(`invalid key ${REDACTED}`);
  });

  it("redactSecret removes every encoded form", () => {
    const secret = "a b/c+d";
    const text = `${secret} ${encodeURIComponent(secret)} ${encodeURIComponent(secret).replaceAll("%20", "+")}`;
    expect(redactSecret(text, secret)).toBe(`${REDACTED} ${REDACTED} ${REDACTED}`);
    expect(redactSecret("nothing", "")).toBe("nothing");
  });
});
