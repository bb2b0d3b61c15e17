/**
 * The alerts queue's consumer: each message sends one delivery (a signed POST or an e-mail) or looks at a
 * subscription's pending digest (core `Alerts.handleMessage`). Partial batch responses: a failed attempt
 * that will be tried again throws (`RetryLater`, after making the message visible again at its retry time),
 * so the message stays alone on the queue; anything unexpected reaches the DLQ after the redrive limit. The
 * body is parsed by core (`Alerts.parseMessage`), as in the sync consumer (consumer.ts says why).
 */
import { BatchProcessor, EventType, processPartialResponse } from "@aws-lambda-powertools/batch";
import { injectLambdaContext } from "@aws-lambda-powertools/logger/middleware";
import { MetricUnit } from "@aws-lambda-powertools/metrics";
import { logMetrics } from "@aws-lambda-powertools/metrics/middleware";
import { Alerts } from "@dashboard/core/alerts";
import middy from "@middy/core";
import type { Context, SQSEvent, SQSRecord } from "aws-lambda";
import { ctx } from "./shared/ctx";
import { logger, metrics } from "./shared/observability";

const processor = new BatchProcessor(EventType.SQS);

const recordHandler = async (record: SQSRecord) => {
  const msg = Alerts.parseMessage(record.body);
  try {
    const outcome = await Alerts.handleMessage(ctx, msg, { receiptHandle: record.receiptHandle });
    logger.info(`alert message ${outcome.kind}`, { subscription_id: msg.subscription_id, outcome });
    if (outcome.kind === "delivered" || outcome.kind === "failed") {
      metrics.addMetric(outcome.kind === "delivered" ? "AlertDelivered" : "AlertFailed", MetricUnit.Count, 1);
    }
  } catch (error) {
    if (error instanceof Alerts.RetryLater) {
      logger.warn("alert delivery will be retried", {
        subscription_id: msg.subscription_id,
        delivery_id: error.deliveryId,
        delay_seconds: error.delaySeconds,
      });
      metrics.addMetric("AlertRetried", MetricUnit.Count, 1);
    }
    throw error;
  }
};

export const handler = middy((event: SQSEvent, context: Context) =>
  processPartialResponse(event, recordHandler, processor, { context }),
)
  .use(injectLambdaContext(logger))
  .use(logMetrics(metrics));
