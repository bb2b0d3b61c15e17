/**
 * axe-core in the page under test: evaluated from the `axe-core` devDependency (no network; through the
 * DevTools protocol, which the UI's CSP `script-src 'self'` rightly refuses to a script tag), run on the whole
 * document, and reduced to the violations that block people: impact "serious" or "critical".
 */
import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import type { Page } from "playwright-core";
import { expect } from "vitest";
import { screenshot } from "./browser";

const AXE_SOURCE = createRequire(import.meta.url).resolve("axe-core/axe.min.js");
let axeSource: string | undefined;

export interface AxeViolation {
  id: string;
  impact: string;
  help: string;
  nodes: string[];
}

/** The serious and critical axe violations of the page as it is now (WCAG 2.x A and AA rules and best practices). */
export async function blockingViolations(page: Page): Promise<AxeViolation[]> {
  if (!(await page.evaluate(() => "axe" in window))) {
    axeSource ??= await readFile(AXE_SOURCE, "utf8");
    await page.evaluate(axeSource);
  }
  return page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run: (ctx: unknown, opts: unknown) => Promise<AxeResults> } })
      .axe;
    interface AxeResults {
      violations: { id: string; impact?: string | null; help: string; nodes: { target: unknown[] }[] }[];
    }
    const results = await axe.run(document, { resultTypes: ["violations"] });
    return results.violations
      .filter((v) => v.impact === "serious" || v.impact === "critical")
      .map((v) => ({
        id: v.id,
        impact: String(v.impact),
        help: v.help,
        nodes: v.nodes.slice(0, 5).map((n) => JSON.stringify(n.target)),
      }));
  });
}

/** A screen to check: its name (in the screenshot's file name), its URL hash, and the test id it shows once ready. */
export type Screen = readonly [name: string, hash: string, ready: string];

/**
 * Every screen at laptop (1400×900) and phone (390×844) size, in French and English: its serious and critical
 * violations, one line each, and a screenshot of it (`axe-<size>-<lang>-<name>`). Leaves the page at 1366×900
 * in French, on the last screen.
 */
export async function violationsOnScreens(page: Page, screens: readonly Screen[]): Promise<string[]> {
  const byTestId = (id: string) => page.locator(`[data-testid="${id}"]`);
  const found: string[] = [];
  try {
    for (const [viewport, size] of [
      ["laptop", { width: 1400, height: 900 }],
      ["phone", { width: 390, height: 844 }],
    ] as const) {
      await page.setViewportSize(size);
      for (const lang of ["fr", "en"] as const) {
        await byTestId(`lang-${lang}`).click();
        await expect.poll(() => page.evaluate(() => document.documentElement.lang)).toBe(lang);
        for (const [name, hash, ready] of screens) {
          await page.evaluate((h) => {
            location.hash = h;
          }, hash);
          await byTestId(ready).first().waitFor();
          await page.evaluate(() => document.fonts.ready);
          for (const v of await blockingViolations(page)) {
            found.push(`${viewport} ${lang} ${name}: ${v.impact} ${v.id} (${v.help}) ${v.nodes.join(" ")}`);
            process.stderr.write(`axe: ${found.at(-1)}\n`);
          }
          await screenshot(page, `axe-${viewport}-${lang}-${name}`, { fullPage: viewport === "laptop" });
        }
      }
    }
  } finally {
    await page.setViewportSize({ width: 1366, height: 900 });
    await byTestId("lang-fr").click();
  }
  return found;
}
