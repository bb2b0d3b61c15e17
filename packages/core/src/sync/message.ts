/**
 * The sync queue's message: one (site, entity, run) unit of work, its continuation when a large entity is
 * checkpointed, and how messages are put on the queue.
 */
import { SendMessageBatchCommand } from "@aws-sdk/client-sqs";
import * as z from "zod";
import type { Ctx } from "../context";
import { Entity } from "../entity";
import { VisibleError } from "../error";
import { Trigger } from "../run";
import { reasonsOf } from "../template/schema";
import { pool } from "../util/pool";
import { retry } from "../util/retry";

export const Counters = z.object({
  fetched: z.number().int(),
  valid: z.number().int(),
  flagged: z.number().int().default(0),
  invalid: z.number().int(),
  written: z.number().int(),
  unchanged: z.number().int(),
  pages: z.number().int(),
  duplicates: z.number().int(),
  unidentified: z.number().int(),
  inserted: z.number().int(),
  write_requests: z.number().int(),
  started_ms: z.number(),
  /** Pages in a row whose every id was already seen in this scan (a server ignoring `offset`). */
  repeated_pages: z.number().int().default(0),
});
export type Counters = z.infer<typeof Counters>;

export const Continuation = z.object({
  /** Sequence of this continuation (1 for the first); equal to the lease's while it is current. */
  seq: z.number().int().positive(),
  offset: z.number().int().nonnegative(),
  counters: Counters,
});
export type Continuation = z.infer<typeof Continuation>;

export const SyncMessage = z.object({
  v: z.literal(1),
  run_id: z.string().min(1),
  site_id: z.string().min(1),
  entity: Entity,
  trigger: Trigger,
  continuation: Continuation.optional(),
  /** How many times this message waited for another run's lease. */
  lease_waits: z.number().int().nonnegative().default(0),
});
export type SyncMessage = z.infer<typeof SyncMessage>;

/** Parses a queue message body; a body that is not a sync message is a clear, permanent error. */
export const parseMessage = (body: string): SyncMessage => {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    throw new VisibleError("invalid_request", "invalid_message", "The queue message is not JSON");
  }
  const parsed = SyncMessage.safeParse(json);
  if (!parsed.success) {
    throw new VisibleError("invalid_request", "invalid_message", "The queue message is not a sync message", {
      issues: reasonsOf(parsed.error),
    });
  }
  return parsed.data;
};

/** SendMessageBatch requests in flight at once when `enqueue` has more than ten messages. */
const ENQUEUE_CONCURRENCY = 8;
/** Waits before sending again the messages SQS reported as failed. */
const ENQUEUE_BACKOFF = { baseMs: 50, maxMs: 1_000 };

class Refused extends Error {}

/**
 * Sends messages to the sync queue, ten per request and several requests at once, retrying the ones SQS
 * reports as failed (with backoff). On a failure no new request starts, and the call rejects once those in flight ended.
 */
export async function enqueue(
  ctx: Ctx,
  messages: { body: SyncMessage; delaySeconds?: number }[],
): Promise<number> {
  const batches: { Id: string; MessageBody: string; DelaySeconds: number | undefined }[][] = [];
  for (let i = 0; i < messages.length; i += 10) {
    batches.push(
      messages.slice(i, i + 10).map((m, j) => ({
        Id: `m${j}`,
        MessageBody: JSON.stringify(m.body),
        DelaySeconds: m.delaySeconds,
      })),
    );
  }
  let requests = 0;
  const send = async (entries: (typeof batches)[number]) => {
    let batch = entries;
    await retry(
      async (attempt) => {
        requests++;
        const out = await ctx.sqs.send(
          new SendMessageBatchCommand({ QueueUrl: ctx.queueUrl, Entries: batch }),
        );
        const failed = new Set((out.Failed ?? []).map((f) => f.Id));
        batch = batch.filter((b) => failed.has(b.Id));
        if (batch.length > 0)
          throw new Refused(`SQS refused ${batch.length} messages after ${attempt} attempts`);
      },
      // Only what SQS refused is sent again; a failed request is the SDK's to retry.
      { attempts: 5, backoff: ENQUEUE_BACKOFF, retryable: (e) => e instanceof Refused },
    );
  };
  await pool(batches, ENQUEUE_CONCURRENCY, send);
  return requests;
}
