import { monotonicFactory } from "ulid";

const next = monotonicFactory();

/** Sortable, prefixed ids: `run_01J...`. Lexical order is creation order. */
export const createId = (prefix: "run" | "log" | "msg" | "lease" | "evt" | "aud"): string =>
  `${prefix}_${next()}`;

/** A ulid alone, for sort keys that must follow creation order within one partition. */
export const sortableId = (): string => next();
