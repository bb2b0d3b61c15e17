/**
 * The local runtime: the deployed topology of DESIGN.md on one machine (decision 10).
 *
 *   DynamoDB Local (data in DATA_DIR)      ← the one table, created from core's TABLE as stacks/ does
 *   fauxqs                                  ← the sync queue and its DLQ, with the real RedrivePolicy
 *   poller → consumer handler               ← real SQSEvent batches; only what succeeded is deleted
 *   stream poller → change processor        ← the table's stream as real DynamoDBStreamEvent batches
 *   timer  → scheduler handler              ← a real "Scheduled Event" every SYNC_INTERVAL_SECONDS
 *   one HTTP server on 127.0.0.1            ← webhook app, API app, UI (packages/web/dist)
 *   demo Template sites (template-sim)      ← registered and synced at start
 *
 * The handlers are the Lambda modules themselves, configured the way AWS configures them: SST resource
 * links in the environment (`linkResources`) set BEFORE the modules are imported, so they read
 * `Resource.Table.name` and friends exactly as in a deployed function. A process holds one runtime: the
 * handler modules are configured once, at import.
 */
import { join, resolve } from "node:path";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBStreamsClient } from "@aws-sdk/client-dynamodb-streams";
import { SQSClient } from "@aws-sdk/client-sqs";
import {
  CHANGES_BATCH_SIZE,
  CHANGES_MAX_RETRIES,
  CHANGES_TIMEOUT_SECONDS,
  CONSUMER_BATCH_SIZE,
  CONSUMER_TIMEOUT_SECONDS,
  SYNC_MAX_RECEIVES,
  SYNC_QUEUE_VISIBILITY_TIMEOUT_SECONDS,
} from "@dashboard/config";
import { CHANGE_FILTERS } from "@dashboard/core/activity/stream";
import type { Ctx } from "@dashboard/core/context";
import type { Context, DynamoDBStreamEvent, ScheduledEvent, SQSEvent } from "aws-lambda";
import { alertsEnvironment, ensureAlertQueues, startAlertsPoller } from "./alerts";
import { type DemoSite, demoSpecs, startDemoSites } from "./demo";
import { type DynamoServer, startDynamo } from "./dynamo";
import { LocalRuntimeError } from "./errors";
import {
  createRouter,
  type FetchApp,
  type FetchHandler,
  type LocalHttpServer,
  listen,
  startingHandler,
  type WebState,
} from "./http";
import { assertJavaPresent } from "./java";
import { LOCAL_REGION } from "./lambda-context";
import { pollerReporter, watchDeadLetters } from "./notices";
import { checkInteger, DEFAULTS, type LocalOptions } from "./options";
import { type Poller, startPoller } from "./poller";
import { type ProgressReporter, startProgress } from "./progress";
import { recoverInterruptedRuns } from "./recover";
import { LOCAL_CREDENTIALS, linkResources } from "./resources";
import { type Schedule, startSchedule } from "./schedule";
import { type AdminTokenSource, loadSecrets } from "./secrets";
import { ensureQueues, type Queues, queueDepth, type SqsServer, startSqs } from "./sqs";
import { type StreamPoller, startStreamPoller } from "./streams";
import { ensureTable } from "./table";
import { startUi } from "./ui";

export interface LocalRuntime {
  /** `http://127.0.0.1:<port>`: the UI at `/`, the API at `/api`. */
  url: string;
  port: number;
  adminToken: string;
  adminTokenSource: AdminTokenSource;
  adminTokenFile?: string;
  dataDir: string;
  tableName: string;
  queues: Queues;
  /** The alerts queue and its DLQ. */
  alertQueues: Queues;
  dynamoEndpoint: string;
  sqsEndpoint: string;
  region: string;
  maxReceiveCount: number;
  /** The core context the handlers use (same clients, same table and queue). */
  ctx: Ctx;
  demoSites: DemoSite[];
  poller: Poller;
  /** Reads the table's stream into the change processor (history and activity events). */
  streams: StreamPoller;
  schedule: Schedule;
  /** Resolves when the UI is ready (or failed, or is not served). */
  webReady: Promise<WebState>;
  /** Runs the scheduler now, as the timer would. */
  tick(): Promise<unknown>;
  /**
   * Resolves when no message is queued or being handled and the change processor has read the table's stream
   * to its end (bounded by `timeoutMs` each, default 60 s).
   */
  idle(timeoutMs?: number): Promise<void>;
  /** Stops everything, in order; idempotent. */
  stop(): Promise<void>;
}

type Handler<E> = (event: E, context: Context) => Promise<unknown>;

let claimed = false;

const uniqueSuffix = () => `${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;

/** Sets an environment variable unless the person running the runtime chose a value. */
const defaultEnv = (name: string, value: string) => {
  if (process.env[name] === undefined) process.env[name] = value;
};

async function queueIsEmpty(sqs: SQSClient, queueUrl: string): Promise<boolean> {
  const { visible, inFlight, delayed } = await queueDepth(sqs, queueUrl);
  return visible + inFlight + delayed === 0;
}

/** Starts the whole local Dashboard. On failure, whatever was started is stopped before the error is thrown. */
export async function startLocal(options: LocalOptions = {}): Promise<LocalRuntime> {
  if (claimed) {
    throw new LocalRuntimeError(
      "already_started",
      "A local runtime was already started in this process; its Lambda handlers are configured once, at import.",
    );
  }
  const print = options.print ?? ((line: string) => console.log(line));
  const port = checkInteger("port", options.port ?? DEFAULTS.port, 0, 65_535);
  const demoCount = checkInteger("demo sites", options.demoSites ?? DEFAULTS.demoSites, 0, 20);
  const interval = options.syncIntervalSeconds ?? DEFAULTS.syncIntervalSeconds;
  if (!(interval > 0) || !Number.isFinite(interval)) {
    throw new LocalRuntimeError(
      "invalid_config",
      `the sync interval must be a positive number of seconds, got ${interval}`,
    );
  }
  const consumer = options.consumer ?? {};
  const maxReceiveCount = checkInteger(
    "maxReceiveCount",
    consumer.maxReceiveCount ?? SYNC_MAX_RECEIVES,
    1,
    1000,
  );
  const timeoutSeconds = consumer.timeoutSeconds ?? CONSUMER_TIMEOUT_SECONDS;
  const visibility = checkInteger(
    "visibilityTimeoutSeconds",
    consumer.visibilityTimeoutSeconds ?? SYNC_QUEUE_VISIBILITY_TIMEOUT_SECONDS,
    0,
    43_200,
  );
  const specs = demoSpecs(demoCount, options.demoSizes);
  const dataDir = resolve(options.dataDir ?? DEFAULTS.dataDir);
  const region = options.region ?? LOCAL_REGION;
  claimed = true;
  let linked = false;

  // Everything started so far, stopped in reverse order if a later step fails.
  const undo: (() => Promise<unknown>)[] = [];
  const unwind = async () => {
    for (const step of undo.reverse()) await step().catch(() => {});
  };

  try {
    const secrets = await loadSecrets(dataDir, options.adminToken);
    // The port first: a port already taken is said at once, not after the JVM's start. Until everything
    // is ready it answers 503 ("starting").
    let route: FetchHandler = startingHandler;
    const http: LocalHttpServer = await listen((request, env) => route(request, env), port);
    undo.push(() => http.close());
    if (!options.dynamoEndpoint) await assertJavaPresent();

    // The UI build runs alongside: the API does not wait for it.
    const ui = startUi(options.web ?? "auto", print);
    // Stopping while Vite writes dist would leave it half written: wait for the build (it is short).
    undo.push(() => ui.ready);

    const [dynamo, sqsServer] = await Promise.all([
      options.dynamoEndpoint
        ? undefined
        : startDynamo({ dataDir: join(dataDir, "dynamodb") }).then((server: DynamoServer) => {
            undo.push(() => server.stop());
            return server;
          }),
      options.sqsEndpoint
        ? undefined
        : startSqs().then((server: SqsServer) => {
            undo.push(() => server.stop());
            return server;
          }),
    ]);
    const dynamoEndpoint = options.dynamoEndpoint ?? (dynamo as DynamoServer).endpoint;
    const sqsEndpoint = options.sqsEndpoint ?? (sqsServer as SqsServer).endpoint;
    const tableName =
      options.tableName ??
      (options.dynamoEndpoint ? `${DEFAULTS.tableName}-${uniqueSuffix()}` : DEFAULTS.tableName);
    const queueName =
      options.queueName ??
      (options.sqsEndpoint ? `${DEFAULTS.queueName}-${uniqueSuffix()}` : DEFAULTS.queueName);

    const dynamoClient = new DynamoDBClient({
      endpoint: dynamoEndpoint,
      region,
      credentials: LOCAL_CREDENTIALS,
    });
    const sqs = new SQSClient({ endpoint: sqsEndpoint, region, credentials: LOCAL_CREDENTIALS });
    const streamsClient = new DynamoDBStreamsClient({
      endpoint: dynamoEndpoint,
      region,
      credentials: LOCAL_CREDENTIALS,
    });
    undo.push(async () => {
      dynamoClient.destroy();
      sqs.destroy();
      streamsClient.destroy();
    });
    const table = await ensureTable(dynamoClient, tableName);
    const queues = await ensureQueues(sqs, {
      name: queueName,
      dlqName: `${queueName}-dlq`,
      maxReceiveCount,
      visibilityTimeoutSeconds: visibility,
    });
    const alertQueues = await ensureAlertQueues(sqs, queueName);
    if (secrets.encryptionKeysCreated && !table.created) {
      print(
        `[secrets] ${join(dataDir, "encryption-keys")} was missing and has been created: API keys stored before cannot be decrypted any more; set them again (PATCH /api/sites/{id}). Demo sites are updated automatically.`,
      );
    }

    // What a deployed function finds in its environment, then the function modules themselves.
    linkResources({
      tableName,
      queueUrl: queues.queueUrl,
      dlqUrl: queues.dlqUrl,
      alertsQueueUrl: alertQueues.queueUrl,
      adminTokens: secrets.adminToken,
      encryptionKeys: secrets.encryptionKeys,
      dynamoEndpoint,
      sqsEndpoint,
      region,
    });
    linked = true;
    process.env.SYNC_MAX_RECEIVE_COUNT = String(maxReceiveCount);
    if (consumer.retryDelaysSeconds)
      process.env.SYNC_RETRY_DELAYS_SECONDS = consumer.retryDelaysSeconds.join(",");
    // Loopback Template URLs (the demo sites) are allowed locally, whatever the shell says.
    process.env.DASHBOARD_ENV = "local";
    alertsEnvironment(dataDir);
    // The console is for people (progress lines say how syncs go): the handlers' JSON logs show errors
    // only, and EMF metrics not at all, unless asked for.
    defaultEnv("POWERTOOLS_LOG_LEVEL", "ERROR");
    defaultEnv("POWERTOOLS_METRICS_DISABLED", "true");
    const [{ ctx }, apiModule, webhookModule, consumerModule, schedulerModule, changesModule, alertsModule] =
      await Promise.all([
        import("@dashboard/functions/shared/ctx"),
        import("@dashboard/functions/api"),
        import("@dashboard/functions/webhook"),
        import("@dashboard/functions/consumer"),
        import("@dashboard/functions/scheduler"),
        import("@dashboard/functions/changes"),
        import("@dashboard/functions/alerts"),
      ]);

    // Runs cut short by the last stop lost their messages with the in-memory queue.
    if (await queueIsEmpty(sqs, queues.queueUrl)) {
      const recovered = await recoverInterruptedRuns(ctx);
      if (recovered.length > 0) {
        print(
          `[sync] ${recovered.length} run(s) interrupted by the last stop marked as failed (code "interrupted")`,
        );
      }
    }

    const poller = startPoller({
      sqs,
      queueUrl: queues.queueUrl,
      queueArn: queues.queueArn,
      handler: consumerModule.handler as unknown as Handler<SQSEvent>,
      batchSize: checkInteger("batchSize", consumer.batchSize ?? CONSUMER_BATCH_SIZE, 1, 10),
      waitTimeSeconds: checkInteger("waitTimeSeconds", consumer.waitTimeSeconds ?? 20, 0, 20),
      concurrency: checkInteger("concurrency", consumer.concurrency ?? 4, 1, 20),
      timeoutMs: timeoutSeconds * 1000,
      functionName: "SyncConsumer",
      onError: pollerReporter(print),
    });
    undo.push(() => poller.stop());
    const alertsPoller = startAlertsPoller(
      sqs,
      alertQueues,
      alertsModule.handler as unknown as Handler<SQSEvent>,
      pollerReporter(print),
    );
    undo.push(() => alertsPoller.stop());

    const streams = startStreamPoller({
      client: streamsClient,
      streamArn: table.streamArn,
      handler: changesModule.handler as unknown as Handler<DynamoDBStreamEvent>,
      batchSize: CHANGES_BATCH_SIZE,
      maxRetries: CHANGES_MAX_RETRIES,
      timeoutMs: CHANGES_TIMEOUT_SECONDS * 1000,
      checkpointFile: join(dataDir, "stream-checkpoints.json"),
      filters: CHANGE_FILTERS,
      onError: (f) => print(`[changes] ${f.phase} failed: ${(f.error as Error)?.message ?? String(f.error)}`),
    });
    undo.push(() => streams.stop());

    const schedule = startSchedule({
      intervalSeconds: interval,
      handler: schedulerModule.handler as unknown as Handler<ScheduledEvent>,
      functionName: "SyncScheduler",
      timeoutMs: 60_000,
      region,
      onError: (error) =>
        print(`[schedule] the scheduled sync failed: ${(error as Error).message ?? String(error)}`),
    });
    undo.push(() => schedule.stop());

    const startedAt = new Date();
    const demo = await startDemoSites(ctx, specs);
    undo.push(() => demo.close());

    route = createRouter({
      api: apiModule.app as unknown as FetchApp,
      webhook: webhookModule.app as unknown as FetchApp,
      web: ui.state,
    });

    let progress: ProgressReporter | undefined;
    if (options.progress !== false) {
      progress = startProgress(ctx, { print, since: startedAt });
      undo.push(() => (progress as ProgressReporter).stop());
    }
    const stopDlqWatch = watchDeadLetters(sqs, queues.dlqUrl, print);

    let stopping: Promise<void> | undefined;
    const stop = (): Promise<void> => {
      stopping ??= (async () => {
        stopDlqWatch();
        // No new work first (timer, HTTP), then let the consumer finish what it holds, then the rest.
        await schedule.stop();
        await http.close();
        await poller.stop();
        // The consumer's last writes are on the stream: the change processor reads them before it stops.
        await streams.idle({ timeoutMs: 10_000 }).catch(() => {});
        await streams.stop();
        await alertsPoller.stop();
        await progress?.poll();
        await progress?.stop();
        await demo.close();
        dynamoClient.destroy();
        sqs.destroy();
        streamsClient.destroy();
        await Promise.allSettled([sqsServer?.stop(), dynamo?.stop()]);
        await ui.ready;
      })();
      return stopping;
    };

    return {
      url: http.url,
      port: http.port,
      adminToken: secrets.adminToken,
      adminTokenSource: secrets.adminTokenSource,
      ...(secrets.adminTokenFile ? { adminTokenFile: secrets.adminTokenFile } : {}),
      dataDir,
      tableName,
      queues,
      alertQueues,
      dynamoEndpoint,
      sqsEndpoint,
      region,
      maxReceiveCount,
      ctx,
      demoSites: demo.sites,
      poller,
      streams,
      schedule,
      webReady: ui.ready,
      tick: () => schedule.tick(),
      idle: async (timeoutMs = 60_000) => {
        await poller.idle({ timeoutMs });
        await streams.idle({ timeoutMs });
      },
      stop,
    };
  } catch (error) {
    await unwind();
    // Before the handlers were configured, another attempt in this process is still possible.
    if (!linked) claimed = false;
    throw error;
  }
}
