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
import * as z from "zod";
import type { Ctx } from "./context";
import { ALL_ENTITIES, Entity } from "./entity";
import { defineEntity } from "./store/entity";
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

/** A site's pending markers, one attribute per entity; the item's own TTL follows its newest marker. */
const PendingItem = defineEntity({
  type: "pending",
  schema: z.looseObject({}),
  key: (siteId: string) => Keys.pending(siteId),
  updates: {
    /** Takes `entities`' markers when none of them is held (the item as it was when one is). */
    claim: (p: { entities: readonly Entity[]; marker: Marker; now: number }) => {
      const names = Object.fromEntries(p.entities.map((e, i) => [`#e${i}`, e]));
      return {
        update: `SET #type = :type, expires_at = :exp, ${p.entities.map((_, i) => `#e${i} = :m`).join(", ")}`,
        condition: p.entities
          .map((_, i) => `(attribute_not_exists(#e${i}) OR #e${i}.expires_at < :now)`)
          .join(" AND "),
        names: { "#type": "type", ...names },
        values: { ":type": "pending", ":exp": p.marker.expires_at, ":m": p.marker, ":now": p.now },
        returnOnFailure: true,
      };
    },
    /** Drops `run`'s marker of `entity`; a marker another run holds is left alone. */
    release: (p: { entity: Entity; run: string }) => ({
      update: "REMOVE #e",
      condition: "#e.run_id = :r",
      names: { "#e": p.entity },
      values: { ":r": p.run },
    }),
  },
});

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
    const done = await PendingItem.update(ctx, "claim", [siteId], { entities: wanted, marker, now });
    if (done.applied) return wanted;
    // The item as the condition saw it; an emulator that does not return it (dynalite) is read instead.
    const held = done.attributes ? markersOf(done.attributes) : await markers(ctx, siteId);
    wanted = wanted.filter((entity) => !isHeld(held[entity], now));
  }
  return [];
}

/** Releases `runId`'s pending marker of (site, entity); a marker another run holds is left alone. */
export async function release(ctx: Ctx, siteId: string, entity: Entity, runId: string): Promise<void> {
  await PendingItem.update(ctx, "release", [siteId], { entity, run: runId });
}

/** Every marker a site's item holds, expired or not (for recovery tools and tests). */
export async function markers(ctx: Ctx, siteId: string): Promise<Markers> {
  return markersOf(await PendingItem.get(ctx, [siteId]));
}
