/**
 * The local stand-in for an EventBridge schedule rule targeting a Lambda: a timer that invokes the
 * handler with the same "Scheduled Event" AWS sends, and a `Context`.
 */
import { randomUUID } from "node:crypto";
import type { Context, ScheduledEvent } from "aws-lambda";
import { createLambdaContext, LOCAL_ACCOUNT_ID, LOCAL_REGION } from "./lambda-context";

export type ScheduledHandler = (event: ScheduledEvent, context: Context) => Promise<unknown> | unknown;

export interface ScheduleOptions {
  /** Period between invocations, in seconds (> 0; fractions allowed for tests). */
  intervalSeconds: number;
  handler: ScheduledHandler;
  /** Rule name in the event's `resources` ARN. Default "SyncSchedule". */
  ruleName?: string;
  region?: string;
  accountId?: string;
  /** Name of the invoked function, for the context. Default "SyncScheduler". */
  functionName?: string;
  /** Function timeout for `getRemainingTimeInMillis()`. Default 30 000 ms. */
  timeoutMs?: number;
  /** Where a failed timer-driven invocation is reported. Default: one line on stderr. */
  onError?: (error: unknown) => void;
}

export interface Schedule {
  /** Invokes the handler now with a fresh event; resolves to its result, rejects with its error. */
  tick(): Promise<unknown>;
  /** Stops the timer and waits for running invocations. Idempotent. */
  stop(): Promise<void>;
  /** The event `tick()` would send at `now`; for tests and logs. */
  buildEvent(now?: Date): ScheduledEvent;
}

/** EventBridge writes `time` to the second, without milliseconds: "2017-12-22T18:43:48Z". */
function eventTime(now: Date): string {
  return `${now.toISOString().slice(0, 19)}Z`;
}

/**
 * Starts the timer. The first invocation happens one interval from now, as with a `rate()` rule. A
 * period that comes while the previous invocation still runs is skipped, so a slow handler cannot pile
 * up; `tick()` always invokes.
 */
export function startSchedule(options: ScheduleOptions): Schedule {
  if (!(options.intervalSeconds > 0) || !Number.isFinite(options.intervalSeconds)) {
    throw new RangeError(`intervalSeconds must be a positive number, got ${options.intervalSeconds}`);
  }
  const region = options.region ?? LOCAL_REGION;
  const accountId = options.accountId ?? LOCAL_ACCOUNT_ID;
  const ruleArn = `arn:aws:events:${region}:${accountId}:rule/${options.ruleName ?? "SyncSchedule"}`;
  const functionName = options.functionName ?? "SyncScheduler";
  const timeoutMs = options.timeoutMs ?? 30_000;
  const onError =
    options.onError ??
    ((error: unknown) => {
      const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
      console.error(`[schedule] ${functionName} failed: ${text}`);
    });

  const buildEvent = (now: Date = new Date()): ScheduledEvent => ({
    version: "0",
    id: randomUUID(),
    "detail-type": "Scheduled Event",
    source: "aws.events",
    account: accountId,
    time: eventTime(now),
    region,
    resources: [ruleArn],
    detail: {},
  });

  const running = new Set<Promise<unknown>>();
  const invoke = (): Promise<unknown> => {
    const context = createLambdaContext({ functionName, timeoutMs, region, accountId });
    const run = Promise.resolve().then(() => options.handler(buildEvent(), context));
    const tracked = run.then(
      () => undefined,
      () => undefined,
    );
    running.add(tracked);
    void tracked.then(() => running.delete(tracked));
    return run;
  };

  const timer = setInterval(() => {
    if (running.size > 0) return;
    invoke().catch(onError);
  }, options.intervalSeconds * 1000);
  // The timer alone never keeps the process alive (the HTTP servers do).
  timer.unref();

  let stopped: Promise<void> | undefined;
  return {
    tick: invoke,
    buildEvent,
    stop(): Promise<void> {
      stopped ??= (async () => {
        clearInterval(timer);
        await Promise.all([...running]);
      })();
      return stopped;
    },
  };
}
