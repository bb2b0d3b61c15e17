/**
 * SQS consumer: each message syncs one (site, entity) of a run (core `Sync.handle`). Partial batch
 * responses: a failed message is retried alone, and reaches the DLQ after the queue's redrive limit. The
 * body is parsed by core (`Sync.parseMessage`, the message's one schema): a body that is not a sync message
 * fails its record alone. Powertools' parser integration is not used: it brings all of zod into the bundle.
 */
import { BatchProcessor, EventType, processPartialResponse } from "@aws-lambda-powertools/batch";
import { injectLambdaContext } from "@aws-lambda-powertools/logger/middleware";
import { MetricUnit } from "@aws-lambda-powertools/metrics";
import { logMetrics } from "@aws-lambda-powertools/metrics/middleware";
import * as Sync from "@dashboard/core/sync";
import middy from "@middy/core";
import type { Context, SQSEvent, SQSRecord } from "aws-lambda";
import { ctx, MAX_RECEIVE_COUNT, RETRY_DELAYS_SECONDS } from "./shared/ctx";
import { logger, metrics } from "./shared/observability";

const processor = new BatchProcessor(EventType.SQS);

const recordHandler = async (record: SQSRecord, context: Context) => {
  const msg = Sync.parseMessage(record.body);
  const keys = { run_id: msg.run_id, site_id: msg.site_id, entity: msg.entity };
  const outcome = await Sync.handle(ctx, msg, {
    remainingMs: () => context.getRemainingTimeInMillis(),
    receiveCount: Number(record.attributes.ApproximateReceiveCount),
    maxReceiveCount: MAX_RECEIVE_COUNT,
    receiptHandle: record.receiptHandle,
    retryDelaysSeconds: RETRY_DELAYS_SECONDS,
    onLog: ({ level, message }) =>
      logger[level === "ERROR" ? "error" : level === "WARNING" ? "warn" : "info"](message, keys),
    onInternalError: ({ code, cause }) =>
      logger.error(`sync failed inside the Dashboard (${code})`, { ...keys, error: cause }),
  });
  logger.info(`sync message ${outcome.kind}`, { ...keys, outcome });
  if (outcome.kind === "completed") {
    metrics.addMetric("RecordsWritten", MetricUnit.Count, outcome.result.written);
    metrics.addMetric("RecordsRejected", MetricUnit.Count, outcome.result.invalid);
    metrics.addMetric(
      outcome.result.status === "failed" ? "EntitySyncFailed" : "EntitySyncSucceeded",
      MetricUnit.Count,
      1,
    );
    if (outcome.result.duration_ms !== undefined) {
      metrics.addMetric("EntitySyncDuration", MetricUnit.Milliseconds, outcome.result.duration_ms);
    }
  }
};

export const handler = middy((event: SQSEvent, context: Context) =>
  processPartialResponse(event, recordHandler, processor, { context }),
)
  .use(injectLambdaContext(logger))
  .use(logMetrics(metrics));
