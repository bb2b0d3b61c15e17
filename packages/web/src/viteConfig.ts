/**
 * The web package's Vite configuration, shared by `vite build` / `vite dev` (through vite.config.ts) and by
 * `buildWeb()` (src/build.ts). Node side only: never imported by the app.
 */
import { fileURLToPath } from "node:url";
import react from "@vitejs/plugin-react";
import type { UserConfig } from "vite";

/** packages/web, absolute. */
export const webRoot = fileURLToPath(new URL("..", import.meta.url));

export interface WebConfigOptions {
  /** Where the build goes; default `<webRoot>/dist`. */
  outDir?: string;
}

export function webConfig(options: WebConfigOptions = {}): UserConfig {
  return {
    root: webRoot,
    // Relative asset URLs: the same build works at `/` locally and behind CloudFront.
    base: "./",
    plugins: [react()],
    envPrefix: "VITE_",
    build: {
      outDir: options.outDir ?? "dist",
      emptyOutDir: true,
      target: "es2022",
      sourcemap: false,
      reportCompressedSize: false,
      rolldownOptions: {
        output: {
          // Libraries in their own long-cached chunks; the app chunk is the one that changes.
          codeSplitting: {
            groups: [
              { name: "react", test: /node_modules[\\/](react|react-dom|scheduler)[\\/]/ },
              { name: "zod", test: /node_modules[\\/]zod[\\/]/ },
              { name: "query", test: /node_modules[\\/]@tanstack[\\/]/ },
            ],
          },
        },
      },
    },
    server: {
      host: "127.0.0.1",
      // `npm run dev -w @dashboard/web` against a running `npm start` (or DASHBOARD_API_URL).
      proxy: {
        "/api": { target: process.env.DASHBOARD_API_URL ?? "http://127.0.0.1:3000", changeOrigin: true },
      },
    },
    preview: { host: "127.0.0.1" },
  };
}
