import {
  ALERT_UNREACHABLE_MINUTES,
  CHANGES_BATCH_SIZE,
  CHANGES_BATCH_WINDOW_SECONDS,
  CHANGES_MAX_RETRIES,
  CHANGES_MEMORY_MB,
  CHANGES_TIMEOUT_SECONDS,
} from "@dashboard/config";
import { CHANGE_FILTERS } from "@dashboard/core/activity/stream";
import { deadLetterAlarm, deadLetterQueue } from "./dead-letter";
import { backendLinks } from "./queue";
import { table } from "./storage";

/**
 * Where a batch of stream records goes once the change processor gave up on it (`CHANGES_MAX_RETRIES`, bisected
 * on each error): Lambda sends the batch's shard and sequence-number range, not the records; they stay readable
 * on the stream for 24 hours.
 */
export const changesDeadLetterQueue = deadLetterQueue("ChangesDeadLetterQueue");

/** The table's stream (new and old images) → records' history and activity events (docs/architecture.md). */
table.subscribe(
  "ChangeProcessor",
  {
    handler: "packages/functions/src/changes.handler",
    description: "Turns the table's changes into records' history and activity events",
    timeout: `${CHANGES_TIMEOUT_SECONDS} seconds`,
    memory: `${CHANGES_MEMORY_MB} MB`,
    link: backendLinks,
    environment: { ALERT_UNREACHABLE_MINUTES: String(ALERT_UNREACHABLE_MINUTES) },
    // The event source mapping sends failed batches' coordinates to the DLQ with the function's role.
    permissions: [{ actions: ["sqs:SendMessage"], resources: [changesDeadLetterQueue.arn] }],
  },
  {
    // Only what the processor acts on invokes it (core/src/activity/stream.ts); the rest is dropped unbilled.
    filters: CHANGE_FILTERS.map((pattern) => ({ ...pattern })),
    transform: {
      eventSourceMapping: (args) => {
        args.batchSize = CHANGES_BATCH_SIZE;
        args.maximumBatchingWindowInSeconds = CHANGES_BATCH_WINDOW_SECONDS;
        // The handler reports the first record that failed (and those after it): only they are tried again.
        args.functionResponseTypes = ["ReportBatchItemFailures"];
        args.bisectBatchOnFunctionError = true;
        args.maximumRetryAttempts = CHANGES_MAX_RETRIES;
        args.destinationConfig = { onFailure: { destinationArn: changesDeadLetterQueue.arn } };
      },
    },
  },
);

/** A batch given up on means history and events are missing until it is redriven. */
deadLetterAlarm(
  "ChangesDeadLetterAlarm",
  changesDeadLetterQueue,
  $interpolate`Batches of stream records in the change processor's DLQ (${$app.name} ${$app.stage}): history and events are missing for them. Inspect, fix the cause, then replay them from the stream within 24 hours.`,
);
