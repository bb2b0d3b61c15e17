/**
 * The Lambda bundles as SST builds them with the project's settings (`FUNCTION_BUNDLING`, packages/config/src/index.ts):
 * the AWS SDK is left to the runtime, zod keeps only its English locale, and each stays within the 400 KB
 * budget of issue 6 (sizes are deterministic; the init times are measured by `npm run bench`, not here).
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { build } from "esbuild";
import { afterAll, describe, expect, it } from "vitest";
import { bundle, FUNCTIONS } from "../../bench/bundles";
import plugins from "../../stacks/esbuild-plugins.mjs";

const BUDGET_BYTES = 400 * 1024;
const out = mkdtempSync(join(tmpdir(), "dashboard-bundles-"));
afterAll(() => rmSync(out, { recursive: true, force: true }));

const zodLocales = (inputs: string[]) =>
  inputs
    .filter((f) => /node_modules\/zod\/v4\/locales\/(?!index\.js$)/.test(f))
    .map((f) => f.split("/").pop());

describe.each(FUNCTIONS)("the %s function's bundle", (name) => {
  it("leaves the AWS SDK to the runtime, keeps zod's English locale alone, and fits the budget", async () => {
    const deployed = await bundle(name, out);
    expect(deployed.inputs.some((f) => f.includes("node_modules/@aws-sdk/"))).toBe(false);
    expect(deployed.inputs.some((f) => f.includes("node_modules/@smithy/"))).toBe(false);
    expect(readFileSync(deployed.file, "utf8")).toMatch(/from\s*"@aws-sdk\/client-dynamodb"/);
    expect(zodLocales(deployed.inputs)).toEqual(["en.js"]);
    expect(deployed.bytes).toBeLessThanOrEqual(BUDGET_BYTES);

    // Without the settings the same function carries the SDK and every locale: the settings are what do it.
    const inside = await bundle(name, out, { deployed: false });
    expect(inside.inputs.some((f) => f.includes("node_modules/@aws-sdk/client-dynamodb/"))).toBe(true);
    expect(zodLocales(inside.inputs).length).toBeGreaterThan(10);
    expect(inside.bytes).toBeGreaterThan(deployed.bytes);
  });
});

describe("zod under the English-only locale plugin", () => {
  it("still validates and speaks English, and z.locales holds en alone", async () => {
    const file = join(out, "zod-probe.mjs");
    await build({
      stdin: {
        contents: [
          'import { z } from "zod";',
          "const r = z.object({ price: z.number() }).safeParse({ price: 'x' });",
          "export const ok = z.string().safeParse('a').success;",
          "export const message = r.success ? '' : r.error.issues[0].message;",
          "export const locales = Object.keys(z.locales);",
        ].join("\n"),
        resolveDir: process.cwd(),
      },
      outfile: file,
      bundle: true,
      platform: "node",
      format: "esm",
      plugins,
      logLevel: "error",
    });
    const probe = (await import(pathToFileURL(file).href)) as {
      ok: boolean;
      message: string;
      locales: string[];
    };
    expect(probe.ok).toBe(true);
    expect(probe.message).toBe("Invalid input: expected number, received string");
    expect(probe.locales).toEqual(["en"]);
  });
});
