/**
 * When a sync message that failed with something retrying can fix is tried again. The queue does the
 * waiting: the consumer makes the message invisible for the delay (ChangeMessageVisibility) instead of
 * letting it wait out the queue's whole visibility timeout, so a Template that is down shows `retrying` at
 * once and the run ends `failed` within minutes (30 s, 2 min, 8 min by default, for 4 attempts).
 */
import { ChangeMessageVisibilityCommand } from "@aws-sdk/client-sqs";
import type { Ctx } from "./context";

/** Waits after the 1st, 2nd, 3rd... failed attempt (the last value repeats). */
export const DEFAULT_RETRY_DELAYS_SECONDS: readonly number[] = [30, 120, 480];

/** SQS's longest visibility timeout (12 hours). */
export const MAX_VISIBILITY_SECONDS = 12 * 3600;

/**
 * The wait before the attempt after `failedAttempt` (1-based): the schedule's value spread by ±25 %
 * (so the sites that failed together do not come back together), never less than what the Template asked
 * with `Retry-After`, at most 12 hours.
 */
export function retryDelaySeconds(
  failedAttempt: number,
  opts: { delays?: readonly number[]; retryAfterMs?: number; random?: () => number } = {},
): number {
  const delays = opts.delays?.length ? opts.delays : DEFAULT_RETRY_DELAYS_SECONDS;
  const nominal = delays[Math.min(Math.max(failedAttempt, 1), delays.length) - 1] ?? 30;
  const spread = nominal * (0.75 + 0.5 * Math.min(Math.max((opts.random ?? Math.random)(), 0), 1));
  const asked = opts.retryAfterMs === undefined ? 0 : Math.ceil(opts.retryAfterMs / 1000);
  return Math.min(MAX_VISIBILITY_SECONDS, Math.max(1, Math.round(Math.max(spread, asked))));
}

/** `SYNC_RETRY_DELAYS_SECONDS` ("30,120,480"): the schedule; refuses anything but positive whole seconds. */
export function parseRetryDelays(text: string | undefined): readonly number[] {
  if (text === undefined || text.trim() === "") return DEFAULT_RETRY_DELAYS_SECONDS;
  const delays = text.split(",").map((part) => Number(part.trim()));
  if (delays.some((d) => !Number.isInteger(d) || d < 1 || d > MAX_VISIBILITY_SECONDS)) {
    throw new Error(
      `SYNC_RETRY_DELAYS_SECONDS must be whole seconds between 1 and ${MAX_VISIBILITY_SECONDS}, separated by commas (got "${text}")`,
    );
  }
  return delays;
}

/**
 * Makes a received message visible again in `seconds` (its next attempt), instead of the queue's timeout;
 * `queueUrl`: the queue it came from (the sync queue unless said).
 */
export async function delayRedelivery(
  ctx: Ctx,
  receiptHandle: string,
  seconds: number,
  queueUrl: string = ctx.queueUrl,
): Promise<void> {
  await ctx.sqs.send(
    new ChangeMessageVisibilityCommand({
      QueueUrl: queueUrl,
      ReceiptHandle: receiptHandle,
      VisibilityTimeout: seconds,
    }),
  );
}
