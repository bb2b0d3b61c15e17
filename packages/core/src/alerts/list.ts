/** What owners read: a subscription's deliveries with their attempts, and the local outbox. */
import * as z from "zod";
import type { Ctx } from "../context";
import { VisibleError } from "../error";
import { listPage, type Page } from "../store/db";
import { Keys } from "../store/keys";
import { Delivery, OutboxMessage } from "./schema";
import { getItem } from "./subscriptions";

export const PageQuery = z.object({
  limit: z.number().int().min(1).max(200).default(50),
  cursor: z.string().optional(),
});
export type PageQuery = z.input<typeof PageQuery>;

/** A subscription's deliveries, newest first, each with every attempt. */
export async function listDeliveries(
  ctx: Ctx,
  subscriptionId: string,
  query: PageQuery,
): Promise<Page<Delivery>> {
  const q = PageQuery.parse(query);
  await getItem(ctx, subscriptionId);
  const page = await listPage(ctx, {
    key: { pk: Keys.alertPartition(subscriptionId), prefix: Keys.alertDeliveryPrefix },
    descending: true,
    limit: q.limit,
    cursor: q.cursor,
    scope: `alert-deliveries:${subscriptionId}`,
  });
  return { ...page, items: page.items.map((i) => Delivery.parse(i)) };
}

/** The e-mails the outbox holds, newest first; only where e-mail is not sent (not in production). */
export async function listOutbox(ctx: Ctx, query: PageQuery): Promise<Page<OutboxMessage>> {
  if (ctx.production) {
    throw new VisibleError("not_found", "outbox_not_available", "The outbox exists only outside production");
  }
  const q = PageQuery.parse(query);
  const page = await listPage(ctx, {
    key: { pk: Keys.alertOutboxPartition },
    descending: true,
    limit: q.limit,
    cursor: q.cursor,
    scope: "alert-outbox",
  });
  return { ...page, items: page.items.map((i) => OutboxMessage.parse(i)) };
}
