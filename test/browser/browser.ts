/**
 * Helpers for the browser tests: Debian's chromium driven by playwright-core (one persistent context on a
 * fresh temporary profile), a collector of everything the page reports as an error, screenshots under
 * `.artifacts/screenshots/`, and a "gate" in front of a simulated Template that holds its export requests
 * until the test lets them through (so a run is seen running before it finishes, whatever the machine's speed).
 */
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { createServer, request as httpRequest, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { type BrowserContext, chromium, type Page } from "playwright-core";

const CHROMIUM = "/usr/bin/chromium";

const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--disable-quic",
  "--no-first-run",
];

const SCREENSHOTS = resolve(import.meta.dirname, "../../.artifacts/screenshots");

export interface Browser {
  context: BrowserContext;
  page: Page;
  close(): Promise<void>;
}

/** Chromium on a new temporary profile (`--user-data-dir`), with its first tab; `close` removes the profile. */
export async function launchBrowser(viewport = { width: 1366, height: 900 }): Promise<Browser> {
  const profile = await mkdtemp(join(tmpdir(), "dashboard-chromium-"));
  let context: BrowserContext;
  try {
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: CHROMIUM_ARGS,
      viewport,
      locale: "fr-FR",
      timezoneId: "Europe/Paris",
      timeout: 60_000,
    });
  } catch (error) {
    await rm(profile, { recursive: true, force: true });
    throw error;
  }
  const page = context.pages()[0] ?? (await context.newPage());
  return {
    context,
    page,
    close: async () => {
      await context.close().catch(() => {});
      await rm(profile, { recursive: true, force: true });
    },
  };
}

export interface PageProblem {
  kind: "console" | "pageerror";
  text: string;
  url?: string;
}

/**
 * Everything a page reports as an error: `console.error` (which includes the browser's own "Failed to load
 * resource" lines for HTTP errors and broken images) and uncaught exceptions. `take()` returns and clears.
 */
export function collectProblems(page: Page) {
  const problems: PageProblem[] = [];
  page.on("console", (message) => {
    if (message.type() !== "error") return;
    const { url } = message.location();
    problems.push({ kind: "console", text: message.text(), ...(url ? { url } : {}) });
  });
  page.on("pageerror", (error) => {
    problems.push({ kind: "pageerror", text: `${error.name}: ${error.message}` });
  });
  return {
    take: (): PageProblem[] => problems.splice(0),
  };
}

/**
 * Loads every image of the page now (lazy ones included) and waits until each has loaded or failed;
 * returns the URLs of those that failed.
 */
export async function loadImages(page: Page): Promise<string[]> {
  return page.evaluate(async () => {
    const images = Array.from(document.images);
    for (const img of images) if (img.loading === "lazy") img.loading = "eager";
    await Promise.all(
      images
        .filter((img) => !img.complete)
        .map(
          (img) =>
            new Promise((done) => {
              img.addEventListener("load", done, { once: true });
              img.addEventListener("error", done, { once: true });
            }),
        ),
    );
    await Promise.all(images.map((img) => img.decode().catch(() => undefined)));
    return images.filter((img) => img.naturalWidth === 0).map((img) => img.currentSrc || img.src);
  });
}

/**
 * A screenshot, `.artifacts/screenshots/<name>.png` (the whole page unless `fullPage: false`, for dialogs and
 * phone-sized views, where fixed elements only make sense within the viewport); returns the path.
 */
export async function screenshot(page: Page, name: string, { fullPage = true } = {}): Promise<string> {
  await mkdir(SCREENSHOTS, { recursive: true });
  const path = join(SCREENSHOTS, `${name}.png`);
  // Nothing half drawn (fonts, images below the fold), and no hover effect left by the last click.
  await page.evaluate(() => document.fonts.ready);
  await loadImages(page);
  await page.mouse.move(0, 0);
  await page.screenshot({ path, fullPage, animations: "disabled", caret: "hide" });
  return path;
}

export interface Gate {
  /** The URL to register as the site's `template_url`. */
  url: string;
  /** From now on, export requests (`/api/export/...`) wait; everything else (images) goes through. */
  hold(): void;
  /** Lets every held request through, and the next ones. */
  release(): void;
  /** Export requests waiting now. */
  held(): number;
  close(): Promise<void>;
}

/** A transparent HTTP proxy on 127.0.0.1 in front of `target` (a template-sim), able to hold export requests. */
export async function startGate(target: string): Promise<Gate> {
  const upstream = new URL(target);
  let holding = false;
  const waiting: { req: IncomingMessage; res: ServerResponse }[] = [];

  const forward = (req: IncomingMessage, res: ServerResponse) => {
    // A held request its caller gave up on (the Template client's own timeout) is not sent any more.
    if (res.destroyed) return;
    const proxied = httpRequest(
      {
        host: upstream.hostname,
        port: upstream.port,
        method: req.method,
        path: req.url,
        headers: { ...req.headers, host: upstream.host },
      },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    // The caller gave up or the sim closed: drop the exchange.
    proxied.on("error", () => res.destroy());
    res.on("close", () => proxied.destroy());
    req.pipe(proxied);
  };

  const server = createServer((req, res) => {
    if (holding && req.url?.startsWith("/api/export/")) waiting.push({ req, res });
    else forward(req, res);
  });
  await new Promise<void>((done, fail) => {
    server.once("error", fail);
    server.listen(0, "127.0.0.1", done);
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    hold: () => {
      holding = true;
    },
    release: () => {
      holding = false;
      for (const { req, res } of waiting.splice(0)) forward(req, res);
    },
    held: () => waiting.filter(({ res }) => !res.destroyed).length,
    close: async () => {
      holding = false;
      waiting.length = 0;
      server.closeAllConnections();
      await new Promise<void>((done) => server.close(() => done()));
    },
  };
}
