/** What the local runtime prints about the queue: messages reaching the DLQ and the poller's problems. */
import type { SQSClient } from "@aws-sdk/client-sqs";
import type { PollerError } from "./poller";
import { queueDepth } from "./sqs";

/** Prints when messages land in the DLQ (AWS raises an alarm; locally the console says it). */
export function watchDeadLetters(sqs: SQSClient, dlqUrl: string, print: (line: string) => void) {
  let last = 0;
  let busy = false;
  const timer = setInterval(() => {
    if (busy) return;
    busy = true;
    queueDepth(sqs, dlqUrl)
      .then(({ visible, inFlight }) => {
        // Visible, or held invisible by someone inspecting the DLQ.
        const count = visible + inFlight;
        if (count > last) {
          print(
            `[dlq] ${count} message(s) in the dead-letter queue: a sync kept failing; its run says why (GET /api/sync/runs).`,
          );
        }
        last = count;
      })
      .catch(() => {})
      .finally(() => {
        busy = false;
      });
  }, 2_000);
  timer.unref();
  return () => clearInterval(timer);
}

/** Poller problems, one line each, at most one per phase every 10 s. */
export function pollerReporter(print: (line: string) => void) {
  const lastAt = new Map<string, number>();
  return (failure: PollerError) => {
    const now = Date.now();
    if (now - (lastAt.get(failure.phase) ?? 0) < 10_000) return;
    lastAt.set(failure.phase, now);
    const error = failure.error as Error | undefined;
    const count = failure.messageIds.length;
    if (failure.phase === "invoke" && error?.name === "FullBatchFailureError") {
      print(
        `[consumer] a batch of ${count} message(s) failed; SQS will deliver them again (the runs' logs say why)`,
      );
    } else {
      print(
        `[consumer] ${failure.phase} failed${count ? ` for ${count} message(s)` : ""}: ${error?.message ?? String(error)}`,
      );
    }
  };
}
