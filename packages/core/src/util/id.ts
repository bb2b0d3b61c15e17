import { decodeTime, monotonicFactory } from "ulid";

const next = monotonicFactory();

/** Sortable, prefixed ids: `run_01J...`. Lexical order is creation order. */
export const createId = (
  prefix: "run" | "log" | "msg" | "lease" | "evt" | "aud" | "sub" | "dlv" | "mail",
): string => `${prefix}_${next()}`;

/** A ulid alone, for sort keys that must follow creation order within one partition. */
export const sortableId = (): string => next();

/** When a prefixed id (`run_01J...`) was created, in ms since the epoch; undefined for another shape. */
export const idTime = (id: string): number | undefined => {
  try {
    return decodeTime(id.slice(id.indexOf("_") + 1));
  } catch {
    return undefined;
  }
};
