/**
 * Alerts in a real browser (chromium, playwright-core) against the local runtime: the owner creates a URL
 * alert on "Alertes" (its signing secret shown once), sends a test that the test's own receiver on 127.0.0.1
 * gets correctly signed, reads the delivery's attempt; an e-mail alert's test lands in the outbox, on screen
 * and in DATA_DIR/outbox; no serious or critical axe violation on the screen.
 */
import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { verify } from "@dashboard/core/signature";
import { type Receiver, startReceiver } from "@dashboard/testing/alerts";
import { buildWeb } from "@dashboard/web";
import type { Locator, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestRuntime, type TestRuntime } from "../pipeline/support";
import { violationsOnScreens } from "./axe";
import { type Browser, collectProblems, launchBrowser, screenshot } from "./browser";

const UI_TIMEOUT = 30_000;

let t: TestRuntime;
let owner: Browser;
let receiver: Receiver;
let distDir: string;

const byTestId = (page: Page, id: string, root?: Locator) => (root ?? page).locator(`[data-testid="${id}"]`);

beforeAll(async () => {
  process.env.POWERTOOLS_LOG_LEVEL ??= "CRITICAL";
  distDir = await mkdtemp(join(tmpdir(), "dashboard-web-alerts-"));
  receiver = await startReceiver();
  const [runtime, browser] = await Promise.allSettled([
    buildWeb({ outDir: distDir }).then(() => startTestRuntime({ web: { distDir }, demoSites: 0 })),
    launchBrowser(),
  ]);
  if (runtime.status === "fulfilled") t = runtime.value;
  if (browser.status === "fulfilled") owner = browser.value;
  for (const started of [runtime, browser]) if (started.status === "rejected") throw started.reason;
  owner.page.setDefaultTimeout(UI_TIMEOUT);
});

afterAll(async () => {
  await owner?.close();
  await t?.close();
  await receiver?.close();
  if (distDir) await rm(distDir, { recursive: true, force: true });
});

async function createAlert(page: Page, name: string, type: "url" | "email", target: string) {
  await byTestId(page, "alert-add").click();
  const form = byTestId(page, "alert-form-modal");
  await byTestId(page, "alert-name", form).fill(name);
  await byTestId(page, "alert-target-type", form).selectOption(type);
  await byTestId(page, "alert-target", form).fill(target);
  await byTestId(page, "alert-kind-painting_sold", form).check();
  await byTestId(page, "alert-submit", form).click();
}

describe("alerts in chromium", () => {
  it("creates a URL alert, shows its secret once, and sends a signed test", async () => {
    const page = owner.page;
    const problems = collectProblems(page);
    await page.goto(t.runtime.url);
    await byTestId(page, "signin-token").fill(t.runtime.adminToken);
    await byTestId(page, "signin-submit").click();
    await byTestId(page, "nav-alerts").click();
    await byTestId(page, "alert-add").waitFor();

    await createAlert(page, "Ventes vers le CRM", "url", receiver.url);
    const shown = byTestId(page, "alert-secret-modal");
    const secret = await byTestId(page, "alert-secret", shown).inputValue();
    expect(secret).toMatch(/^alsec_/);
    await screenshot(page, "alerts-01-secret");
    await byTestId(page, "alert-secret-done", shown).click();
    const row = page.locator('[data-testid="alert-row"]', { hasText: "Ventes vers le CRM" });
    await row.waitFor();
    expect(await page.content()).not.toContain(secret);

    await byTestId(page, "alert-test", row).click();
    await expect.poll(() => receiver.received.length, { timeout: UI_TIMEOUT }).toBe(1);
    // The answer is back once the button is no longer busy (the attempt is logged by then).
    await expect
      .poll(() => byTestId(page, "alert-test", row).getAttribute("aria-busy"), { timeout: UI_TIMEOUT })
      .toBeNull();
    const post = receiver.received[0];
    expect(
      verify([secret], post?.headers["x-dashboard-signature"] as string, post?.body ?? "", new Date()),
    ).toBe(true);
    await byTestId(page, "alert-deliveries", row).click();
    const deliveries = byTestId(page, "alert-deliveries-modal");
    const delivery = byTestId(page, "alert-delivery", deliveries).first();
    await expect.poll(() => delivery.getAttribute("data-status"), { timeout: UI_TIMEOUT }).toBe("delivered");
    expect(await byTestId(page, "alert-attempt", deliveries).first().textContent()).toContain("200");
    await screenshot(page, "alerts-02-deliveries");
    await page.keyboard.press("Escape");
    expect(problems.take()).toEqual([]);
  });

  it("puts an e-mail alert's test in the outbox, on screen and in DATA_DIR", async () => {
    const page = owner.page;
    await createAlert(page, "Ventes par e-mail", "email", "galerie@example.com");
    const row = page.locator('[data-testid="alert-row"]', { hasText: "Ventes par e-mail" });
    await byTestId(page, "alert-test", row).click();
    const mail = page.locator('[data-testid="outbox-message"]', { hasText: "galerie@example.com" });
    await mail.first().waitFor();
    expect(await mail.first().textContent()).toContain("Test");
    const files = await readdir(join(t.dataDir, "outbox"));
    expect(files.filter((f) => f.endsWith(".eml"))).toHaveLength(1);
    await screenshot(page, "alerts-03-outbox");
  });

  it("has no serious or critical axe violation on Alertes, laptop and phone, French and English", async () => {
    const found = await violationsOnScreens(owner.page, [["alerts", "#/alerts", "alert-row"]]);
    expect(found).toEqual([]);
  }, 300_000);
});
