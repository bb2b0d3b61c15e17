/**
 * Alerts on one machine: the alerts queue and its DLQ in fauxqs (as stacks/alerts.ts declares them) and a
 * poller that hands their messages to the alerts Lambda handler, like the sync queue's. E-mails are never
 * sent locally: they land in the outbox (`DATA_DIR/outbox`, and `GET /api/alerts/outbox`).
 */
import { join } from "node:path";
import type { SQSClient } from "@aws-sdk/client-sqs";
import { ALERTS_MAX_RECEIVES, ALERTS_QUEUE_VISIBILITY_TIMEOUT_SECONDS } from "@dashboard/config";
import { type Poller, type PollerError, type SqsBatchHandler, startPoller } from "./poller";
import { ensureQueues, type Queues } from "./sqs";

/** The alerts queue and DLQ, named after the sync queue. */
export const ensureAlertQueues = (sqs: SQSClient, syncQueueName: string): Promise<Queues> =>
  ensureQueues(sqs, {
    name: `${syncQueueName}-alerts`,
    dlqName: `${syncQueueName}-alerts-dlq`,
    maxReceiveCount: ALERTS_MAX_RECEIVES,
    visibilityTimeoutSeconds: ALERTS_QUEUE_VISIBILITY_TIMEOUT_SECONDS,
  });

/** What the alerts handler reads from the environment locally: the outbox directory, and no SES sender. */
export function alertsEnvironment(dataDir: string, env: NodeJS.ProcessEnv = process.env): void {
  env.ALERTS_OUTBOX_DIR = join(dataDir, "outbox");
  delete env.ALERTS_EMAIL_FROM;
}

export const startAlertsPoller = (
  sqs: SQSClient,
  queues: Queues,
  handler: SqsBatchHandler,
  onError: (failure: PollerError) => void,
): Poller =>
  startPoller({
    sqs,
    queueUrl: queues.queueUrl,
    queueArn: queues.queueArn,
    handler,
    batchSize: 10,
    waitTimeSeconds: 20,
    concurrency: 2,
    timeoutMs: 60_000,
    functionName: "AlertsConsumer",
    onError,
  });
