/**
 * Drives the sync engine the way the consumer Lambda does, against DynamoDB Local, fauxqs and
 * template-sim over HTTP: start a run, then receive messages from the real queue and handle them
 * until the queue is empty.
 */

import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DeleteMessageCommand, ReceiveMessageCommand } from "@aws-sdk/client-sqs";
import type { Ctx } from "@dashboard/core/context";
import type { Entity } from "@dashboard/core/entity";
import * as RunStore from "@dashboard/core/run";
import * as Sync from "@dashboard/core/sync";
import { createTestStage } from "@dashboard/testing/aws";

export interface Engine {
  ctx: Ctx;
  dynamo: DynamoDBClient;
  /** Runs a manual sync of a site to the end and returns the run with its log. */
  sync(siteId: string, entities?: Entity[], opts?: Partial<Sync.HandleOptions>): Promise<RunStore.Run>;
  /** Handles every message on the queue until it is empty; returns the outcomes. */
  drain(opts?: Partial<Sync.HandleOptions>): Promise<Sync.HandleOutcome[]>;
}

/** Fast client settings for tests: short timeouts and backoff, same retry logic. */
const FAST_CLIENT = { timeoutMs: 2_000, backoff: { baseMs: 5, maxMs: 20 }, maxRetryAfterMs: 2_000 };

export async function createEngine(prefix: string): Promise<Engine> {
  const { ctx, table, queues } = await createTestStage(prefix);
  const { client } = table;
  const { queueUrl, sqs } = queues;

  const drain = async (opts: Partial<Sync.HandleOptions> = {}) => {
    const outcomes: Sync.HandleOutcome[] = [];
    for (let empty = 0; empty < 2; ) {
      const out = await sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: queueUrl,
          MaxNumberOfMessages: 10,
          WaitTimeSeconds: 0,
          MessageSystemAttributeNames: ["ApproximateReceiveCount"],
        }),
      );
      const messages = out.Messages ?? [];
      if (messages.length === 0) {
        empty++;
        continue;
      }
      empty = 0;
      await Promise.all(
        messages.map(async (m) => {
          const receiveCount = Number(m.Attributes?.ApproximateReceiveCount ?? 1);
          const outcome = await Sync.handle(ctx, Sync.parseMessage(m.Body ?? ""), {
            remainingMs: () => 300_000,
            leaseRetryDelaySeconds: 0,
            client: FAST_CLIENT,
            receiveCount,
            maxReceiveCount: 1,
            ...opts,
          }).catch((e: unknown) => ({ kind: "thrown" as const, error: e }));
          if (outcome.kind === "thrown") return;
          outcomes.push(outcome);
          await sqs.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: m.ReceiptHandle }));
        }),
      );
    }
    return outcomes;
  };

  return {
    ctx,
    dynamo: client,
    drain,
    async sync(siteId, entities, opts) {
      const started = await Sync.start(ctx, { siteId, trigger: "manual", entities });
      if (!started.run) throw new Error("no run started");
      await drain(opts);
      return RunStore.get(ctx, started.run.run_id, { withLog: true });
    },
  };
}
