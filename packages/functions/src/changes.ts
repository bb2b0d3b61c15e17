/**
 * The change processor: the table's stream (new and old images) → records' history and activity events
 * (core `processChanges`); the events it stored, as they come back on the stream, go to the alert
 * subscriptions that match them (core `Alerts.onEvents`, at least once, deduplicated there). Partial batch responses: the first record that failed and everything after it
 * are delivered again (bisected on error, a bounded number of times, then sent to the DLQ: stacks/changes.ts).
 */
import { injectLambdaContext } from "@aws-lambda-powertools/logger/middleware";
import { MetricUnit } from "@aws-lambda-powertools/metrics";
import { logMetrics } from "@aws-lambda-powertools/metrics/middleware";
import { unreachableMinutesFromEnv } from "@dashboard/core/activity/operational";
import { processChanges } from "@dashboard/core/activity/process";
import { Alerts } from "@dashboard/core/alerts";
import middy from "@middy/core";
import type { DynamoDBBatchResponse, DynamoDBStreamEvent } from "aws-lambda";
import { ctx } from "./shared/ctx";
import { logger, metrics } from "./shared/observability";

const options = { unreachableMinutes: unreachableMinutesFromEnv(process.env) };

const onFailure = (error: unknown, seq: string) =>
  logger.error("change processing failed; the stream delivers it again", { sequence_number: seq, error });

export const handler = middy(async (event: DynamoDBStreamEvent): Promise<DynamoDBBatchResponse> => {
  const { batchItemFailures, written } = await processChanges(
    ctx,
    event.Records,
    { onFailure, onEvents: Alerts.onEvents },
    options,
  );
  metrics.addMetric("HistoryEntriesWritten", MetricUnit.Count, written.history);
  metrics.addMetric("ActivityEventsWritten", MetricUnit.Count, written.events);
  return { batchItemFailures };
})
  .use(injectLambdaContext(logger))
  .use(logMetrics(metrics));
