/**
 * The lease: one scan of a (site, entity) at a time. Its `seq` is the step the scan is at; a continuation is
 * kept in the lease before it is sent, so a delivery that died after handing the scan on is repaired by the
 * next delivery of its message (compare-and-set on the step).
 */
import { DeleteCommand, GetCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import type { Ctx } from "../context";
import { Keys } from "../store/keys";
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
  const key = Keys.lease(msg.site_id, msg.entity);
  try {
    const out = await ctx.db.send(
      new UpdateCommand({
        TableName: ctx.table,
        Key: key,
        UpdateExpression:
          "SET #owner = :run, expires_at = :exp, seq = if_not_exists(seq, :zero), #type = :type",
        ConditionExpression: "attribute_not_exists(pk) OR #owner = :run OR expires_at < :now",
        ExpressionAttributeNames: { "#owner": "owner", "#type": "type" },
        ExpressionAttributeValues: {
          ":run": msg.run_id,
          ":exp": now + LEASE_SECONDS,
          ":now": now,
          ":zero": 0,
          ":type": "lease",
        },
        ReturnValues: "ALL_OLD",
      }),
    );
    const old = out.Attributes;
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
  } catch (e) {
    if ((e as Error).name !== "ConditionalCheckFailedException") throw e;
    const current = await ctx.db.send(
      new GetCommand({ TableName: ctx.table, Key: key, ConsistentRead: true }),
    );
    return { held: false, owner: String(current.Item?.owner ?? "?") };
  }
}

/** Starts the lease's sequence at `seq`, forgetting a previous owner's continuation. */
export async function resetLease(ctx: Ctx, msg: SyncMessage, seq: number) {
  await ctx.db.send(
    new UpdateCommand({
      TableName: ctx.table,
      Key: Keys.lease(msg.site_id, msg.entity),
      UpdateExpression: "SET seq = :seq, sent = :seq, expires_at = :exp REMOVE #next",
      ConditionExpression: "#owner = :run",
      ExpressionAttributeNames: { "#owner": "owner", "#next": "next" },
      ExpressionAttributeValues: {
        ":seq": seq,
        ":run": msg.run_id,
        ":exp": epochSeconds(ctx.now()) + LEASE_SECONDS,
      },
    }),
  );
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
  try {
    await ctx.db.send(
      new UpdateCommand({
        TableName: ctx.table,
        Key: Keys.lease(msg.site_id, msg.entity),
        UpdateExpression: "SET seq = :seq, #next = :next, expires_at = :exp",
        ConditionExpression: "#owner = :run AND seq = :from",
        ExpressionAttributeNames: { "#owner": "owner", "#next": "next" },
        ExpressionAttributeValues: {
          ":seq": next.seq,
          ":next": next,
          ":from": from,
          ":run": msg.run_id,
          ":exp": epochSeconds(ctx.now()) + LEASE_SECONDS,
        },
      }),
    );
    return true;
  } catch (e) {
    if ((e as Error).name === "ConditionalCheckFailedException") return false;
    throw e;
  }
}

/** Notes that the continuation of step `seq` is on the queue. */
export async function markSent(ctx: Ctx, msg: SyncMessage, seq: number) {
  await ctx.db
    .send(
      new UpdateCommand({
        TableName: ctx.table,
        Key: Keys.lease(msg.site_id, msg.entity),
        UpdateExpression: "SET sent = :seq",
        ConditionExpression: "#owner = :run AND seq = :seq",
        ExpressionAttributeNames: { "#owner": "owner" },
        ExpressionAttributeValues: { ":seq": seq, ":run": msg.run_id },
      }),
    )
    .catch((e: Error) => {
      if (e.name !== "ConditionalCheckFailedException") throw e;
    });
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
export async function releaseLease(ctx: Ctx, msg: Pick<SyncMessage, "site_id" | "entity" | "run_id">) {
  await ctx.db
    .send(
      new DeleteCommand({
        TableName: ctx.table,
        Key: Keys.lease(msg.site_id, msg.entity),
        ConditionExpression: "#owner = :run",
        ExpressionAttributeNames: { "#owner": "owner" },
        ExpressionAttributeValues: { ":run": msg.run_id },
      }),
    )
    .catch((e: Error) => {
      if (e.name !== "ConditionalCheckFailedException") throw e;
    });
}
