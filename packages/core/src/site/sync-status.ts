/** What the sync records on a site: its last run (the overview's status) and each entity's counts. */
import { UpdateCommand } from "@aws-sdk/lib-dynamodb";
import type { Ctx } from "../context";
import type { Entity } from "../entity";
import { Keys } from "../store/keys";
import { isoNow } from "../util/time";
import type { Site } from "./schema";

/** After a run: its status on the site, for the overview. */
export async function recordRun(ctx: Ctx, siteId: string, run: NonNullable<Site["last_run"]>): Promise<void> {
  await ctx.db
    .send(
      new UpdateCommand({
        TableName: ctx.table,
        Key: Keys.siteItem(siteId),
        UpdateExpression: "SET last_run = :r",
        ConditionExpression:
          "attribute_exists(pk) AND (attribute_not_exists(last_run) OR last_run.run_id <= :id)",
        ExpressionAttributeValues: { ":r": run, ":id": run.run_id },
      }),
    )
    .catch((e: Error) => {
      if (e.name !== "ConditionalCheckFailedException") throw e;
    });
}

/** After an entity sync: how many live records the site has, and when the entity was last synced. */
export async function recordEntitySync(ctx: Ctx, siteId: string, entity: Entity, count: number | undefined) {
  const names = { "#e": entity };
  const now = isoNow(ctx.now());
  await ctx.db
    .send(
      new UpdateCommand({
        TableName: ctx.table,
        Key: Keys.siteItem(siteId),
        UpdateExpression:
          count === undefined
            ? "SET last_synced_at = if_not_exists(last_synced_at, :empty)"
            : "SET counts = if_not_exists(counts, :empty), last_synced_at = if_not_exists(last_synced_at, :empty)",
        ConditionExpression: "attribute_exists(pk)",
        ExpressionAttributeValues: { ":empty": {} },
      }),
    )
    .catch((e: Error) => {
      if (e.name !== "ConditionalCheckFailedException") throw e;
    });
  await ctx.db
    .send(
      new UpdateCommand({
        TableName: ctx.table,
        Key: Keys.siteItem(siteId),
        UpdateExpression:
          count === undefined
            ? "SET last_synced_at.#e = :now"
            : "SET counts.#e = :c, last_synced_at.#e = :now",
        ConditionExpression: "attribute_exists(pk)",
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: count === undefined ? { ":now": now } : { ":c": count, ":now": now },
      }),
    )
    .catch((e: Error) => {
      if (e.name !== "ConditionalCheckFailedException") throw e;
    });
}
