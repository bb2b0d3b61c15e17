import { describe, expect, it } from "vitest";
import { ApiError, buildUrl, configuredBaseUrl, createApi } from "../src/api/client";

interface Call {
  url: string;
  method: string;
  headers: Record<string, string>;
  body: string | null;
}

/** A fetch that answers from a table, recording each call: no network. */
function fakeFetch(answer: (call: Call) => Response | Promise<Response>) {
  const calls: Call[] = [];
  const fetch = async (input: RequestInfo | URL, init?: RequestInit) => {
    const call: Call = {
      url: String(input),
      method: init?.method ?? "GET",
      headers: (init?.headers ?? {}) as Record<string, string>,
      body: (init?.body as string | null) ?? null,
    };
    calls.push(call);
    return answer(call);
  };
  return { fetch: fetch as typeof globalThis.fetch, calls };
}

const json = (status: number, body: unknown) =>
  new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });

const site = {
  id: "atelier",
  name: "Atelier",
  template_url: "https://atelier.example",
  enabled: true,
  created_at: "2025-03-01T00:00:00Z",
  api_key_last4: "abcd",
};

describe("createApi", () => {
  it("sends the bearer token and parses the answer", async () => {
    const { fetch, calls } = fakeFetch(() => json(200, { items: [site] }));
    const api = createApi({ baseUrl: "", getToken: () => "tok", fetch });
    const sites = await api.listSites();
    expect(sites.items[0]?.id).toBe("atelier");
    expect(calls[0]).toMatchObject({ url: "/api/sites", method: "GET" });
    expect(calls[0]?.headers.Authorization).toBe("Bearer tok");
  });

  it("puts filters and paging in the query, leaving empty ones out and clamping the limit", async () => {
    const { fetch, calls } = fakeFetch(() => json(200, { items: [], next_cursor: "c2" }));
    const api = createApi({ baseUrl: "https://dash.example", getToken: () => "t", fetch });
    const page = await api.listPaintings(
      { site_id: "a b", status: "", q: undefined, category: "Paysage" },
      { limit: 500, cursor: "c1" },
    );
    expect(page.next_cursor).toBe("c2");
    const url = new URL(calls[0]?.url ?? "");
    expect(url.origin + url.pathname).toBe("https://dash.example/api/paintings");
    expect(Object.fromEntries(url.searchParams)).toEqual({
      site_id: "a b",
      category: "Paysage",
      limit: "200",
      cursor: "c1",
    });
  });

  it("encodes path segments", async () => {
    const { fetch, calls } = fakeFetch(() => json(200, { items: [] }));
    await createApi({ baseUrl: "", getToken: () => "t", fetch }).listInvalid("run/../x", { entity: "users" });
    expect(calls[0]?.url).toBe("/api/sync/runs/run%2F..%2Fx/invalid?entity=users");
  });

  it("turns the API's error envelope into an ApiError with its stable code", async () => {
    const { fetch } = fakeFetch(() =>
      json(409, { error: { code: "conflict", message: "Site atelier exists", details: { id: "atelier" } } }),
    );
    const error = await createApi({ baseUrl: "", getToken: () => "t", fetch })
      .createSite({ name: "A", template_url: "https://a.example", api_key: "k" })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({
      status: 409,
      code: "conflict",
      message: "Site atelier exists",
      details: { id: "atelier" },
    });
  });

  it("ends the session on 401", async () => {
    const { fetch } = fakeFetch(() => json(401, { error: { code: "unauthorized", message: "Bad token" } }));
    const ended: ApiError[] = [];
    const api = createApi({ baseUrl: "", getToken: () => "t", fetch, onUnauthorized: (e) => ended.push(e) });
    await expect(api.getRun("r1")).rejects.toMatchObject({ status: 401, code: "unauthorized" });
    expect(ended).toHaveLength(1);
  });

  it("gives an http_<status> code for an error page that is not JSON", async () => {
    const { fetch } = fakeFetch(
      () => new Response("<html>Bad gateway</html>", { status: 502, statusText: "Bad Gateway" }),
    );
    await expect(createApi({ baseUrl: "", getToken: () => "t", fetch }).listSites()).rejects.toMatchObject({
      status: 502,
      code: "http_502",
    });
  });

  it("gives network_error when the server cannot be reached", async () => {
    const { fetch } = fakeFetch(() => {
      throw new TypeError("Failed to fetch");
    });
    await expect(createApi({ baseUrl: "", getToken: () => "t", fetch }).listSites()).rejects.toMatchObject({
      status: 0,
      code: "network_error",
    });
  });

  it("lets an abort through as an abort", async () => {
    const { fetch } = fakeFetch(() => {
      throw new DOMException("aborted", "AbortError");
    });
    await expect(createApi({ baseUrl: "", getToken: () => "t", fetch }).listSites()).rejects.toMatchObject({
      name: "AbortError",
    });
  });

  it("rejects a success that is not JSON (a proxy's page, say) as bad_response", async () => {
    const { fetch } = fakeFetch(() => new Response("<html>Welcome</html>", { status: 200 }));
    const error = (await createApi({ baseUrl: "", getToken: () => "t", fetch })
      .rotateWebhookSecret("a")
      .catch((e: unknown) => e)) as ApiError;
    expect(error).toBeInstanceOf(ApiError);
    expect(error.code).toBe("bad_response");
  });

  it("sends JSON bodies and accepts 204 without a body", async () => {
    const { fetch, calls } = fakeFetch((call) =>
      call.method === "DELETE"
        ? new Response(null, { status: 204 })
        : json(202, { run_id: "run_1", status: "queued" }),
    );
    const api = createApi({ baseUrl: "", getToken: () => "t", fetch });
    await expect(api.deleteSite("atelier")).resolves.toBeUndefined();
    await expect(api.syncSite("atelier")).resolves.toMatchObject({ run_id: "run_1", status: "queued" });
    await api.syncSite("atelier", ["paintings"]);
    expect(calls[1]?.body).toBeNull();
    expect(JSON.parse(calls[2]?.body ?? "")).toEqual({ entities: ["paintings"] });
    expect(calls[2]?.headers["Content-Type"]).toBe("application/json");
  });

  it("tolerates fields and statuses the contract may add later", async () => {
    const { fetch } = fakeFetch(() =>
      json(200, {
        run_id: "r",
        site_id: "s",
        trigger: "backfill",
        status: "cancelled",
        started_at: "2025-03-01T00:00:00Z",
        entities: { paintings: { status: "pending" } },
        shiny_new_field: true,
      }),
    );
    const run = await createApi({ baseUrl: "", getToken: () => "t", fetch }).getRun("r");
    expect(run.status).toBe("cancelled");
    expect((run as Record<string, unknown>).shiny_new_field).toBe(true);
  });
});

describe("conditional requests", () => {
  const runs = { items: [] };
  it("sends the kept ETag back and reuses the kept answer on a 304", async () => {
    let version = 1;
    const { fetch, calls } = fakeFetch((call) =>
      call.headers["If-None-Match"] === `"v${version}"`
        ? new Response(null, { status: 304, headers: { etag: `"v${version}"` } })
        : new Response(JSON.stringify({ items: [{ ...site, name: `Atelier v${version}` }] }), {
            status: 200,
            headers: { "content-type": "application/json", etag: `"v${version}"` },
          }),
    );
    const api = createApi({ baseUrl: "", getToken: () => "t", fetch });
    const first = await api.listSites();
    expect(calls[0]?.headers["If-None-Match"]).toBeUndefined();
    const again = await api.listSites();
    expect(calls[1]?.headers["If-None-Match"]).toBe('"v1"');
    expect(again).toEqual(first);
    version = 2;
    const changed = await api.listSites();
    expect(changed.items[0]?.name).toBe("Atelier v2");
    expect(calls[2]?.headers["If-None-Match"]).toBe('"v1"');
  });

  it("tells the live probe whether the runs changed", async () => {
    let tag = '"a"';
    const { fetch, calls } = fakeFetch((call) =>
      call.headers["If-None-Match"] === tag
        ? new Response(null, { status: 304 })
        : new Response(JSON.stringify(runs), { status: 200, headers: { etag: tag } }),
    );
    const api = createApi({ baseUrl: "", getToken: () => "t", fetch });
    expect((await api.pulse()).notModified).toBe(false);
    expect((await api.pulse()).notModified).toBe(true);
    tag = '"b"';
    const changed = await api.pulse();
    expect(changed.notModified).toBe(false);
    expect(changed.data.items).toEqual([]);
    expect(new URL(calls[0]?.url ?? "", "http://x").searchParams.get("limit")).toBe("10");
  });

  it("treats a 304 it has nothing kept for as an error, and never sends a tag with a write", async () => {
    const { fetch, calls } = fakeFetch((call) =>
      call.method === "GET"
        ? new Response(null, { status: 304 })
        : new Response(JSON.stringify({ webhook_secret: "whsec_x" }), { status: 200 }),
    );
    const api = createApi({ baseUrl: "", getToken: () => "t", fetch });
    await expect(api.listSites()).rejects.toMatchObject({ status: 304, code: "http_304" });
    await api.rotateWebhookSecret("a");
    expect(calls[1]?.headers["If-None-Match"]).toBeUndefined();
  });
});

describe("buildUrl and configuredBaseUrl", () => {
  it("joins base and path without doubled slashes", () => {
    expect(buildUrl("https://x.example/", "/api/sites")).toBe("https://x.example/api/sites");
    expect(buildUrl("", "/api/sites", { a: 0, b: false, c: null })).toBe("/api/sites?a=0&b=false");
  });

  it("reads VITE_API_URL, same origin by default, with or without a trailing /api", () => {
    expect(configuredBaseUrl({})).toBe("");
    expect(configuredBaseUrl({ VITE_API_URL: " https://dash.example/ " })).toBe("https://dash.example");
    expect(configuredBaseUrl({ VITE_API_URL: "https://dash.example/api/" })).toBe("https://dash.example");
  });
});
