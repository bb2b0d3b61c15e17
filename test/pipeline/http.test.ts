/**
 * The local server's routing and static files, without a network: the router and the static handler are
 * plain `Request → Response` functions, fed here directly, over a temporary directory.
 */
import { mkdir, mkdtemp, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  cacheControlOf,
  contentTypeOf,
  createRouter,
  createStaticHandler,
  IMMUTABLE,
  REVALIDATE,
  resolveInside,
  startingHandler,
  type WebState,
} from "@dashboard/local/http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

let dir: string;
let outside: string;
const INDEX = "<!doctype html><title>ui</title>\n";

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "dashboard-static-"));
  outside = await mkdtemp(join(tmpdir(), "dashboard-outside-"));
  await mkdir(join(dir, "assets"));
  await mkdir(join(dir, "docs"));
  await writeFile(join(dir, "index.html"), INDEX);
  await writeFile(join(dir, "assets", "index-Dj761lLW.js"), "export {};\n");
  await writeFile(join(dir, "assets", "index-FkPrTxWb.css"), "body{}\n");
  await writeFile(join(dir, "favicon.svg"), "<svg/>\n");
  await writeFile(join(dir, "docs", "index.html"), "<p>docs</p>\n");
  await writeFile(join(dir, ".env"), "SECRET=1\n");
  await writeFile(join(outside, "secret.txt"), "top secret\n");
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
  await rm(outside, { recursive: true, force: true });
});

const ready = (): WebState => ({ kind: "ready", dir });
const get = (path: string, init: RequestInit = {}) =>
  createStaticHandler(ready)(new Request(`http://127.0.0.1${path}`, init));

describe("static files", () => {
  it("serves files with their content type and Vite's hashed assets as immutable", async () => {
    const js = await get("/assets/index-Dj761lLW.js");
    expect(js.status).toBe(200);
    expect(js.headers.get("content-type")).toBe("text/javascript; charset=utf-8");
    expect(js.headers.get("cache-control")).toBe(IMMUTABLE);
    expect(js.headers.get("x-content-type-options")).toBe("nosniff");
    expect(await js.text()).toBe("export {};\n");
    const css = await get("/assets/index-FkPrTxWb.css");
    expect(css.headers.get("content-type")).toBe("text/css; charset=utf-8");
    const svg = await get("/favicon.svg");
    expect(svg.headers.get("content-type")).toBe("image/svg+xml");
    expect(svg.headers.get("cache-control")).toBe(REVALIDATE);
  });

  it("answers / and the app's pages with index.html, revalidated every time", async () => {
    for (const path of ["/", "/paintings", "/sites/demo-1/settings"]) {
      const res = await get(path);
      expect(res.status).toBe(200);
      expect(res.headers.get("content-type")).toBe("text/html; charset=utf-8");
      expect(res.headers.get("cache-control")).toBe(REVALIDATE);
      expect(await res.text()).toBe(INDEX);
    }
    expect(await (await get("/docs/")).text()).toBe("<p>docs</p>\n");
  });

  it("serves the UI with its security headers: CSP (https images, no framing), HSTS, referrer policy", async () => {
    for (const path of ["/", "/paintings", "/assets/index-Dj761lLW.js", "/no-such.png"]) {
      const res = await get(path);
      const csp = res.headers.get("content-security-policy") ?? "";
      expect(csp).toContain("frame-ancestors 'none'");
      expect(csp).toMatch(/img-src 'self' data: https: /);
      expect(csp).toContain("script-src 'self'");
      expect(csp).not.toContain("unsafe-inline");
      expect(res.headers.get("strict-transport-security")).toMatch(/^max-age=\d+; includeSubDomains$/);
      expect(res.headers.get("referrer-policy")).toBe("same-origin");
      expect(res.headers.get("x-frame-options")).toBe("DENY");
    }
  });

  it("keeps a missing file a 404 instead of answering with the app", async () => {
    expect((await get("/assets/index-00000000.js")).status).toBe(404);
    expect((await get("/robots.txt")).status).toBe(404);
  });

  it("never serves a dotfile or anything outside its directory", async () => {
    expect((await get("/.env")).status).toBe(404);
    expect((await get("/..%2f..%2fetc%2fpasswd")).status).toBe(404);
    // URL parsing already folds "%2e%2e" segments: this is the app's page /etc/passwd, not the file.
    expect(await (await get("/assets/%2e%2e/%2e%2e/etc/passwd")).text()).toBe(INDEX);
    expect((await get("/%00index.html")).status).toBe(404);
    expect((await get("/%E0%A4%A")).status).toBe(400);
    expect(resolveInside(dir, "/a/../../x")).toBeUndefined();
    expect(resolveInside(dir, "/assets/index-Dj761lLW.js")).toBe(join(dir, "assets", "index-Dj761lLW.js"));
    expect(resolveInside(dir, "/")).toBe(dir);
  });

  it("does not follow a symlink out of its directory", async () => {
    await symlink(join(outside, "secret.txt"), join(dir, "link.txt"));
    await symlink(outside, join(dir, "linked-dir"));
    expect((await get("/link.txt")).status).toBe(404);
    expect((await get("/linked-dir/secret.txt")).status).toBe(404);
  });

  it("supports HEAD and conditional requests, and refuses other methods", async () => {
    const head = await get("/assets/index-Dj761lLW.js", { method: "HEAD" });
    expect(head.status).toBe(200);
    expect(head.headers.get("content-length")).toBe(String("export {};\n".length));
    expect(await head.text()).toBe("");
    const etag = head.headers.get("etag");
    expect(etag).toMatch(/^W\/"/);
    const again = await get("/assets/index-Dj761lLW.js", { headers: { "if-none-match": etag ?? "" } });
    expect(again.status).toBe(304);
    const post = await get("/", { method: "POST" });
    expect(post.status).toBe(405);
    expect(post.headers.get("allow")).toBe("GET, HEAD");
  });

  it("says when the UI is being built, failed to build or is not served", async () => {
    const building = await createStaticHandler(() => ({ kind: "building" }))(
      new Request("http://127.0.0.1/"),
    );
    expect(building.status).toBe(503);
    expect(building.headers.get("retry-after")).toBe("3");
    expect(await building.text()).toContain("/api");
    const failed = await createStaticHandler(() => ({ kind: "failed", message: "Vite said no" }))(
      new Request("http://127.0.0.1/"),
    );
    expect(failed.status).toBe(500);
    expect(await failed.text()).toContain("Vite said no");
    const disabled = await createStaticHandler(() => ({ kind: "disabled" }))(
      new Request("http://127.0.0.1/"),
    );
    expect(disabled.status).toBe(404);
  });

  it("names content types and cache policies from the path", () => {
    expect(contentTypeOf("a/b.woff2")).toBe("font/woff2");
    expect(contentTypeOf("a/b.unknown")).toBe("application/octet-stream");
    expect(cacheControlOf("/assets/react-Db-_YT-E.js")).toBe(IMMUTABLE);
    expect(cacheControlOf("/assets/logo.svg")).toBe(REVALIDATE);
    expect(cacheControlOf("/index-Dj761lLW.js")).toBe(REVALIDATE);
  });
});

describe("while starting", () => {
  it("answers 503, in the API's error shape under /api and with a page that reloads elsewhere", async () => {
    const api = await startingHandler(new Request("http://127.0.0.1/api/health"));
    expect(api.status).toBe(503);
    expect(api.headers.get("retry-after")).toBe("2");
    expect(await api.json()).toEqual({ error: { code: "starting", message: expect.any(String) } });
    const page = await startingHandler(new Request("http://127.0.0.1/"));
    expect(page.status).toBe(503);
    expect(page.headers.get("content-type")).toBe("text/html; charset=utf-8");
    expect(await page.text()).toContain('http-equiv="refresh"');
  });
});

describe("routing on one port", () => {
  const seen: string[] = [];
  const app = (name: string) => ({
    fetch: (request: Request) => {
      seen.push(`${name} ${request.method} ${new URL(request.url).pathname}`);
      return new Response(name);
    },
  });
  const router = createRouter({ api: app("api"), webhook: app("webhook"), web: ready });
  const send = async (method: string, path: string) =>
    (await router(new Request(`http://127.0.0.1${path}`, { method }))).text();

  it("sends POST /api/sync/webhook/template to the webhook app and the rest of /api to the API app", async () => {
    expect(await send("POST", "/api/sync/webhook/template")).toBe("webhook");
    expect(await send("GET", "/api/sync/webhook/template")).toBe("api");
    expect(await send("POST", "/api/sync/template/demo-1")).toBe("api");
    expect(await send("GET", "/api")).toBe("api");
    expect(await send("GET", "/api/health")).toBe("api");
    expect(await send("GET", "/apiary")).toBe(INDEX);
    expect(await send("GET", "/")).toBe(INDEX);
    expect(seen).toEqual([
      "webhook POST /api/sync/webhook/template",
      "api GET /api/sync/webhook/template",
      "api POST /api/sync/template/demo-1",
      "api GET /api",
      "api GET /api/health",
    ]);
  });
});
