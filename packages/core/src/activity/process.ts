/**
 * The change processor (issue 14): a batch of the table's stream records → history entries and activity
 * events, written with conditional puts on deterministic keys, so the same batch delivered twice writes
 * everything once. Records are read in their shard order; the first one that fails is reported with
 * every record after it (`batchItemFailures`, by sequence number), so the stream resumes from it and
 * nothing after it is skipped. Events the batch INSERTed into the table (items of `type: "event"`) are
 * handed to `hooks.onEvents` (alerts), at least once.
 */
import type { Ctx } from "../context";
import { expiresAfterDays } from "../retention";
import { EventItem, HistoryItem } from "../store/entities";
import { Keys } from "../store/keys";
import { pool } from "../util/pool";
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

/** Conditional puts in flight at once: each has its own key, so their order does not matter. */
const WRITE_CONCURRENCY = 8;

interface Write {
  what: keyof Written;
  put: () => Promise<boolean>;
}

interface Plan {
  writes: Write[];
  /** Ids of the events it writes (a recovery later in the batch may look for one). */
  eventIds: string[];
  /** The event it carries, when it INSERTed an event item. */
  inserted?: ActivityEvent;
}

/** What one stream record writes. Reads only for a site's recovery (did its outage raise an event?). */
async function plan(ctx: Ctx, change: Images, opts: ProcessOptions, planned: Set<string>): Promise<Plan> {
  const type = (change.new ?? change.old)?.type;
  const writes: Write[] = [];
  const events: ActivityEvent[] = [];
  if (type === "record" || type === "setting") {
    const out = diffRecord(change);
    const entry = out.history;
    if (entry) writes.push({ what: "history", put: () => writeHistory(ctx, entry, change.seq) });
    events.push(...out.events);
  } else if (type === "run") {
    events.push(...runEvents(change));
  } else if (type === "site") {
    const out = siteEvents(change, opts);
    events.push(...out.events);
    const recovery = out.recovery;
    if (
      recovery &&
      (planned.has(recovery.unreachableId) || (await EventItem.peek(ctx, [recovery.unreachableId], ["pk"])))
    ) {
      events.push(recovery.event);
    }
  } else if (type === "event" && change.eventName === "INSERT" && change.new) {
    return { writes, eventIds: [], inserted: ActivityEvent.parse(change.new) };
  }
  for (const event of events) writes.push({ what: "events", put: () => writeEvent(ctx, event) });
  return { writes, eventIds: events.map((e) => e.event_id) };
}

/**
 * Processes one batch of stream records (Lambda's `DynamoDBStreamEvent.Records`, or the local poller's):
 * each record is read and planned in order, then the writes go out `WRITE_CONCURRENCY` at a time.
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
  let failedAt = records.length;
  let failure: unknown;
  const fail = (index: number, error: unknown) => {
    if (index >= failedAt) return;
    failedAt = index;
    failure = error;
  };
  const tasks: (Write & { index: number })[] = [];
  const inserted: { index: number; event: ActivityEvent }[] = [];
  const planned = new Set<string>();
  for (const [index, raw] of records.entries()) {
    try {
      const p = await plan(ctx, imagesOf(StreamRecord.parse(raw)), opts, planned);
      for (const w of p.writes) tasks.push({ ...w, index });
      for (const id of p.eventIds) planned.add(id);
      if (p.inserted) inserted.push({ index, event: p.inserted });
    } catch (error) {
      if (seqs[index] === "") throw error; // not a stream record: no id to report, the batch fails whole
      fail(index, error);
      break;
    }
  }
  await pool(tasks, WRITE_CONCURRENCY, async (task) => {
    try {
      if (await task.put()) written[task.what]++;
    } catch (error) {
      fail(task.index, error);
    }
  });
  const ready = inserted.filter((i) => i.index < failedAt);
  if (hooks.onEvents && ready.length > 0) {
    try {
      await hooks.onEvents(
        ctx,
        ready.map((i) => i.event),
      );
    } catch (error) {
      fail(ready[0]?.index ?? failedAt, error);
    }
  }
  if (failedAt < records.length) hooks.onFailure?.(failure, seqs[failedAt] as string);
  return {
    batchItemFailures: seqs.slice(failedAt).map((itemIdentifier) => ({ itemIdentifier })),
    written,
  };
}
