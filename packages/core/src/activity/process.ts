/**
 * The change processor (issue 14): a batch of the table's stream records → history entries and activity
 * events, written with conditional puts on deterministic keys, so the same batch delivered twice writes
 * everything once. Records are handled in their shard order; the first one that fails is reported with
 * every record after it (`batchItemFailures`, by sequence number), so the stream resumes from it and
 * nothing after it is skipped. Events the batch INSERTed into the table (items of `type: "event"`) are
 * handed to `hooks.onEvents` (alerts), at least once.
 */
import type { Ctx } from "../context";
import { expiresAfterDays } from "../retention";
import { EventItem, HistoryItem } from "../store/entities";
import { Keys } from "../store/keys";
import { diffRecord } from "./diff";
import { type OperationalOptions, runEvents, siteEvents } from "./operational";
import { ActivityEvent, type HistoryEntry } from "./schema";
import { type Images, imagesOf, StreamRecord } from "./stream";

export interface ProcessHooks {
  /** The events this batch's stream records INSERTed, in stream order (called at least once per event). */
  onEvents?: (ctx: Ctx, events: ActivityEvent[]) => Promise<void>;
  /** A record (by sequence number) that failed and will be delivered again, with everything after it. */
  onFailure?: (error: unknown, seq: string) => void;
}

export type ProcessOptions = OperationalOptions;

export interface BatchResult {
  /** The stream records to deliver again (sequence numbers): the first failure and everything after it. */
  batchItemFailures: { itemIdentifier: string }[];
}

export interface Written {
  history: number;
  events: number;
}

const expiresAt = (ctx: Ctx, at: string): number => {
  const when = new Date(at);
  return expiresAfterDays(Number.isNaN(when.getTime()) ? ctx.now() : when, ctx.retention.activityDays);
};

async function writeHistory(ctx: Ctx, entry: HistoryEntry, seq: string): Promise<boolean> {
  return HistoryItem.create(ctx, [entry.site_id, entry.entity, entry.record_id, entry.at, seq], {
    ...entry,
    expires_at: expiresAt(ctx, entry.at),
  });
}

/** Writes an event once (false when its id was written before). */
export async function writeEvent(ctx: Ctx, event: ActivityEvent): Promise<boolean> {
  return EventItem.create(ctx, [event.event_id], {
    ...event,
    ...Keys.event(event.event_id, event.site_id, event.at),
    expires_at: expiresAt(ctx, event.at),
  });
}

/** What one stream record writes; returns the event it carries when it INSERTed an event item. */
async function handleRecord(
  ctx: Ctx,
  change: Images,
  opts: ProcessOptions,
  written: Written,
): Promise<ActivityEvent | undefined> {
  const type = (change.new ?? change.old)?.type;
  const events: ActivityEvent[] = [];
  if (type === "record" || type === "setting") {
    const out = diffRecord(change);
    if (out.history && (await writeHistory(ctx, out.history, change.seq))) written.history++;
    events.push(...out.events);
  } else if (type === "run") {
    events.push(...runEvents(change));
  } else if (type === "site") {
    const out = siteEvents(change, opts);
    events.push(...out.events);
    if (out.recovery && (await EventItem.peek(ctx, [out.recovery.unreachableId], ["pk"]))) {
      events.push(out.recovery.event);
    }
  } else if (type === "event" && change.eventName === "INSERT" && change.new) {
    return ActivityEvent.parse(change.new);
  }
  for (const event of events) if (await writeEvent(ctx, event)) written.events++;
  return undefined;
}

/**
 * Processes one batch of stream records (Lambda's `DynamoDBStreamEvent.Records`, or the local poller's).
 * `written` counts what this call wrote (a redelivery writes nothing).
 */
export async function processChanges(
  ctx: Ctx,
  records: readonly unknown[],
  hooks: ProcessHooks = {},
  opts: ProcessOptions = {},
): Promise<BatchResult & { written: Written }> {
  const written: Written = { history: 0, events: 0 };
  const seqs = records.map((raw) => {
    const seq = (raw as { dynamodb?: { SequenceNumber?: unknown } } | null)?.dynamodb?.SequenceNumber;
    return typeof seq === "string" ? seq : "";
  });
  const inserted: { index: number; event: ActivityEvent }[] = [];
  let failedAt = records.length;
  for (const [index, raw] of records.entries()) {
    try {
      const event = await handleRecord(ctx, imagesOf(StreamRecord.parse(raw)), opts, written);
      if (event) inserted.push({ index, event });
    } catch (error) {
      if (seqs[index] === "") throw error; // not a stream record: no id to report, the batch fails whole
      hooks.onFailure?.(error, seqs[index] as string);
      failedAt = index;
      break;
    }
  }
  if (hooks.onEvents && inserted.length > 0) {
    try {
      await hooks.onEvents(
        ctx,
        inserted.map((i) => i.event),
      );
    } catch (error) {
      const first = inserted[0]?.index ?? failedAt;
      hooks.onFailure?.(error, seqs[first] as string);
      failedAt = Math.min(failedAt, first);
    }
  }
  return {
    batchItemFailures: seqs.slice(failedAt).map((itemIdentifier) => ({ itemIdentifier })),
    written,
  };
}
