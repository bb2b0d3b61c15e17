import type { Plugin } from "esbuild";

/** Types of esbuild-plugins.mjs (plain JavaScript, as SST loads it). */
export declare function zodEnglishLocaleOnly(): Plugin;
declare const plugins: Plugin[];
export default plugins;
