import { isProtectedStage } from "@dashboard/config";
import { KEY_ATTRIBUTES, TABLE } from "@dashboard/core/store/table";

/**
 * The single DynamoDB table, built from the same definition the code and the local runtime use, so the
 * deployed keys and indexes cannot drift from what `packages/core` queries.
 */
const indexes = Object.fromEntries(
  Object.entries(TABLE.indexes).map(([name, index]) => [
    name,
    { hashKey: index.partitionKey, rangeKey: index.sortKey, projection: "all" as const },
  ]),
);

/** Only key attributes are declared to DynamoDB; every one of them is a string. */
const keyFields = Object.fromEntries(KEY_ATTRIBUTES.map((field) => [field, "string" as const]));

export const table = new sst.aws.Dynamo("Table", {
  fields: keyFields,
  primaryIndex: { hashKey: TABLE.partitionKey, rangeKey: TABLE.sortKey },
  globalIndexes: indexes,
  ttl: TABLE.ttlAttribute,
  // Every change, with the item before and after it, feeds the change processor (stacks/changes.ts):
  // TABLE.streamViewType, in SST's spelling.
  stream: "new-and-old-images",
  deletionProtection: isProtectedStage($app.stage),
  transform: {
    table: (args) => {
      // SST turns it on today; stated here so the backup guarantee does not rest on a default.
      args.pointInTimeRecovery = { enabled: true };
    },
  },
});
