/**
 * Named access in a real browser (Debian's chromium, playwright-core) against the local runtime with one demo
 * site. Acceptance of issue 12: an owner creates a viewer token on the "Accès" screen (shown once); a second
 * browser signs in with it, sees e-mail addresses masked and no sync (nor any other change) button; the owner
 * revokes it, and the viewer is signed out on its next request, told why.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildWeb } from "@dashboard/web";
import type { Locator, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { finishedRun, startTestRuntime, type TestRuntime } from "../pipeline/support";
import { violationsOnScreens } from "./axe";
import { type Browser, collectProblems, launchBrowser, screenshot } from "./browser";

const UI_TIMEOUT = 30_000;
const RUN_TIMEOUT = 60_000;
const TOKEN_KEY = "artworksdigital.dashboard.token";

let t: TestRuntime;
let owner: Browser;
let viewer: Browser;
let distDir: string;
let viewerToken = "";

const byTestId = (page: Page, id: string, root?: Locator) => (root ?? page).locator(`[data-testid="${id}"]`);

async function signIn(page: Page, token: string) {
  await page.goto(t.runtime.url);
  await byTestId(page, "signin-token").fill(token);
  await byTestId(page, "signin-submit").click();
  await byTestId(page, "nav-overview").waitFor();
}

async function open(page: Page, nav: string, ready: string) {
  await byTestId(page, `nav-${nav}`).click();
  await byTestId(page, ready).first().waitFor();
}

beforeAll(async () => {
  process.env.POWERTOOLS_LOG_LEVEL ??= "CRITICAL";
  distDir = await mkdtemp(join(tmpdir(), "dashboard-web-access-"));
  const [runtime, first, second] = await Promise.allSettled([
    buildWeb({ outDir: distDir }).then(() =>
      startTestRuntime({
        web: { distDir },
        demoSites: 1,
        demoSizes: { paintings: 6, users: 8, orders: 5, exhibitions: 1, custom_requests: 1 },
      }),
    ),
    launchBrowser(),
    launchBrowser(),
  ]);
  if (runtime.status === "fulfilled") t = runtime.value;
  if (first.status === "fulfilled") owner = first.value;
  if (second.status === "fulfilled") viewer = second.value;
  for (const started of [runtime, first, second]) if (started.status === "rejected") throw started.reason;
  owner.page.setDefaultTimeout(UI_TIMEOUT);
  viewer.page.setDefaultTimeout(UI_TIMEOUT);
  await Promise.all(t.runtime.demoSites.map((demo) => finishedRun(t.api, demo.runId as string, RUN_TIMEOUT)));
});

afterAll(async () => {
  await owner?.close();
  await viewer?.close();
  await t?.close();
  if (distDir) await rm(distDir, { recursive: true, force: true });
});

describe("named access in chromium", () => {
  it("lets the owner create a viewer token, shown once", async () => {
    const page = owner.page;
    const problems = collectProblems(page);
    await signIn(page, t.runtime.adminToken);
    expect(await byTestId(page, "signed-in-as").getAttribute("data-role")).toBe("owner");
    await open(page, "access", "token-add");
    await byTestId(page, "token-add").click();
    const form = byTestId(page, "token-form-modal");
    await byTestId(page, "token-name", form).fill("Comptable");
    await byTestId(page, "token-role", form).selectOption("viewer");
    await byTestId(page, "token-submit", form).click();
    const shown = byTestId(page, "token-secret-modal");
    await byTestId(page, "token-secret-warning", shown).waitFor();
    viewerToken = await byTestId(page, "token-secret", shown).inputValue();
    expect(viewerToken).toMatch(/^adt_/);
    await screenshot(page, "access-01-token-created");
    await byTestId(page, "token-secret-done", shown).click();
    const row = page.locator('[data-testid="token-row"]', { hasText: "Comptable" });
    await expect.poll(() => row.getAttribute("data-status")).toBe("active");
    // The list never shows a token's value again.
    expect(await page.content()).not.toContain(viewerToken);
    expect(problems.take()).toEqual([]);
  });

  it("has no serious or critical axe violation on Accès and Journal d'audit, laptop and phone, French and English", async () => {
    const page = owner.page;
    // The token created above is listed on Accès, and its creation is in the audit log.
    const found = await violationsOnScreens(page, [
      ["access", "#/access", "token-row"],
      ["audit", "#/audit", "audit-row"],
    ]);
    // Back on Accès, where the next test revokes the token.
    await page.evaluate(() => {
      location.hash = "#/access";
    });
    await byTestId(page, "token-row").first().waitFor();
    expect(found).toEqual([]);
  }, 300_000);

  it("shows a viewer masked e-mail addresses, and no sync or change button", async () => {
    const page = viewer.page;
    const problems = collectProblems(page);
    await signIn(page, viewerToken);
    expect(await byTestId(page, "signed-in-as").getAttribute("data-role")).toBe("viewer");
    // The owner's screens are not offered.
    expect(await byTestId(page, "nav-access").count()).toBe(0);
    expect(await byTestId(page, "nav-audit").count()).toBe(0);

    await open(page, "users", "users-table");
    const masked = byTestId(page, "email-masked");
    await masked.first().waitFor();
    const emails = await masked.allTextContents();
    expect(emails.length).toBeGreaterThan(0);
    for (const email of emails.filter((e) => e !== "—")) expect(email).toMatch(/^.\*\*\*@.\*\*\*/);
    expect(await page.locator('a[href^="mailto:"]').count()).toBe(0);
    await screenshot(page, "access-02-viewer-users-masked");

    await open(page, "sites", "site-row");
    for (const id of ["site-sync-now", "site-add", "site-edit", "site-delete", "site-rotate-secret"]) {
      expect({ id, count: await byTestId(page, id).count() }).toEqual({ id, count: 0 });
    }
    await screenshot(page, "access-03-viewer-sites");
    expect(problems.take()).toEqual([]);
  });

  it("signs the viewer out on its next request once the owner revoked the token", async () => {
    const page = owner.page;
    const row = page.locator('[data-testid="token-row"]', { hasText: "Comptable" });
    await byTestId(page, "token-revoke", row).click();
    await byTestId(page, "confirm-ok").click();
    await expect.poll(() => row.getAttribute("data-status")).toBe("revoked");

    // The viewer's next request (opening another screen) is refused: back to sign-in, told why.
    const problems = collectProblems(viewer.page);
    await byTestId(viewer.page, "nav-runs").click();
    const notice = byTestId(viewer.page, "signin-expired");
    await notice.waitFor();
    expect(await notice.getAttribute("data-reason")).toBe("revoked");
    expect(await viewer.page.evaluate((key) => sessionStorage.getItem(key), TOKEN_KEY)).toBeNull();
    await screenshot(viewer.page, "access-04-viewer-signed-out");
    // The browser logs the refused request itself (401); nothing else went wrong.
    expect(problems.take().every((p) => /401/.test(p.text))).toBe(true);

    // And the owner's audit log names who did it.
    await open(page, "audit", "audit-row");
    const revoked = page.locator('[data-testid="audit-row"][data-action="token.revoked"]');
    await revoked.first().waitFor();
    expect(await byTestId(page, "audit-actor", revoked.first()).textContent()).toBe("bootstrap");
    // From where: the browser's address as the server saw it (loopback here).
    expect(await byTestId(page, "audit-origin", revoked.first()).textContent()).toMatch(/127\.0\.0\.1/);
    await screenshot(page, "access-05-audit-log");
  });
});
