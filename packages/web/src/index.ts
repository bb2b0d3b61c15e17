/** Node-side entry of the web package: building the UI. The app itself starts at src/main.tsx. */
export { type BuildWebOptions, buildWeb, ensureWebBuilt, webBuildIsStale, webDist, webRoot } from "./build";
