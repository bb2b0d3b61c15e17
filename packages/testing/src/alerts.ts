/**
 * Alert test helpers: a receiver on 127.0.0.1 that records every POST and answers from a script, and a
 * drain of the alerts queue that runs core's consumer on each message the way the alerts Lambda does
 * (a `RetryLater` leaves the message on the queue; anything handled is deleted).
 */
import { mkdtemp, rm } from "node:fs/promises";
import { createServer, type IncomingHttpHeaders } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DeleteMessageCommand, ReceiveMessageCommand } from "@aws-sdk/client-sqs";
import { Alerts } from "@dashboard/core/alerts";
import type { Ctx } from "@dashboard/core/context";
import { type QueueDepth, queueDepth } from "@dashboard/local/sqs";
import { createTestQueues, createTestStage, type TestStage } from "./aws";

export interface AlertsStage extends TestStage {
  /** `ctx` with the alerts queue and an outbox directory of its own. */
  ctx: Ctx;
  outboxDir: string;
}

/** A test stage (table, sync queue) plus an alerts queue and an outbox directory. */
export async function createAlertsStage(prefix: string): Promise<AlertsStage> {
  const [stage, alertQueues, outboxDir] = await Promise.all([
    createTestStage(prefix),
    createTestQueues(`${prefix}-alerts`, { maxReceiveCount: 10 }),
    mkdtemp(join(tmpdir(), "dashboard-outbox-")),
  ]);
  return {
    ...stage,
    ctx: { ...stage.ctx, alerts: { queueUrl: alertQueues.queueUrl, outboxDir } },
    outboxDir,
    drop: async () => {
      await Promise.all([stage.drop(), alertQueues.drop(), rm(outboxDir, { recursive: true, force: true })]);
    },
  };
}

export interface ReceivedPost {
  headers: IncomingHttpHeaders;
  body: string;
  status: number;
}

export interface Receiver {
  url: string;
  received: ReceivedPost[];
  /** Statuses to answer, in order; once used up, 200. */
  script: number[];
  close(): Promise<void>;
}

export async function startReceiver(script: number[] = []): Promise<Receiver> {
  const received: ReceivedPost[] = [];
  const state = { script: [...script] };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const status = state.script.shift() ?? 200;
      received.push({ headers: req.headers, body: Buffer.concat(chunks).toString("utf8"), status });
      res.writeHead(status, { "content-type": "application/json" }).end("{}");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hooks/dashboard`,
    received,
    get script() {
      return state.script;
    },
    set script(value: number[]) {
      state.script = [...value];
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

export interface DrainOptions {
  retryDelaysSeconds?: readonly number[];
  /** Keep polling this long for messages that are delayed or waiting their retry. */
  untilMs?: number;
  /** Stop once this returns true. */
  done?: () => boolean;
}

/** Runs the alerts consumer on the queue's messages until it stays empty (or `done`). */
export async function drainAlerts(ctx: Ctx, opts: DrainOptions = {}): Promise<Alerts.HandleOutcome[]> {
  const queueUrl = ctx.alerts?.queueUrl;
  if (!queueUrl) throw new Error("ctx.alerts is not configured");
  const outcomes: Alerts.HandleOutcome[] = [];
  const deadline = Date.now() + (opts.untilMs ?? 0);
  for (;;) {
    const { Messages = [] } = await ctx.sqs.send(
      new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }),
    );
    for (const m of Messages) {
      try {
        outcomes.push(
          await Alerts.handleMessage(ctx, Alerts.parseMessage(m.Body ?? ""), {
            receiptHandle: m.ReceiptHandle ?? "",
            ...(opts.retryDelaysSeconds ? { retryDelaysSeconds: opts.retryDelaysSeconds } : {}),
          }),
        );
        await ctx.sqs.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: m.ReceiptHandle }));
      } catch (error) {
        if (!(error instanceof Alerts.RetryLater)) throw error;
      }
    }
    if (opts.done?.()) return outcomes;
    if (Messages.length === 0) {
      if (Date.now() >= deadline) return outcomes;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

/** What the alerts queue holds: visible, in flight, delayed. */
export const alertQueueDepth = (ctx: Ctx): Promise<QueueDepth> =>
  queueDepth(ctx.sqs, ctx.alerts?.queueUrl ?? "");
