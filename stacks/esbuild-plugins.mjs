/**
 * esbuild plugins for every Lambda bundle (SST `nodejs.plugins`, set in sst.config.ts; the benchmark bundles
 * with the same list). Plain JavaScript: SST loads this file with Node before it bundles.
 */
import { dirname, join } from "node:path";

/**
 * zod's namespace object carries every locale (about 260 KB minified) as `z.locales`. Our code imports zod
 * as a namespace that esbuild shakes, but `@hono/zod-openapi` passes the whole `z` to
 * `extendZodWithOpenApi(z)` and Powertools' parser schemas import `{ z }`, so esbuild must keep all of it.
 * The Dashboard only ever speaks zod's default English messages: this resolves zod's locale index to a module
 * that exports `en` alone, so `z.locales.en` and the default error map work and the other locales are left out.
 * `test/infra/bundles.test.ts` checks that the bundles hold no other locale and still speak English.
 *
 * @returns {import("esbuild").Plugin}
 */
export function zodEnglishLocaleOnly() {
  return {
    name: "zod-english-locale-only",
    setup(build) {
      build.onResolve({ filter: /\/locales\/index\.js$/ }, (args) => {
        if (!/[\\/]node_modules[\\/]zod[\\/]/.test(args.importer)) return undefined;
        return { path: join(dirname(args.importer), args.path), namespace: "zod-english-locale-only" };
      });
      build.onLoad({ filter: /.*/, namespace: "zod-english-locale-only" }, (args) => {
        // If zod ever moves its English locale, this import fails the build rather than shipping without it.
        const en = join(dirname(args.path), "en.js");
        return {
          contents: `export { default as en } from ${JSON.stringify(en)};`,
          resolveDir: dirname(args.path),
        };
      });
    },
  };
}

export default [zodEnglishLocaleOnly()];
