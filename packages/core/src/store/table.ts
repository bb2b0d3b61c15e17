/**
 * The single DynamoDB table: its key attributes and indexes. `stacks/` and the local runtime both build
 * the table from this definition, so the code and the infrastructure cannot drift apart.
 * See docs/data-model.md for which item lives under which key and which query serves which route.
 */
export const TABLE = {
  partitionKey: "pk",
  sortKey: "sk",
  /** TTL attribute (epoch seconds) on runs, logs, quarantined records, webhook dedupe markers. */
  ttlAttribute: "expires_at",
  /** The stream the change processor reads (activity/process.ts): every change with its old and new item. */
  streamViewType: "NEW_AND_OLD_IMAGES",
  indexes: {
    gsi1: { partitionKey: "gsi1pk", sortKey: "gsi1sk" },
    gsi2: { partitionKey: "gsi2pk", sortKey: "gsi2sk" },
  },
} as const;

export type IndexName = keyof typeof TABLE.indexes;

/** Every key attribute is a string. */
export const KEY_ATTRIBUTES = [
  TABLE.partitionKey,
  TABLE.sortKey,
  ...Object.values(TABLE.indexes).flatMap((i) => [i.partitionKey, i.sortKey]),
] as const;
