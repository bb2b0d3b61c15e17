import {
  ALERTS_CONSUMER_TIMEOUT_SECONDS,
  ALERTS_MAX_RECEIVES,
  ALERTS_QUEUE_RETENTION_SECONDS,
  ALERTS_QUEUE_VISIBILITY_TIMEOUT_SECONDS,
} from "@dashboard/config";
import { deadLetterQueue } from "./dead-letter";
import { secrets } from "./secrets";
import { table } from "./storage";

/** Alert messages that crashed the consumer `ALERTS_MAX_RECEIVES` times (a failed delivery is not one). */
const alertsDeadLetterQueue = deadLetterQueue("AlertsDeadLetterQueue");

/**
 * One message = one delivery to send (or one subscription's pending digest to look at), enqueued by the
 * change processor's `Alerts.onEvents`. Retries wait through the message's visibility (core alerts/deliver.ts).
 */
export const alertsQueue = new sst.aws.Queue("AlertsQueue", {
  visibilityTimeout: `${ALERTS_QUEUE_VISIBILITY_TIMEOUT_SECONDS} seconds`,
  dlq: { queue: alertsDeadLetterQueue.arn, retry: ALERTS_MAX_RECEIVES },
  transform: {
    queue: (args) => {
      args.messageRetentionSeconds = ALERTS_QUEUE_RETENTION_SECONDS;
      args.sqsManagedSseEnabled = true;
    },
  },
});

/**
 * E-mail alerts go through SES v2 from `DASHBOARD_ALERTS_EMAIL_FROM` (a verified identity), given to
 * `sst deploy`; without it e-mail subscriptions are refused (400 `email_not_configured`).
 */
const emailFrom = process.env.DASHBOARD_ALERTS_EMAIL_FROM?.trim();
export const alertsEnvironment: Record<string, string> = emailFrom ? { ALERTS_EMAIL_FROM: emailFrom } : {};
/** What a function that sends alerts may do besides its links (the consumer, and the API's test button). */
export const alertsPermissions = [{ actions: ["ses:SendEmail", "ses:SendRawEmail"], resources: ["*"] }];

alertsQueue.subscribe(
  {
    handler: "packages/functions/src/alerts.handler",
    description: "Sends alert deliveries: signed POSTs and e-mails, retried with backoff",
    timeout: `${ALERTS_CONSUMER_TIMEOUT_SECONDS} seconds`,
    memory: "512 MB",
    link: [table, alertsQueue, ...secrets],
    permissions: alertsPermissions,
    environment: alertsEnvironment,
  },
  { batch: { size: 10, window: "1 second", partialResponses: true } },
);
