/** EventBridge schedule: one run per enabled site, one message per (site, entity) (core `Sync.startScheduled`). */
import { injectLambdaContext } from "@aws-lambda-powertools/logger/middleware";
import { MetricUnit } from "@aws-lambda-powertools/metrics";
import { logMetrics } from "@aws-lambda-powertools/metrics/middleware";
import * as Sync from "@dashboard/core/sync";
import middy from "@middy/core";
import type { ScheduledEvent } from "aws-lambda";
import { ctx } from "./shared/ctx";
import { logger, metrics } from "./shared/observability";

export const handler = middy(async (event: ScheduledEvent) => {
  const started = await Sync.startScheduled(ctx);
  logger.info("scheduled sync enqueued", { ...started, schedule_time: event.time });
  metrics.addMetric("ScheduledRuns", MetricUnit.Count, started.runs);
  return started;
})
  .use(injectLambdaContext(logger))
  .use(logMetrics(metrics));
