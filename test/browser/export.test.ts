/**
 * The CSV export in a real browser (chromium) against the local runtime, which streams it over Node: on the
 * paintings screen, with a filter set and the `;` separator chosen, "Exporter (CSV)" downloads a file whose
 * bytes are the UTF-8 BOM, the header, and the listed paintings with their accents intact ("Étude", "é").
 */
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseCsv } from "@dashboard/testing/csv";
import { buildWeb } from "@dashboard/web";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { finishedRun, startTestRuntime, type TestRuntime } from "../pipeline/support";
import { type Browser, collectProblems, launchBrowser, screenshot } from "./browser";

const UI_TIMEOUT = 30_000;
const RUN_TIMEOUT = 60_000;

let t: TestRuntime;
let browser: Browser;
let distDir: string;

const byTestId = (page: Page, id: string) => page.locator(`[data-testid="${id}"]`);

beforeAll(async () => {
  process.env.POWERTOOLS_LOG_LEVEL ??= "CRITICAL";
  distDir = await mkdtemp(join(tmpdir(), "dashboard-web-export-"));
  const [runtime, launched] = await Promise.allSettled([
    buildWeb({ outDir: distDir }).then(() =>
      startTestRuntime({
        web: { distDir },
        demoSites: 1,
        demoSizes: { paintings: 40, users: 8, orders: 5, exhibitions: 1, custom_requests: 1 },
      }),
    ),
    launchBrowser(),
  ]);
  if (runtime.status === "fulfilled") t = runtime.value;
  if (launched.status === "fulfilled") browser = launched.value;
  for (const started of [runtime, launched]) if (started.status === "rejected") throw started.reason;
  browser.page.setDefaultTimeout(UI_TIMEOUT);
  await Promise.all(t.runtime.demoSites.map((demo) => finishedRun(t.api, demo.runId as string, RUN_TIMEOUT)));
});

afterAll(async () => {
  await browser?.close();
  await t?.close();
  if (distDir) await rm(distDir, { recursive: true, force: true });
});

describe("CSV export in chromium", () => {
  it("downloads the filtered paintings as a UTF-8 file with a BOM and its accents intact", async () => {
    const { page } = browser;
    const problems = collectProblems(page);
    const listed = await t.api.get<{ items: { id: number; name: string | null; status: string | null }[] }>(
      "/api/paintings?limit=200",
    );
    const nonAscii = /[^\x20-\x7e]/;
    // A status that a painting with an accented name has, so the filtered file holds accents.
    const status = listed.json.items.find((p) => p.status && nonAscii.test(p.name ?? ""))?.status ?? "";
    expect(status).not.toBe("");
    const folded = status.normalize("NFD").replace(/\p{M}/gu, "").toLowerCase().trim();
    // What the list shows with that filter (the API matches any case and accents: "Vendu", "vendu ").
    const filtered = await t.api.get<typeof listed.json>(
      `/api/paintings?limit=200&status=${encodeURIComponent(folded)}`,
    );
    const expected = filtered.json.items;
    expect(expected.length).toBeLessThan(listed.json.items.length);

    await page.goto(t.runtime.url);
    await byTestId(page, "signin-token").fill(t.runtime.adminToken);
    await byTestId(page, "signin-submit").click();
    await byTestId(page, "nav-paintings").click();
    await byTestId(page, "painting-card").first().waitFor();
    await byTestId(page, "filter-status").selectOption(folded);
    await expect.poll(() => page.evaluate(() => location.hash)).toContain("status=");
    // French UI: `;` is the default, what a French Excel expects.
    expect(await byTestId(page, "export-separator").inputValue()).toBe(";");
    await screenshot(page, "export-01-paintings");

    const [download] = await Promise.all([
      page.waitForEvent("download"),
      byTestId(page, "export-csv").click(),
    ]);
    expect(download.suggestedFilename()).toMatch(/^paintings-\d{4}-\d{2}-\d{2}\.csv$/);
    const bytes = await readFile((await download.path()) as string);
    expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const text = bytes.toString("utf8").slice(1);
    const [header = [], ...rows] = parseCsv(text, ";");
    expect(header.slice(0, 4)).toEqual(["site_id", "site_name", "id", "name"]);
    const names = rows.map((row) => row[header.indexOf("name")]).sort();
    expect(names).toEqual(expected.map((p) => p.name ?? "").sort());
    // Accents as UTF-8 bytes, not mojibake: "é" is C3 A9.
    const accented = expected.map((p) => p.name ?? "").find((n) => nonAscii.test(n)) ?? "";
    expect(bytes.includes(Buffer.from(accented, "utf8"))).toBe(true);
    expect(text).not.toContain("Ã");
    expect(problems.take()).toEqual([]);
  });
});
