/**
 * Activity and history in a real browser (Debian's chromium, playwright-core) against the local runtime with
 * one demo site. Some events are seeded in the table as the change processor writes them
 * (@dashboard/testing/activity, same keys), to show every kind of sentence; the rest comes from the real
 * pipeline: a painting repriced at the demo site's template-sim, synced, captured from the table's stream by
 * the change processor, shown in the feed within the live delay and in the painting's Historique.
 * Acceptance of issue 14:
 *
 *   the Activité screen shows the events in French and English, filtered by kind · a change made at a
 *   template-sim site appears within the live delay, without a reload, asked with If-None-Match meanwhile · the
 *   overview shows the latest events · a painting's page shows its price change in Historique · no serious axe
 *   violation.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ActivityEvent } from "@dashboard/core/activity/schema";
import { sampleEvent, seedEvents } from "@dashboard/testing/activity";
import { buildWeb } from "@dashboard/web";
import type { Locator, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { finishedRun, listAll, startTestRuntime, type TestRuntime } from "../pipeline/support";
import { violationsOnScreens } from "./axe";
import { type Browser, collectProblems, launchBrowser, screenshot } from "./browser";

const UI_TIMEOUT = 30_000;
const RUN_TIMEOUT = 60_000;
/** The UI asks again every 3 s; a new event must show within that and one request (a bound, not a speed). */
const LIVE_BOUND_MS = 8_000;

let t: TestRuntime;
let browser: Browser;
let page: Page;
let problems: ReturnType<typeof collectProblems>;
let distDir: string;
let siteId = "";
let painting: { id: number; site_id: string; name: string | null; price: number; technique: string | null };

const byTestId = (id: string, root: Page | Locator = page) => root.locator(`[data-testid="${id}"]`);
const sentences = () => byTestId("activity-sentence", byTestId("activity-list")).allTextContents();

const ago = (minutes: number) => new Date(Date.now() - minutes * 60_000).toISOString();

beforeAll(async () => {
  process.env.POWERTOOLS_LOG_LEVEL ??= "CRITICAL";
  distDir = await mkdtemp(join(tmpdir(), "dashboard-web-activity-"));
  const [runtime, launched] = await Promise.allSettled([
    buildWeb({ outDir: distDir }).then(() =>
      startTestRuntime({
        web: { distDir },
        demoSites: 1,
        demoSizes: { paintings: 6, users: 6, orders: 4, exhibitions: 1, custom_requests: 1 },
      }),
    ),
    launchBrowser(),
  ]);
  if (runtime.status === "fulfilled") t = runtime.value;
  if (launched.status === "fulfilled") browser = launched.value;
  for (const started of [runtime, launched]) if (started.status === "rejected") throw started.reason;
  page = browser.page;
  page.setDefaultTimeout(UI_TIMEOUT);
  problems = collectProblems(page);
  await Promise.all(t.runtime.demoSites.map((demo) => finishedRun(t.api, demo.runId as string, RUN_TIMEOUT)));
  await t.runtime.idle();
  siteId = t.runtime.demoSites[0]?.id ?? "";
  const first = (await listAll<typeof painting>(t.api, `/api/paintings?site_id=${siteId}`))[0];
  if (!first) throw new Error("the demo site has no painting");
  painting = first;
  const label = painting.name ?? `#${painting.id}`;

  const events: ActivityEvent[] = [
    sampleEvent({
      event_id: "evt_seed_order",
      site_id: siteId,
      at: ago(50),
      kind: "order_created",
      entity: "orders",
      record_id: 1,
      record_label: "Claire Martin",
      params: { amount: 450 },
      message: { fr: "Nouvelle commande de Claire Martin : 450 €", en: "New order from Claire Martin: €450" },
    }),
    sampleEvent({
      event_id: "evt_seed_price",
      site_id: siteId,
      at: ago(40),
      record_id: painting.id,
      record_label: label,
      message: {
        fr: `Prix de « ${label} » modifié : 820 € → 990 €`,
        en: `Price of “${label}” changed: €820 → €990`,
      },
    }),
    sampleEvent({
      event_id: "evt_seed_failed",
      site_id: siteId,
      at: ago(30),
      kind: "sync_failed",
      entity: undefined,
      record_id: undefined,
      record_label: undefined,
      run_id: t.runtime.demoSites[0]?.runId as string,
      params: {},
      message: { fr: "La synchronisation a échoué", en: "The sync failed" },
    }),
  ];
  await seedEvents(t.runtime.ctx, events);
});

afterAll(async () => {
  await browser?.close();
  await t?.close();
  if (distDir) await rm(distDir, { recursive: true, force: true });
});

describe("activity and history in chromium", () => {
  it("shows the seeded events on Activité, newest first, in French then English, filtered by kind", async () => {
    await page.goto(t.runtime.url);
    await byTestId("signin-token").fill(t.runtime.adminToken);
    await byTestId("signin-submit").click();
    await byTestId("nav-activity").click();
    await expect.poll(() => byTestId("nav-activity").getAttribute("aria-current")).toBe("page");
    await byTestId("activity-event").first().waitFor();
    expect(await byTestId("live-indicator").count()).toBe(1);
    // The feed is the API's, newest first: the seeded events among what the demo site's sync raised.
    const feed = (await t.api.get<{ items: ActivityEvent[] }>("/api/activity?limit=50")).json.items;
    const seeded = ["evt_seed_failed", "evt_seed_price", "evt_seed_order"];
    expect(feed.map((e) => e.event_id).filter((id) => seeded.includes(id))).toEqual(seeded);
    expect(await sentences()).toEqual(feed.map((e) => e.message.fr));
    expect(await sentences()).toEqual(
      expect.arrayContaining([
        "La synchronisation a échoué",
        expect.stringMatching(/^Prix de « .+ » modifié : 820 € → 990 €$/),
        "Nouvelle commande de Claire Martin : 450 €",
      ]),
    );
    const price = page.locator('[data-testid="activity-event"][data-event-id="evt_seed_price"]');
    expect(await byTestId("activity-link", price).getAttribute("href")).toBe(
      `#/paintings/${siteId}/${painting.id}`,
    );
    await screenshot(page, "activity-01-feed");

    await byTestId("lang-en").click();
    await expect.poll(sentences).toEqual(feed.map((e) => e.message.en));
    expect(await sentences()).toEqual(
      expect.arrayContaining(["The sync failed", "New order from Claire Martin: €450"]),
    );
    await byTestId("lang-fr").click();

    await byTestId("filter-kind").selectOption("order_created");
    await expect.poll(sentences).toEqual(["Nouvelle commande de Claire Martin : 450 €"]);
    expect(page.url()).toContain("kind=order_created");
    await byTestId("filter-kind").selectOption("");
    await expect.poll(() => byTestId("activity-event").count()).toBe(feed.length);
    expect(problems.take()).toEqual([]);
  });

  it("shows a change made at the Template, then a new event, within the live delay, without a reload, asking with If-None-Match", async () => {
    const conditional: string[] = [];
    const onRequest = (request: { url(): string; headers(): Record<string, string> }) => {
      if (request.url().includes("/api/activity") && request.headers()["if-none-match"])
        conditional.push(request.url());
    };
    page.on("request", onRequest);
    try {
      // A few idle refreshes first: each asks with the ETag it holds, and the list stays as it is.
      await expect.poll(() => conditional.length, { timeout: LIVE_BOUND_MS }).toBeGreaterThan(0);
      const marker = await page.evaluate(() => {
        (window as unknown as { notReloaded: boolean }).notReloaded = true;
        return true;
      });
      expect(marker).toBe(true);
      const before = await byTestId("activity-event").count();
      // A change at the Template: the demo site's template-sim reprices the painting; a sync (as a webhook
      // or the schedule would start it) stores it, the change processor turns the stream's record into an event.
      const demo = t.runtime.demoSites[0];
      const atSim = demo?.sim.data.paintings.find((p) => p.id === painting.id);
      if (!atSim) throw new Error("the painting is not at the demo site's Template");
      atSim.price = painting.price + 170;
      // A value set or unset at the Template: history words the missing side "non renseigné".
      atSim.technique = painting.technique === null ? "Huile sur toile" : null;
      const changedAt = Date.now();
      const synced = await t.api.post<{ status: string }>(`/api/sync/template/${siteId}?wait=25`, {
        entities: ["paintings"],
      });
      expect(synced.status).toBe(200);
      // The change processor has stored its event: from then on, the screen shows it within the live delay.
      let stored: ActivityEvent | undefined;
      await expect
        .poll(
          async () => {
            const path = `/api/activity?site_id=${siteId}&kind=painting_price_changed&limit=1`;
            stored = (await t.api.get<{ items: ActivityEvent[] }>(path)).json.items[0];
            // The newest of its kind, and not the one seeded 40 minutes ago.
            return stored && stored.event_id !== "evt_seed_price" ? stored.record_id : undefined;
          },
          { timeout: 30_000, interval: 200 },
        )
        .toBe(painting.id);
      const storedAt = Date.now();
      expect(stored?.params).toEqual({ from: painting.price, to: painting.price + 170 });
      await expect
        .poll(async () => (await sentences())[0], { timeout: LIVE_BOUND_MS, interval: 200 })
        .toBe(stored?.message.fr);
      expect(Date.now() - storedAt).toBeLessThan(LIVE_BOUND_MS);
      expect(Date.now() - changedAt).toBeLessThan(60_000);
      const seededAt = Date.now();
      await seedEvents(t.runtime.ctx, [
        sampleEvent({
          event_id: "evt_live_sold",
          site_id: siteId,
          at: new Date().toISOString(),
          kind: "painting_sold",
          record_id: painting.id,
          message: { fr: "Peinture vendue : « Les Iris »", en: "Painting sold: “Les Iris”" },
        }),
      ]);
      await expect
        .poll(async () => (await sentences())[0], { timeout: LIVE_BOUND_MS, interval: 200 })
        .toBe("Peinture vendue : « Les Iris »");
      const seenAfterMs = Date.now() - seededAt;
      expect(seenAfterMs).toBeLessThan(LIVE_BOUND_MS);
      expect(await page.evaluate(() => (window as unknown as { notReloaded?: boolean }).notReloaded)).toBe(
        true,
      );
      expect(await byTestId("activity-event").count()).toBe(before + 2);
      await screenshot(page, "activity-02-live");
    } finally {
      page.off("request", onRequest);
    }
    expect(problems.take()).toEqual([]);
  });

  it("shows the latest events on the overview, linking to the feed", async () => {
    await byTestId("nav-overview").click();
    const latest = byTestId("latest-activity");
    await byTestId("activity-event", latest).first().waitFor();
    expect(await byTestId("activity-sentence", latest).first().textContent()).toBe(
      "Peinture vendue : « Les Iris »",
    );
    expect(await byTestId("latest-activity-all").getAttribute("href")).toBe("#/activity");
    expect(problems.take()).toEqual([]);
  });

  it("shows a painting's price change in Historique, newest first, with a value not set worded", async () => {
    await page.evaluate((hash) => {
      location.hash = hash;
    }, `#/paintings/${siteId}/${painting.id}`);
    const history = byTestId("record-history");
    await byTestId("history-entry", history).first().waitFor();
    expect(
      await byTestId("history-entry", history).evaluateAll((rows) =>
        rows.map((r) => r.getAttribute("data-change")),
      ),
    ).toEqual(["updated", "created"]);
    const price = page.locator('[data-testid="history-field"][data-field="price"]');
    const shown = (n: number) =>
      n
        .toFixed(2)
        .replace(".", ",")
        .replace(/\B(?=(\d{3})+(?!\d))/g, "\\s");
    expect(await price.textContent()).toMatch(
      new RegExp(`^Prix : ${shown(painting.price)}\\s€ → ${shown(painting.price + 170)}\\s€$`),
    );
    const technique = page.locator('[data-testid="history-field"][data-field="technique"]');
    expect(await technique.textContent()).toBe(
      painting.technique === null
        ? "Technique : non renseigné → Huile sur toile"
        : `Technique : ${painting.technique} → non renseigné`,
    );
    expect(await byTestId("history-entry", history).last().textContent()).toContain("Créé sur le site");
    await screenshot(page, "activity-03-painting-history");

    await byTestId("lang-en").click();
    await expect.poll(() => price.textContent()).toMatch(/^Price: €[\d,]+\.\d\d → €[\d,]+\.\d\d$/);
    await byTestId("lang-fr").click();
    expect(problems.take()).toEqual([]);
  });

  it("has no serious or critical axe violation on Activité and a page with its history, laptop and phone, French and English", async () => {
    const found = await violationsOnScreens(page, [
      ["activity", "#/activity", "activity-event"],
      ["painting-history", `#/paintings/${siteId}/${painting.id}`, "history-entry"],
    ]);
    expect(found).toEqual([]);
  }, 300_000);
});
