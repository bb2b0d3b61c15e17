/**
 * Faithful to the real Template (issue 9), in a real browser (Debian's chromium, playwright-core) against the
 * local runtime: a site shaped like the current Template is synced, then the UI shows a flagged painting
 * with its "Données incomplètes" badge and its image (served by the Template under /static/), a painting
 * without an image with the placeholder, values the Template did not set as "non renseigné", and the
 * site's security warning "Ce site expose ses paramètres sans clé".
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Sim, startSim } from "@dashboard/template-sim";
import { buildWeb } from "@dashboard/web";
import type { Locator, Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { addSiteAndSync, listAll, startTestRuntime, type TestRuntime } from "../pipeline/support";
import { type Browser, collectProblems, launchBrowser, loadImages, screenshot } from "./browser";

const UI_TIMEOUT = 30_000;
const SITE = "atelier-reel";
const API_KEY = "browser_real_template_51c2";

interface Painting {
  id: number;
  image_url: string | null;
  status: string | null;
  quality: string[];
}

let t: TestRuntime;
let browser: Browser;
let page: Page;
let sim: Sim;
let distDir: string;
let problems: ReturnType<typeof collectProblems>;

const byTestId = (id: string, root: Page | Locator = page) => root.locator(`[data-testid="${id}"]`);
const card = (id: number) => page.locator(`[data-testid="painting-card"][data-painting-id="${id}"]`);

beforeAll(async () => {
  process.env.POWERTOOLS_LOG_LEVEL ??= "CRITICAL";
  distDir = await mkdtemp(join(tmpdir(), "dashboard-web-fidelity-"));
  const [runtime, launched, template] = await Promise.allSettled([
    buildWeb({ outDir: distDir }).then(() => startTestRuntime({ web: { distDir }, demoSites: 0 })),
    launchBrowser(),
    startSim({
      apiKey: API_KEY,
      seed: 77,
      siteName: "Atelier Réel",
      sizes: { paintings: 20, users: 8, orders: 5, exhibitions: 1, custom_requests: 1 },
      realShapes: true,
    }),
  ]);
  if (runtime.status === "fulfilled") t = runtime.value;
  if (launched.status === "fulfilled") browser = launched.value;
  if (template.status === "fulfilled") sim = template.value;
  for (const started of [runtime, launched, template]) {
    if (started.status === "rejected") throw started.reason;
  }
  page = browser.page;
  page.setDefaultTimeout(UI_TIMEOUT);
  problems = collectProblems(page);
  await addSiteAndSync(t.api, { id: SITE, name: "Atelier Réel", template_url: sim.url, api_key: API_KEY });
});

afterAll(async () => {
  await browser?.close();
  await sim?.close();
  await t?.close();
  if (distDir) await rm(distDir, { recursive: true, force: true });
});

afterEach(() => {
  expect(problems.take()).toEqual([]);
});

describe("a real Template's data in the UI", () => {
  it("badges flagged paintings, shows their images, and a placeholder where there is none", async () => {
    await page.goto(t.runtime.url);
    await byTestId("signin-token").fill(t.runtime.adminToken);
    await byTestId("signin-submit").click();
    await byTestId("nav-overview").waitFor();

    const paintings = await listAll<Painting>(t.api, `/api/paintings?site_id=${SITE}`);
    const flagged = paintings.filter((p) => p.quality.length > 0);
    const flaggedWithImage = flagged.find((p) => p.image_url !== null);
    const withoutImage = paintings.find((p) => p.image_url === null);
    const statusNotSet = paintings.find((p) => p.status === null);
    if (!flaggedWithImage || !withoutImage || !statusNotSet) throw new Error("the sim lacks a real shape");

    await page.goto(`${t.runtime.url}/#/paintings?site_id=${SITE}&quality=flagged`);
    await expect.poll(() => byTestId("painting-card").count()).toBe(flagged.length);
    expect(await byTestId("filter-quality").inputValue()).toBe("flagged");
    // Every card listed is flagged, with its badge naming what the Template did not set.
    expect(await byTestId("quality-badge").count()).toBe(flagged.length);
    const shown = card(flaggedWithImage.id);
    await expect.poll(() => byTestId("quality-badge", shown).textContent()).toContain("Données incomplètes");
    expect(await byTestId("quality-badge", shown).getAttribute("data-quality")).toBe(
      flaggedWithImage.quality.join(" "),
    );
    // Its image is the Template's own, loaded from /static/.
    expect(await loadImages(page)).toEqual([]);
    const img = byTestId("painting-image", shown);
    expect(await img.getAttribute("src")).toBe(flaggedWithImage.image_url);
    expect(flaggedWithImage.image_url).toContain("/static/");
    expect(await img.evaluate((el) => (el as HTMLImageElement).naturalWidth)).toBeGreaterThan(0);
    // A painting without an image: the placeholder says so.
    const none = byTestId("painting-image-placeholder", card(withoutImage.id));
    expect(await none.getAttribute("data-reason")).toBe("none");
    expect(await none.textContent()).toContain("Aucune image");
    await screenshot(page, "fidelity-01-flagged-paintings");

    // A status the Template did not set is "non renseigné", never "Disponible".
    await page.goto(`${t.runtime.url}/#/paintings?site_id=${SITE}`);
    await expect.poll(() => byTestId("painting-card").count()).toBe(paintings.length);
    expect(await byTestId("painting-status-badge", card(statusNotSet.id)).textContent()).toBe(
      "non renseigné",
    );
    // Last changed (the record's) and last synced (the site's last successful scan) are both shown.
    expect(await byTestId("painting-changed", card(statusNotSet.id)).textContent()).toMatch(
      /^Dernière modification/,
    );
    expect(await byTestId("painting-synced", card(statusNotSet.id)).textContent()).toMatch(
      /^Dernière synchro/,
    );
  });

  it("lists the paintings in the artist's order when asked", async () => {
    await page.goto(`${t.runtime.url}/#/paintings?site_id=${SITE}&sort=artist`);
    const order = sim.served("paintings").map((p) => String(p.id));
    await expect
      .poll(() =>
        byTestId("painting-card").evaluateAll((els) => els.map((el) => el.getAttribute("data-painting-id"))),
      )
      .toEqual(order);
  });

  it("shows the site's security warning with what to do", async () => {
    await byTestId("nav-sites").click();
    const row = page.locator(`[data-testid="site-row"][data-site-id="${SITE}"]`);
    const warning = row.locator(
      '[data-testid="site-health-warning"][data-code="settings_exposed_without_key"]',
    );
    await warning.waitFor();
    expect(await warning.textContent()).toContain("Ce site expose ses paramètres sans clé");
    expect(await byTestId("site-health-keys", warning).textContent()).toContain("export_api_key");
    // No leaked value reaches the page.
    const text = (await row.textContent()) ?? "";
    expect(text).not.toContain(API_KEY);
    expect(text).not.toContain(sim.data.settings.smtp_password as string);
    await screenshot(page, "fidelity-02-site-security-warning");
  });
});
