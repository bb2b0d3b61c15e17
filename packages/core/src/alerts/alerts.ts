/** The alerts namespace (index.ts exports it as `Alerts`). */
import { VisibleError } from "../error";
import { AlertMessage } from "./schema";

export {
  DEFAULT_ALERT_MAX_ATTEMPTS,
  DEFAULT_ALERT_RETRY_DELAYS_SECONDS,
  type HandleOptions,
  type HandleOutcome,
  handleMessage,
  onEvents,
  pendingDigest,
  RetryLater,
  sendTest,
} from "./deliver";
export { listDeliveries, listOutbox, PageQuery } from "./list";
export * from "./schema";
export { ALERT_DELIVERY_HEADER, ALERT_SIGNATURE_HEADER } from "./send";
export { create, get, list, remove, update } from "./subscriptions";

/** Parses an alerts queue message body; anything else is a clear, permanent error. */
export function parseMessage(body: string): AlertMessage {
  try {
    return AlertMessage.parse(JSON.parse(body));
  } catch {
    throw new VisibleError("invalid_request", "invalid_message", "The queue message is not an alert message");
  }
}
