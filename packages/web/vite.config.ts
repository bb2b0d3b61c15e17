import { defineConfig } from "vite";
import { webConfig } from "./src/viteConfig.ts";

export default defineConfig(webConfig());
