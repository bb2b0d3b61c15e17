/**
 * Pending syncs: a sync of (site, entity) that is queued and has not started yet. A schedule tick or a burst
 * of webhooks while one is pending is folded into it (`Sync.start` with `coalesce`): that sync has not read
 * the Template yet, so it will see whatever the burst announced. The consumer releases the marker just
 * before it starts the entity; a marker whose message was lost stops counting after `PENDING_TTL_SECONDS`.
 *
 * One item per site holds every entity's marker (`<entity>: { run_id, expires_at }`), so a site's markers are
 * claimed with one conditional UpdateItem when none is held (the schedule's common case), and one more per
 * round of entities found held: a failed condition returns the item as it was (no read, no transaction).
 */
import { ConditionalCheckFailedException } from "@aws-sdk/client-dynamodb";
import { GetCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { unmarshall } from "@aws-sdk/util-dynamodb";
import * as z from "zod";
import type { Ctx } from "./context";
import { ALL_ENTITIES, Entity } from "./entity";
import { Keys } from "./store/keys";
import { epochSeconds } from "./util/time";

/** A pending marker older than this is ignored (its message was lost or sits in the DLQ). */
export const PENDING_TTL_SECONDS = 30 * 60;

export const Marker = z.object({ run_id: z.string(), expires_at: z.number() });
export type Marker = z.infer<typeof Marker>;

const Markers = z.partialRecord(Entity, Marker);
type Markers = z.infer<typeof Markers>;

/** The markers an item of the pending table holds (its other attributes are keys and TTL). */
const markersOf = (item: Record<string, unknown> | undefined): Markers =>
  Markers.parse(
    Object.fromEntries(ALL_ENTITIES.filter((e) => item?.[e] !== undefined).map((e) => [e, item?.[e]])),
  );

const isHeld = (marker: Marker | undefined, now: number): boolean =>
  marker !== undefined && marker.expires_at >= now;

/**
 * Claims the pending markers of `entities` of a site for `runId`; returns the ones claimed (in the order
 * asked), leaving out those another sync holds. Each round conditions only on the entities still wanted, so
 * an entity found held is never taken over, and the rounds end: a failed round names at least one held entity.
 */
export async function claim(
  ctx: Ctx,
  siteId: string,
  entities: readonly Entity[],
  runId: string,
): Promise<Entity[]> {
  const now = epochSeconds(ctx.now());
  const marker: Marker = { run_id: runId, expires_at: now + PENDING_TTL_SECONDS };
  let wanted = [...entities];
  // A failed round names at least one held entity, so there are at most `entities.length` of them; the
  // bound only matters where the item has to be read after the fact (see below) and keeps changing.
  for (let round = 0; wanted.length > 0; round++) {
    if (round > ALL_ENTITIES.length + 2) throw new Error(`pending markers of ${siteId} kept changing`);
    const names = Object.fromEntries(wanted.map((e, i) => [`#e${i}`, e]));
    try {
      await ctx.db.send(
        new UpdateCommand({
          TableName: ctx.table,
          Key: Keys.pending(siteId),
          // The item's own TTL follows its newest marker: DynamoDB drops it once every marker has expired.
          UpdateExpression: `SET #type = :type, expires_at = :exp, ${wanted.map((_, i) => `#e${i} = :m`).join(", ")}`,
          ConditionExpression: wanted
            .map((_, i) => `(attribute_not_exists(#e${i}) OR #e${i}.expires_at < :now)`)
            .join(" AND "),
          ExpressionAttributeNames: { "#type": "type", ...names },
          ExpressionAttributeValues: {
            ":type": "pending",
            ":exp": marker.expires_at,
            ":m": marker,
            ":now": now,
          },
          ReturnValuesOnConditionCheckFailure: "ALL_OLD",
        }),
      );
      return wanted;
    } catch (e) {
      if (!(e instanceof ConditionalCheckFailedException)) throw e;
      // The item as the condition saw it; an emulator that does not return it (dynalite) is read instead.
      const held = e.Item ? markersOf(unmarshall(e.Item)) : await markers(ctx, siteId);
      wanted = wanted.filter((entity) => !isHeld(held[entity], now));
    }
  }
  return [];
}

/** Releases `runId`'s pending marker of (site, entity); a marker another run holds is left alone. */
export async function release(ctx: Ctx, siteId: string, entity: Entity, runId: string): Promise<void> {
  await ctx.db
    .send(
      new UpdateCommand({
        TableName: ctx.table,
        Key: Keys.pending(siteId),
        UpdateExpression: "REMOVE #e",
        ConditionExpression: "#e.run_id = :r",
        ExpressionAttributeNames: { "#e": entity },
        ExpressionAttributeValues: { ":r": runId },
      }),
    )
    .catch((e: Error) => {
      if (e.name !== "ConditionalCheckFailedException") throw e;
    });
}

/** Every marker a site's item holds, expired or not (for recovery tools and tests). */
export async function markers(ctx: Ctx, siteId: string): Promise<Markers> {
  const out = await ctx.db.send(
    new GetCommand({ TableName: ctx.table, Key: Keys.pending(siteId), ConsistentRead: true }),
  );
  return markersOf(out.Item);
}
