/**
 * The UI the local runtime serves: packages/web/dist, built in the background when missing or older than its
 * sources ("auto"), a given directory as it is, or none.
 */
import { resolve } from "node:path";
import type { WebState } from "./http";
import type { LocalOptions } from "./options";

export interface Ui {
  /** What the HTTP server serves now. */
  state: () => WebState;
  /** Resolves when the UI is ready (or failed, or is not served). */
  ready: Promise<WebState>;
}

export function startUi(web: NonNullable<LocalOptions["web"]>, print: (line: string) => void): Ui {
  let webState: WebState = { kind: "disabled" };
  if (web !== false && web !== "auto") webState = { kind: "ready", dir: resolve(web.distDir) };
  if (web !== "auto") return { state: () => webState, ready: Promise.resolve(webState) };
  webState = { kind: "building" };
  const ready = (async (): Promise<WebState> => {
    const { buildWeb, webBuildIsStale, webDist } = await import("@dashboard/web");
    if (await webBuildIsStale()) {
      print("[web] building the UI (first start, or its sources changed)…");
      const started = Date.now();
      await buildWeb();
      print(`[web] UI built in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    }
    return { kind: "ready", dir: webDist };
  })().then(
    (state) => {
      webState = state;
      return state;
    },
    (error: unknown) => {
      const message = (error as Error).message?.split("\n")[0] ?? String(error);
      print(`[web] the UI could not be built: ${message}`);
      webState = { kind: "failed", message };
      return webState;
    },
  );
  return { state: () => webState, ready };
}
