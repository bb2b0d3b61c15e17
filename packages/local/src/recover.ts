/**
 * Runs interrupted by a stop. Locally the queue (fauxqs) lives in memory, so the messages of a run still
 * queued or running when `npm start` stopped are gone with it, while DynamoDB Local kept the run. Left
 * alone, such a run would stay "running" forever and its lease (6 min) and pending marker (30 min) would
 * hold back the next syncs of the same entities. At start, when the queue is empty, every unfinished run is
 * therefore an orphan: each unfinished entity is recorded as failed with the reason (so the run finishes,
 * through the same exactly-once fan-in as any other), and its lease and pending marker are released.
 * AWS needs none of this: SQS keeps the messages, and the DLQ catches what keeps failing.
 */

import type { Ctx } from "@dashboard/core/context";
import type { Entity } from "@dashboard/core/entity";
import * as Pending from "@dashboard/core/pending";
import * as RunStore from "@dashboard/core/run";
import * as Sync from "@dashboard/core/sync";
import { isoNow } from "@dashboard/core/util/time";

/** Unfinished runs are the newest ones; older history is not read. */
const MAX_RUNS_SCANNED = 1_000;

export const INTERRUPTED = {
  code: "interrupted",
  message:
    "The local runtime stopped before this sync finished; its queued work was lost with the in-memory queue.",
  log: "Synchronisation interrompue : le runtime local s'est arrêté avant la fin (file d'attente en mémoire perdue)",
} as const;

const UNFINISHED: ReadonlySet<RunStore.RunStatus> = new Set(["queued", "running"]);

/** Finishes every unfinished run as interrupted; returns the runs it finished. Call only with an empty queue. */
export async function recoverInterruptedRuns(ctx: Ctx): Promise<RunStore.Run[]> {
  const orphans: RunStore.Run[] = [];
  let cursor: string | undefined;
  let scanned = 0;
  do {
    const page = await RunStore.list(ctx, { limit: 200, ...(cursor ? { cursor } : {}) });
    scanned += page.items.length;
    orphans.push(...page.items.filter((run) => UNFINISHED.has(run.status)));
    cursor = page.next_cursor;
  } while (cursor && scanned < MAX_RUNS_SCANNED);

  const recovered: RunStore.Run[] = [];
  for (const run of orphans) {
    const open = (Object.entries(run.entities) as [Entity, RunStore.EntityResult][]).filter(
      ([, result]) => !RunStore.isTerminal(result.status),
    );
    const timestamp = isoNow(ctx.now());
    await RunStore.appendLog(
      ctx,
      run.run_id,
      open.map(([entity]) => ({ entity, level: "ERROR" as const, message: INTERRUPTED.log, timestamp })),
    );
    for (const [entity, result] of open) {
      await Sync.completeEntity(ctx, run.run_id, entity, {
        ...result,
        status: "failed",
        error: { code: INTERRUPTED.code, message: INTERRUPTED.message },
      });
      await Sync.releaseLease(ctx, { site_id: run.site_id, entity, run_id: run.run_id });
      await Pending.release(ctx, run.site_id, entity, run.run_id);
    }
    recovered.push(await RunStore.get(ctx, run.run_id));
  }
  return recovered;
}
