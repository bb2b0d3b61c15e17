import * as z from "zod";

/** Everything the Dashboard syncs from a Template, in the order a full run processes it. */
export const Entity = z.enum([
  "paintings",
  "users",
  "orders",
  "settings",
  "exhibitions",
  "stats",
  "custom_requests",
]);
export type Entity = z.infer<typeof Entity>;

export const ALL_ENTITIES: readonly Entity[] = Entity.options;

/** The seed's success rule: a run succeeds when these four succeed. */
export const REQUIRED_ENTITIES: readonly Entity[] = ["paintings", "users", "orders", "settings"];

/** Older Templates may lack these endpoints (404): skipped, not failed. */
export const OPTIONAL_ENTITIES: readonly Entity[] = ["exhibitions", "stats", "custom_requests"];

/** Entities whose records are stored one item per record and can be listed, diffed and deleted. */
export const RECORD_ENTITIES = ["paintings", "users", "orders", "exhibitions", "custom_requests"] as const;
export type RecordEntity = (typeof RECORD_ENTITIES)[number];

export const isOptional = (entity: Entity): boolean => OPTIONAL_ENTITIES.includes(entity);
