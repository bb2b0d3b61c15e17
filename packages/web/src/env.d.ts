/// <reference types="vite/client" />

interface ImportMetaEnv {
  /** Optional API origin baked in at build time; empty (the default) means same origin. */
  readonly VITE_API_URL?: string;
}

interface ImportMeta {
  readonly env: ImportMetaEnv;
}
