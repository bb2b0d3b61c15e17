/**
 * The admin API and webhook apps wired to a real DynamoDB Local table and a real fauxqs queue
 * (@dashboard/testing, packages/testing/src/aws.ts), and a queue drain that runs the sync engine the way the consumer Lambda does.
 */
import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DeleteMessageBatchCommand, type Message, ReceiveMessageCommand } from "@aws-sdk/client-sqs";
import { parseAdminTokens } from "@dashboard/core/auth";
import type { Ctx } from "@dashboard/core/context";
import * as Sync from "@dashboard/core/sync";
import { createApiApp } from "@dashboard/functions/http/app";
import type { ApiApp } from "@dashboard/functions/http/openapi";
import { createWebhookApp } from "@dashboard/functions/http/webhook-app";
import { createTestStage } from "@dashboard/testing/aws";
import { ADMIN_TOKEN, collectingLogger, type LogLine } from "./client";

export interface TestEnv {
  ctx: Ctx;
  /** The DynamoDB Local client behind `ctx`. */
  dynamo: DynamoDBClient;
  api: ApiApp;
  webhook: ReturnType<typeof createWebhookApp>;
  logs: LogLine[];
  tableName: string;
  queueUrl: string;
  /** Receives and deletes every message now on the queue; returns their parsed bodies. */
  takeMessages(): Promise<Sync.SyncMessage[]>;
  /** Runs the sync engine on every message until the queue stays empty. */
  drain(): Promise<void>;
  /**
   * Like `drain`, for a request that enqueues while it runs: waits for the first message (up to
   * `maxWaitMs`), then drains until the queue stays empty.
   */
  drainUntilIdle(maxWaitMs?: number): Promise<void>;
  /** Drops the table and the queues. */
  close(): Promise<void>;
}

/** Short Template client timeouts and backoff: same logic, quicker tests. */
const FAST_CLIENT = { timeoutMs: 5_000, backoff: { baseMs: 5, maxMs: 20 }, maxRetryAfterMs: 1_000 };

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function createEnv(prefix: string): Promise<TestEnv> {
  const stage = await createTestStage(prefix);
  const { ctx, table, queues } = stage;
  const { client } = table;
  const { queueUrl, sqs } = queues;
  const logs: LogLine[] = [];
  const logger = collectingLogger(logs);
  const api = createApiApp({
    ctx,
    tokens: parseAdminTokens(ADMIN_TOKEN),
    logger,
    wait: { intervalMs: 50, maxIntervalMs: 250 },
  });
  // The minimum interval between webhook syncs is off here (each test sends events back to back); the
  // webhook tests that are about it build an app with it on.
  const webhook = createWebhookApp({ ctx, logger, minIntervalSeconds: 0 });

  const receive = async (): Promise<Message[]> => {
    const out = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: 0,
        VisibilityTimeout: 120,
      }),
    );
    return out.Messages ?? [];
  };

  const remove = async (messages: Message[]) => {
    if (messages.length === 0) return;
    await sqs.send(
      new DeleteMessageBatchCommand({
        QueueUrl: queueUrl,
        Entries: messages.map((m, i) => ({ Id: `m${i}`, ReceiptHandle: m.ReceiptHandle })),
      }),
    );
  };

  const handleAll = async (messages: Message[]) => {
    for (const m of messages) {
      await Sync.handle(ctx, Sync.parseMessage(m.Body ?? ""), {
        remainingMs: () => 300_000,
        leaseRetryDelaySeconds: 0,
        client: FAST_CLIENT,
        receiveCount: 1,
        maxReceiveCount: 1,
      });
    }
    await remove(messages);
  };

  const drain = async () => {
    for (let empty = 0; empty < 2; ) {
      const messages = await receive();
      if (messages.length === 0) {
        empty++;
        continue;
      }
      empty = 0;
      await handleAll(messages);
    }
  };

  return {
    ctx,
    dynamo: client,
    api,
    webhook,
    logs,
    tableName: table.tableName,
    queueUrl,
    async takeMessages() {
      const bodies: Sync.SyncMessage[] = [];
      for (;;) {
        const messages = await receive();
        if (messages.length === 0) return bodies;
        for (const m of messages) bodies.push(Sync.parseMessage(m.Body ?? ""));
        await remove(messages);
      }
    },
    drain,
    async close() {
      await stage.drop();
    },
    async drainUntilIdle(maxWaitMs = 15_000) {
      const deadline = Date.now() + maxWaitMs;
      for (;;) {
        const messages = await receive();
        if (messages.length > 0) {
          await handleAll(messages);
          break;
        }
        if (Date.now() > deadline) throw new Error("no message arrived on the queue");
        await sleep(50);
      }
      await drain();
    },
  };
}
