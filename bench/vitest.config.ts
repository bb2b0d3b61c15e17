import { defineConfig } from "vitest/config";

/** The bench's own unit tests (no services): `npx vitest run --config bench/vitest.config.ts`. */
export default defineConfig({
  test: {
    include: ["bench/**/*.test.ts"],
    exclude: ["**/node_modules/**"],
  },
});
