/**
 * The lease: one scan of a (site, entity) at a time. Its `seq` is the step the scan is at; a continuation is
 * kept in the lease before it is sent, so a delivery that died after handing the scan on is repaired by the
 * next delivery of its message (compare-and-set on the step).
 */
import type { Ctx } from "../context";
import { Lease } from "../store/entities";
import { epochSeconds } from "../util/time";
import { Continuation, enqueue, type SyncMessage } from "./message";

/** A lease outlives the longest invocation (the consumer's timeout is 5 minutes). */
export const LEASE_SECONDS = 6 * 60;

/**
 * `seq` is the step the scan of this run is at; `next` the continuation message that hands the scan to step
 * `seq` and `sent` the last step whose continuation is known to be on the queue (see `resendContinuation`).
 */
type LeaseResult =
  | { held: true; seq: number; sent: number; next?: Continuation }
  | { held: false; owner: string };

export async function acquireLease(ctx: Ctx, msg: SyncMessage): Promise<LeaseResult> {
  const now = epochSeconds(ctx.now());
  const key = keyOf(msg);
  const taken = await Lease.update(ctx, "acquire", key, { run: msg.run_id, now, exp: now + LEASE_SECONDS });
  if (!taken.applied) {
    const current = await Lease.peek(ctx, key, ["owner"]);
    return { held: false, owner: String(current?.owner ?? "?") };
  }
  const old = taken.attributes;
  if (old && old.owner === msg.run_id) {
    const seq = Number(old.seq ?? 0);
    const next = Continuation.safeParse(old.next);
    return { held: true, seq, sent: Number(old.sent ?? 0), ...(next.success ? { next: next.data } : {}) };
  }
  // A lease that was free, or taken over from another (expired) run: the scan goes on at this message's
  // step. A continuation must not be left behind: its run's lease may have expired while the message
  // waited (a consumer that died is redelivered after the visibility timeout, longer than the lease), and
  // another run may have taken the lease and released it; ignoring the message left the entity running.
  const seq = msg.continuation?.seq ?? 0;
  if (old || seq > 0) await resetLease(ctx, msg, seq);
  return { held: true, seq, sent: seq };
}

type LeaseOf = Pick<SyncMessage, "site_id" | "entity" | "run_id">;
const keyOf = (msg: LeaseOf): [string, SyncMessage["entity"]] => [msg.site_id, msg.entity];
const expiry = (ctx: Ctx) => epochSeconds(ctx.now()) + LEASE_SECONDS;

/** Starts the lease's sequence at `seq`, forgetting a previous owner's continuation. */
async function resetLease(ctx: Ctx, msg: SyncMessage, seq: number) {
  await Lease.update(ctx, "reset", keyOf(msg), { run: msg.run_id, seq, exp: expiry(ctx) });
}

/**
 * Hands the scan from step `from` to `next.seq`, keeping the continuation in the lease before it is sent.
 * A compare-and-set on the step: of two deliveries of one message working at once, only one goes on.
 */
export async function advanceLease(
  ctx: Ctx,
  msg: SyncMessage,
  from: number,
  next: Continuation,
): Promise<boolean> {
  const done = await Lease.update(ctx, "advance", keyOf(msg), {
    run: msg.run_id,
    from,
    next,
    exp: expiry(ctx),
  });
  return done.applied;
}

/** Notes that the continuation of step `seq` is on the queue. */
export async function markSent(ctx: Ctx, msg: SyncMessage, seq: number) {
  await Lease.update(ctx, "markSent", keyOf(msg), { run: msg.run_id, seq });
}

/**
 * A delivery behind the lease (the scan was already handed on past it). When the invocation that handed
 * the scan on died before its continuation was known to be sent, the lease still holds that continuation:
 * send it (at worst a duplicate, which the compare-and-set of `advanceLease` stops at its next step).
 */
export async function resendContinuation(
  ctx: Ctx,
  msg: SyncMessage,
  lease: { seq: number; sent: number; next?: Continuation },
) {
  if (!lease.next || lease.next.seq !== lease.seq || lease.sent >= lease.seq) return;
  await enqueue(ctx, [{ body: { ...msg, continuation: lease.next, lease_waits: 0 } }]);
  await markSent(ctx, msg, lease.seq);
}

/** Frees the lease when `run_id` holds it (a lease another run took over is left alone). */
export async function releaseLease(ctx: Ctx, msg: LeaseOf) {
  await Lease.remove(ctx, "release", keyOf(msg), { run: msg.run_id });
}
