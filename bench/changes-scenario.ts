/**
 * The change processor's cost (issue 14): a site's paintings synced, then `changed` of them repriced at the
 * Template and synced again. The table's stream is read with the production filter criteria
 * (`CHANGE_FILTERS`) by the local stream poller into core's `processChanges`, in this process, with its own
 * DynamoDB client metered at the SDK and the AWS latencies injected (Lambda bills the waits). Reported per
 * 1,000 changed records: invocations, billed time at `CHANGES_MEMORY_MB`, DynamoDB units and their price.
 * The first load's stream (every record created) is read to its end first and not counted.
 */
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBStreamsClient } from "@aws-sdk/client-dynamodb-streams";
import { ALERT_UNREACHABLE_MINUTES, CHANGES_BATCH_SIZE, CHANGES_MEMORY_MB } from "@dashboard/config";
import { processChanges } from "@dashboard/core/activity/process";
import { CHANGE_FILTERS } from "@dashboard/core/activity/stream";
import { createCtx } from "@dashboard/core/context";
import * as SiteStore from "@dashboard/core/site";
import { LOCAL_CREDENTIALS } from "@dashboard/local/resources";
import { type StreamBatchHandler, startStreamPoller } from "@dashboard/local/streams";
import { ensureTable } from "@dashboard/local/table";
import { price, usageOf } from "./cost";
import {
  API_KEY,
  type BenchContext,
  consumeJob,
  scaled,
  siteInput,
  timedSync,
  withChild,
  withSim,
  withStage,
} from "./harness";
import { AWS_LATENCY } from "./latency";
import { instrument } from "./meter";
import type { BenchReport } from "./report";
import { REGION } from "./services";
import { round } from "./stats";

export async function changesScenario(b: BenchContext, report: Partial<BenchReport>): Promise<void> {
  const changed = scaled(b, 1_000);
  const sizes = { paintings: changed, users: 1, orders: 1, exhibitions: 0, custom_requests: 0 };
  await withSim(b, { apiKey: API_KEY, seed: 21, sizes }, (sim) =>
    withStage(b, "changes", (stage) =>
      withChild(b, stage, consumeJob(stage), async () => {
        const config = {
          endpoint: b.services.dynamo.endpoint,
          region: REGION,
          credentials: LOCAL_CREDENTIALS,
        };
        const dynamo = new DynamoDBClient(config);
        const streams = new DynamoDBStreamsClient(config);
        const ctx = createCtx({
          table: stage.tableName,
          encryptionKeys: b.services.encryptionKeys,
          queueUrl: stage.queueUrl,
          dynamo,
        });
        const meters = instrument(ctx, { latency: b.latency ?? AWS_LATENCY });
        let invocations = 0;
        let billedMs = 0;
        let history = 0;
        let events = 0;
        const handler: StreamBatchHandler = async (event) => {
          const started = performance.now();
          const out = await processChanges(
            ctx,
            event.Records,
            {},
            { unreachableMinutes: ALERT_UNREACHABLE_MINUTES },
          );
          invocations++;
          billedMs += Math.ceil(performance.now() - started);
          history += out.written.history;
          events += out.written.events;
          return { batchItemFailures: out.batchItemFailures };
        };
        const { streamArn } = await ensureTable(dynamo, stage.tableName);
        const poller = startStreamPoller({
          client: streams,
          streamArn,
          handler,
          filters: CHANGE_FILTERS,
          batchSize: CHANGES_BATCH_SIZE,
          intervalMs: 50,
        });
        try {
          await SiteStore.create(stage.ctx, siteInput("changes", sim));
          b.log(`change processor: first load of ${changed} paintings…`);
          await timedSync(stage.ctx, "changes", ["paintings"]);
          await poller.idle({ timeoutMs: 10 * 60_000 });
          meters.dynamodb.reset();
          invocations = 0;
          billedMs = 0;
          history = 0;
          events = 0;

          for (const painting of sim.data.paintings.slice(0, changed)) painting.price += 10;
          b.log(`change processor: ${changed} paintings repriced…`);
          await timedSync(stage.ctx, "changes", ["paintings"]);
          await poller.idle({ timeoutMs: 10 * 60_000 });
        } finally {
          await poller.stop();
          streams.destroy();
          dynamo.destroy();
        }
        const per = 1_000 / changed;
        const dynamodb = meters.dynamodb.usage();
        const usage = usageOf({
          dynamodb,
          lambda: { invocations, billed_ms: billedMs, memory_mb: CHANGES_MEMORY_MB },
        });
        report.changes = {
          changed_records: changed,
          history_entries: history,
          events,
          per_1000: {
            invocations: round(invocations * per, 1),
            billed_ms: round(billedMs * per, 0),
            read_units: round(dynamodb.read_units * per, 1),
            write_units: round(dynamodb.write_units * per, 1),
            usd: round(price(usage).total * per, 5),
          },
        };
      }),
    ),
  );
}
