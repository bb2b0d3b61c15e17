/**
 * Seeds activity events and history entries shaped as the change processor writes them (issue 14): every
 * field of the schema, the keys of store/keys.ts, `type` and `expires_at`. The read side's tests (core, API,
 * browser) list what this writes, without running the stream pipeline.
 */
import { PutCommand } from "@aws-sdk/lib-dynamodb";
import type { ActivityEvent, HistoryEntry } from "@dashboard/core/activity/schema";
import type { Ctx } from "@dashboard/core/context";
import { expiresAfterDays } from "@dashboard/core/retention";
import { Keys } from "@dashboard/core/store/keys";

/** An event as the processor would make it: a price change of painting 1 unless told otherwise. */
export function sampleEvent(
  over: Partial<ActivityEvent> & Pick<ActivityEvent, "event_id" | "site_id" | "at">,
) {
  const event: ActivityEvent = {
    kind: "painting_price_changed",
    entity: "paintings",
    record_id: 1,
    record_label: "Les Nymphéas",
    params: { from: 820, to: 990 },
    message: {
      fr: "Prix de « Les Nymphéas » modifié : 820 → 990",
      en: "Price of “Les Nymphéas” changed: 820 → 990",
    },
    ...over,
  };
  return event;
}

const expiresAt = (ctx: Ctx, at: string) => expiresAfterDays(new Date(at), ctx.retention.activityDays);

/** Writes events as event items (`EVENT#<id>`, on the activity indexes). */
export async function seedEvents(ctx: Ctx, events: ActivityEvent[]): Promise<void> {
  for (const event of events) {
    await ctx.db.send(
      new PutCommand({
        TableName: ctx.table,
        Item: {
          ...event,
          ...Keys.event(event.event_id, event.site_id, event.at),
          type: "event",
          expires_at: expiresAt(ctx, event.at),
        },
      }),
    );
  }
}

/** Writes history entries on their record's partition; `seq` stands for the stream record's sequence number. */
export async function seedHistory(ctx: Ctx, entries: HistoryEntry[]): Promise<void> {
  let seq = 0;
  for (const entry of entries) {
    seq++;
    await ctx.db.send(
      new PutCommand({
        TableName: ctx.table,
        Item: {
          ...entry,
          ...Keys.history(
            entry.site_id,
            entry.entity,
            entry.record_id,
            entry.at,
            String(seq).padStart(21, "0"),
          ),
          type: "history",
          expires_at: expiresAt(ctx, entry.at),
        },
      }),
    );
  }
}
