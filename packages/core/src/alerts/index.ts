/**
 * Alerts (issue 14, docs/alerts.md): subscriptions (subscriptions.ts), matching events to them and the
 * alerts queue's consumer (deliver.ts), one attempt at sending (send.ts), what owners read (list.ts).
 *
 *   import { Alerts } from "@dashboard/core/alerts";
 *   await Alerts.onEvents(ctx, events);
 */
export * as Alerts from "./alerts";
