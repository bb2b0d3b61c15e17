import {
  CONSUMER_BATCH_SIZE,
  CONSUMER_BATCH_WINDOW_SECONDS,
  CONSUMER_MAX_CONCURRENCY,
  CONSUMER_MEMORY_MB,
  CONSUMER_TIMEOUT_SECONDS,
  SYNC_MAX_RECEIVES,
  SYNC_QUEUE_RETENTION_SECONDS,
  SYNC_QUEUE_VISIBILITY_TIMEOUT_SECONDS,
} from "@dashboard/config";
import { alertsQueue } from "./alerts";
import { deadLetterAlarm, deadLetterQueue } from "./dead-letter";
import { secrets } from "./secrets";
import { table } from "./storage";

/** Messages that failed `SYNC_MAX_RECEIVES` times land here; an alarm fires as soon as one does. */
export const syncDeadLetterQueue = deadLetterQueue("SyncDeadLetterQueue");

/** One message = one (site, entity, run) unit of work, sent by the scheduler, the webhook and the admin API. */
export const syncQueue = new sst.aws.Queue("SyncQueue", {
  visibilityTimeout: `${SYNC_QUEUE_VISIBILITY_TIMEOUT_SECONDS} seconds`,
  dlq: { queue: syncDeadLetterQueue.arn, retry: SYNC_MAX_RECEIVES },
  transform: {
    queue: (args) => {
      args.messageRetentionSeconds = SYNC_QUEUE_RETENTION_SECONDS;
      args.sqsManagedSseEnabled = true;
    },
  },
});

/**
 * What every backend function is linked to (read at run time through `Resource` from "sst"); the alerts
 * queue too, so the change processor's `Alerts.onEvents` can enqueue deliveries.
 */
export const backendLinks = [table, syncQueue, alertsQueue, ...secrets];

syncQueue.subscribe(
  {
    handler: "packages/functions/src/consumer.handler",
    description: "Runs one sync unit of work per message (fetch, validate, diff, write)",
    timeout: `${CONSUMER_TIMEOUT_SECONDS} seconds`,
    memory: `${CONSUMER_MEMORY_MB} MB`,
    link: backendLinks,
    // On the last allowed delivery the consumer records the failure in the run before SQS dead-letters it.
    environment: { SYNC_MAX_RECEIVE_COUNT: String(SYNC_MAX_RECEIVES) },
  },
  {
    batch: {
      size: CONSUMER_BATCH_SIZE,
      window: `${CONSUMER_BATCH_WINDOW_SECONDS} second`,
      partialResponses: true,
    },
    transform: {
      eventSourceMapping: (args) => {
        args.scalingConfig = { maximumConcurrency: CONSUMER_MAX_CONCURRENCY };
      },
    },
  },
);

/**
 * Optional e-mail for alarms: set `DASHBOARD_ALARM_EMAIL` in the environment of `sst deploy`. The address
 * must confirm the SNS subscription once. Without it the alarm still shows in CloudWatch, with no action.
 */
const alarmEmail = process.env.DASHBOARD_ALARM_EMAIL?.trim();
const alarmTopic = alarmEmail ? new sst.aws.SnsTopic("Alarms") : undefined;
if (alarmTopic && alarmEmail) {
  new aws.sns.TopicSubscription("AlarmsEmail", {
    topic: alarmTopic.arn,
    protocol: "email",
    endpoint: alarmEmail,
  });
}

/** Any message in the DLQ means a sync unit gave up: someone should look at the run it belongs to. */
deadLetterAlarm(
  "SyncDeadLetterAlarm",
  syncDeadLetterQueue,
  $interpolate`Messages in the sync dead-letter queue (${$app.name} ${$app.stage}): a sync unit failed ${SYNC_MAX_RECEIVES} times. Inspect the run, fix the cause, then redrive.`,
  alarmTopic ? [alarmTopic.arn] : [],
);
