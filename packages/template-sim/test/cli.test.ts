import { spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { parseCli } from "../src/cli";

describe("parseCli", () => {
  it("maps flags to SimOptions", () => {
    const opts = parseCli(
      [
        "--api-key",
        "k",
        "--port",
        "4001",
        "--paintings",
        "200",
        "--custom-requests",
        "9",
        "--seed",
        "5",
        "--site-name",
        "Atelier",
        "--settings-shape",
        "documented",
        "--disable",
        "stats,custom-requests",
      ],
      {},
    );
    expect(opts).toEqual({
      apiKey: "k",
      port: 4001,
      seed: 5,
      siteName: "Atelier",
      sizes: { paintings: 200, custom_requests: 9 },
      settingsShape: "documented",
      endpoints: { stats: false, custom_requests: false },
    });
  });

  it("takes keys from the environment", () => {
    expect(parseCli([], { SIM_API_KEY: "e", SIM_MASTER_KEY: "m" })).toMatchObject({
      apiKey: "e",
      masterKey: "m",
    });
  });

  it("rejects missing or bad values", () => {
    expect(() => parseCli([], {})).toThrow(/api-key/);
    expect(() => parseCli(["--api-key", "k", "--port", "99999"], {})).toThrow(/port/);
    expect(() => parseCli(["--api-key", "k", "--users", "-3"], {})).toThrow(/users/);
    expect(() => parseCli(["--api-key", "k", "--settings-shape", "round"], {})).toThrow(/settings-shape/);
    expect(() => parseCli(["--api-key", "k", "--disable", "paintings"], {})).toThrow(/paintings/);
    expect(() => parseCli(["--api-key", "k", "--bogus"], {})).toThrow();
    expect(parseCli(["--help"], {})).toBe("help");
  });
});

describe("cli process", () => {
  it("starts a site, prints its URL, serves, and exits 0 on SIGTERM", async () => {
    const cli = fileURLToPath(new URL("../src/cli.ts", import.meta.url));
    const child = spawn(process.execPath, ["--import", "tsx", cli, "--api-key", "k", "--paintings", "3"], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
    try {
      const lines = createInterface({ input: child.stdout });
      let url: string | undefined;
      for await (const line of lines) {
        url = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(line)?.[1];
        if (url) break;
      }
      if (!url) throw new Error("the CLI printed no URL");
      const res = await fetch(`${url}/api/export/paintings`, { headers: { "X-API-Key": "k" } });
      expect(((await res.json()) as { count: number }).count).toBe(3);
      child.kill("SIGTERM");
      expect(await exited).toBe(0);
    } finally {
      if (child.exitCode === null) child.kill("SIGKILL");
    }
  });
});
