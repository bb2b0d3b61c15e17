/** A run's log lines (the seed's format, with codes) and the records it rejected (quarantine). */
import type { Ctx } from "../context";
import type { Entity } from "../entity";
import { expiresAfterDays } from "../retention";
import { batchWrite, keyRange, listPage, type Page, putRequest, queryAll } from "../store/db";
import { LogLine, RejectedRecord, RunEntity } from "../store/entities";
import { Keys } from "../store/keys";
import { boundedRaw } from "../store/limits";
import { sortableId } from "../util/id";
import { type InvalidRecord, type LogEntry, runExpiresAt, runNotFound } from "./schema";

/** A flush's lines go in one item, split only past this many bytes of JSON (an item holds 400 KB). */
const LOG_ITEM_MAX_BYTES = 64 * 1024;

/** Lines in items of at most `LOG_ITEM_MAX_BYTES` (a line longer than that alone in its item). */
function chunks(entries: readonly LogEntry[]): LogEntry[][] {
  const out: LogEntry[][] = [];
  let current: LogEntry[] = [];
  let bytes = 0;
  for (const entry of entries) {
    const size = Buffer.byteLength(JSON.stringify(entry));
    if (current.length > 0 && bytes + size > LOG_ITEM_MAX_BYTES) {
      out.push(current);
      current = [];
      bytes = 0;
    }
    current.push(entry);
    bytes += size;
  }
  if (current.length > 0) out.push(current);
  return out;
}

/** Appends lines to a run's log: the lines of one call (one flush) in one item, in their order. */
export async function appendLog(ctx: Ctx, runId: string, entries: LogEntry[]): Promise<void> {
  if (entries.length === 0) return;
  const ttl = runExpiresAt(ctx);
  await batchWrite(
    ctx,
    chunks(entries).map((lines) =>
      putRequest(
        LogLine.item([runId, `${lines[0]?.timestamp ?? ""}#${sortableId()}`], { expires_at: ttl, lines }),
      ),
    ),
  );
}

/**
 * A run's log, every line in time order: the items' lines, merged by timestamp (a stable sort: the lines of
 * one flush keep their order, and the flushes of the run's entities interleave as their lines happened).
 */
export async function logOf(ctx: Ctx, runId: string): Promise<LogEntry[]> {
  const entries: LogEntry[] = [];
  for await (const items of queryAll(
    ctx,
    keyRange({ pk: Keys.runPartition(runId), prefix: Keys.logPrefix }),
  )) {
    for (const item of items) {
      const parsed = LogLine.schema.parse(item);
      if ("lines" in parsed) entries.push(...parsed.lines);
      else entries.push(parsed);
    }
  }
  return entries.sort((a, b) => (a.timestamp < b.timestamp ? -1 : a.timestamp > b.timestamp ? 1 : 0));
}

// ---- quarantine ------------------------------------------------------------------------------------

/**
 * Keeps the records a run rejected, with why. Their raw copies (which may hold personal data that failed
 * validation) expire after `ctx.retention.rejectedRecordsDays`, sooner than the run and its log.
 */
export async function quarantine(ctx: Ctx, runId: string, records: InvalidRecord[]): Promise<void> {
  if (records.length === 0) return;
  const ttl = expiresAfterDays(ctx.now(), ctx.retention.rejectedRecordsDays);
  await batchWrite(
    ctx,
    records.map((r, i) =>
      putRequest(
        RejectedRecord.item(
          [runId, r.entity, r.record_id === null ? `?${sortableId()}${i}` : String(r.record_id)],
          { expires_at: ttl, ...r, raw: boundedRaw(r.raw) },
        ),
      ),
    ),
  );
}

export async function invalidRecords(
  ctx: Ctx,
  runId: string,
  q: { entity?: Entity; limit: number; cursor?: string },
): Promise<Page<InvalidRecord>> {
  if (!(await RunEntity.peek(ctx, [runId], ["pk"]))) throw runNotFound(runId);
  const page = await listPage(ctx, {
    key: { pk: Keys.runPartition(runId), prefix: Keys.invalidPrefix(q.entity) },
    limit: q.limit,
    cursor: q.cursor,
    scope: `invalid:${runId}:${q.entity ?? "*"}`,
  });
  return { ...page, items: page.items.map((i) => RejectedRecord.schema.parse(i)) };
}
