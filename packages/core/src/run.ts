/** Sync runs (run/store.ts), their schema (run/schema.ts), log lines and rejected records (run/log.ts). */
export * from "./run/log";
export * from "./run/schema";
export * from "./run/store";
