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

export async function appendLog(ctx: Ctx, runId: string, entries: LogEntry[]): Promise<void> {
  if (entries.length === 0) return;
  const ttl = runExpiresAt(ctx);
  await batchWrite(
    ctx,
    entries.map((entry) =>
      putRequest(LogLine.item([runId, `${entry.timestamp}#${sortableId()}`], { expires_at: ttl, ...entry })),
    ),
  );
}

export async function logOf(ctx: Ctx, runId: string): Promise<LogEntry[]> {
  const entries: LogEntry[] = [];
  for await (const items of queryAll(
    ctx,
    keyRange({ pk: Keys.runPartition(runId), prefix: Keys.logPrefix }),
  )) {
    for (const item of items) entries.push(LogLine.schema.parse(item));
  }
  return entries;
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
