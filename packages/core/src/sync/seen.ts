/**
 * A checkpointed scan's seen ids: saved at each continuation (one item per step and chunk), read back by
 * the next step to dedupe and to know what was not seen, removed when the entity finishes.
 */
import type { Ctx } from "../context";
import { batchWrite, deletePartition, type Item, keyRange, putRequest, queryAll } from "../store/db";
import { SeenIds } from "../store/entities";
import { Keys } from "../store/keys";
import { epochSeconds } from "../util/time";
import type { SyncMessage } from "./message";

export async function saveSeen(ctx: Ctx, msg: SyncMessage, seq: number, ids: (number | string)[]) {
  // One item per checkpoint; chunks stay far below DynamoDB's 400 KB item limit.
  const CHUNK = 20_000;
  const items: Item[] = [];
  for (let i = 0; i < Math.max(ids.length, 1); i += CHUNK) {
    items.push(
      SeenIds.item([msg.run_id, msg.entity, seq * 1000 + i / CHUNK], {
        expires_at: epochSeconds(ctx.now()) + 7 * 86_400,
        ids: ids.slice(i, i + CHUNK).join(","),
      }),
    );
  }
  await batchWrite(ctx, items.map(putRequest));
}

export async function loadSeen(ctx: Ctx, msg: SyncMessage, uptoSeq: number): Promise<Set<number | string>> {
  const seen = new Set<number | string>();
  for await (const items of queryAll(
    ctx,
    keyRange({ pk: Keys.runPartition(msg.run_id), prefix: Keys.seenPrefix(msg.entity) }),
  )) {
    for (const item of items) {
      const seq = Math.floor(Number(String(item.sk).slice(Keys.seenPrefix(msg.entity).length)) / 1000);
      if (seq > uptoSeq) continue;
      for (const id of SeenIds.schema.parse(item).ids.split(",")) if (id !== "") seen.add(Number(id));
    }
  }
  return seen;
}

export const cleanupSeen = (ctx: Ctx, msg: SyncMessage) =>
  deletePartition(ctx, Keys.runPartition(msg.run_id), Keys.seenPrefix(msg.entity));
