/**
 * The local stand-in for a Lambda SQS event source mapping with `ReportBatchItemFailures`:
 * long-poll the queue, hand the function a real `SQSEvent` and `Context`, then delete exactly the
 * messages that succeeded. Everything else is left to SQS itself, as in AWS: a failed message becomes
 * visible again after the queue's visibility timeout, and the queue's RedrivePolicy moves it to the DLQ
 * once it has been received `maxReceiveCount` times.
 *
 * Lambda rules reproduced here:
 * - the handler throws, times out, or returns an invalid response → the whole batch failed, nothing is
 *   deleted (an invalid response is one whose `itemIdentifier` is missing, empty, not a string or not a
 *   message id of the batch, or that is not JSON-serialisable);
 * - it returns nothing, `{}` or `batchItemFailures: []` → every message is deleted;
 * - otherwise every message not listed is deleted.
 */
import {
  DeleteMessageBatchCommand,
  type Message,
  type MessageAttributeValue,
  ReceiveMessageCommand,
  type SQSClient,
} from "@aws-sdk/client-sqs";
import type { Context, SQSEvent, SQSMessageAttributes, SQSRecord } from "aws-lambda";
import { createLambdaContext, parseArn } from "./lambda-context";
import { queueDepth } from "./sqs";

/**
 * What Lambda calls: a middy handler or a plain async function. Its result is checked at run time
 * against Lambda's partial batch response rules, so any return type is accepted here.
 */
export type SqsBatchHandler = (event: SQSEvent, context: Context) => unknown;

export type PollerErrorPhase = "receive" | "invoke" | "response" | "delete";

export interface PollerError {
  phase: PollerErrorPhase;
  error: unknown;
  /** Message ids the problem concerns (empty for `receive`). */
  messageIds: string[];
}

export interface PollerOptions {
  sqs: SQSClient;
  queueUrl: string;
  queueArn: string;
  handler: SqsBatchHandler;
  /** Messages per invocation, 1..10 (one ReceiveMessage). Default 10. */
  batchSize?: number;
  /** Long-poll wait, 0..20 s. Default 20. */
  waitTimeSeconds?: number;
  /** The function timeout: a batch still running after it counts as failed. Default 30 000 ms. */
  timeoutMs?: number;
  /** Batches processed at the same time (parallel poll loops). Default 2, like Lambda's minimum. */
  concurrency?: number;
  /** Used for the context and its ARNs. Default "SyncConsumer". */
  functionName?: string;
  memoryLimitInMB?: number;
  /** Honour `batchItemFailures` (SST `batch.partialResponses`). Default true. */
  reportBatchItemFailures?: boolean;
  /** Where problems go (Lambda would log them). Default: one line on stderr. */
  onError?: (failure: PollerError) => void;
}

export interface PollerStats {
  /** Handler invocations. */
  invocations: number;
  received: number;
  deleted: number;
  /** Messages left on the queue after an invocation (listed failures, or the whole failed batch). */
  failed: number;
}

export interface IdleOptions {
  /** Give up after this long. Default 60 000 ms. */
  timeoutMs?: number;
  /** Pause between checks. Default 50 ms. */
  intervalMs?: number;
}

export interface Poller {
  /** Resolves when no batch is being handled and the queue holds no message (visible, in flight or delayed). */
  idle(options?: IdleOptions): Promise<void>;
  /** Stops polling, waits for the batches in flight to finish (at most their timeout) and resolves. */
  stop(): Promise<void>;
  stats(): PollerStats;
}

/** The SDK's MessageAttributeValue → the lowercase form Lambda puts in `messageAttributes`. */
function toLambdaAttributes(
  attributes: Record<string, MessageAttributeValue> | undefined,
): SQSMessageAttributes {
  const result: SQSMessageAttributes = {};
  for (const [name, value] of Object.entries(attributes ?? {})) {
    result[name] = {
      ...(value.StringValue !== undefined ? { stringValue: value.StringValue } : {}),
      ...(value.BinaryValue !== undefined
        ? { binaryValue: Buffer.from(value.BinaryValue).toString("base64") }
        : {}),
      stringListValues: value.StringListValues ?? [],
      binaryListValues: (value.BinaryListValues ?? []).map((b) => Buffer.from(b).toString("base64")),
      dataType: value.DataType ?? "String",
    };
  }
  return result;
}

/** One received message → one `SQSRecord`, with every field Lambda sets. */
export function toSqsRecord(message: Message, queueArn: string): SQSRecord {
  const system = message.Attributes ?? {};
  const attributes: SQSRecord["attributes"] = {
    ApproximateReceiveCount: system.ApproximateReceiveCount ?? "1",
    SentTimestamp: system.SentTimestamp ?? "",
    SenderId: system.SenderId ?? "",
    ApproximateFirstReceiveTimestamp: system.ApproximateFirstReceiveTimestamp ?? "",
  };
  const optional = [
    "AWSTraceHeader",
    "SequenceNumber",
    "MessageGroupId",
    "MessageDeduplicationId",
    "DeadLetterQueueSourceArn",
  ] as const;
  for (const name of optional) {
    const value = system[name];
    if (value !== undefined) attributes[name] = value;
  }
  const record: SQSRecord = {
    messageId: message.MessageId ?? "",
    receiptHandle: message.ReceiptHandle ?? "",
    body: message.Body ?? "",
    attributes,
    messageAttributes: toLambdaAttributes(message.MessageAttributes),
    md5OfBody: message.MD5OfBody ?? "",
    eventSource: "aws:sqs",
    eventSourceARN: queueArn,
    awsRegion: parseArn(queueArn).region,
  };
  if (message.MD5OfMessageAttributes) record.md5OfMessageAttributes = message.MD5OfMessageAttributes;
  return record;
}

class InvocationTimeout extends Error {
  override readonly name = "InvocationTimeout";
}

class InvalidBatchResponse extends Error {
  override readonly name = "InvalidBatchResponse";
}

/**
 * The message ids to keep on the queue, per Lambda's partial-batch rules; throws InvalidBatchResponse
 * when Lambda would treat the whole batch as failed.
 */
export function failedMessageIds(response: unknown, batchIds: readonly string[]): Set<string> {
  let wire: unknown;
  try {
    // Lambda serialises the result; what does not survive JSON is not a response.
    wire = response === undefined ? null : JSON.parse(JSON.stringify(response) ?? "null");
  } catch (error) {
    throw new InvalidBatchResponse(`the response is not JSON-serialisable (${String(error)})`);
  }
  if (wire === null || typeof wire !== "object" || Array.isArray(wire)) return new Set();
  const failures = (wire as { batchItemFailures?: unknown }).batchItemFailures;
  if (failures === undefined || failures === null) return new Set();
  if (!Array.isArray(failures)) throw new InvalidBatchResponse("batchItemFailures is not an array");
  const known = new Set(batchIds);
  const failed = new Set<string>();
  for (const item of failures) {
    const id =
      item && typeof item === "object" ? (item as { itemIdentifier?: unknown }).itemIdentifier : undefined;
    if (typeof id !== "string" || id === "") {
      throw new InvalidBatchResponse(`batchItemFailures holds an invalid item: ${JSON.stringify(item)}`);
    }
    if (!known.has(id)) throw new InvalidBatchResponse(`itemIdentifier ${id} is not a message of this batch`);
    failed.add(id);
  }
  return failed;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

function defaultOnError(failure: PollerError): void {
  const error = failure.error;
  const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  const ids = failure.messageIds.length ? ` [${failure.messageIds.join(", ")}]` : "";
  console.error(`[poller] ${failure.phase} failed${ids}: ${text}`);
}

function checkRange(name: string, value: number, min: number, max: number): number {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new RangeError(`${name} must be an integer in ${min}..${max}, got ${value}`);
  }
  return value;
}

/** Starts polling at once. */
export function startPoller(options: PollerOptions): Poller {
  const batchSize = checkRange("batchSize", options.batchSize ?? 10, 1, 10);
  const waitTimeSeconds = checkRange("waitTimeSeconds", options.waitTimeSeconds ?? 20, 0, 20);
  const concurrency = checkRange("concurrency", options.concurrency ?? 2, 1, 100);
  const timeoutMs = options.timeoutMs ?? 30_000;
  if (!(timeoutMs > 0)) throw new RangeError(`timeoutMs must be positive, got ${timeoutMs}`);
  const functionName = options.functionName ?? "SyncConsumer";
  const reportFailures = options.reportBatchItemFailures ?? true;
  const onError = options.onError ?? defaultOnError;
  const { region, accountId } = parseArn(options.queueArn);
  const { sqs, queueUrl, queueArn } = options;

  const stats: PollerStats = { invocations: 0, received: 0, deleted: 0, failed: 0 };
  const abort = new AbortController();
  let stopping = false;
  /** Batches received and not yet settled (handler done and deletes sent). */
  let inFlight = 0;
  /** Bumped whenever a ReceiveMessage returns messages; lets idle() detect a batch it raced with. */
  let batchesSeen = 0;

  const report = (phase: PollerErrorPhase, error: unknown, messageIds: string[] = []) => {
    try {
      onError({ phase, error, messageIds });
    } catch {
      // A failing reporter must not kill the poll loop.
    }
  };

  async function invoke(event: SQSEvent): Promise<unknown> {
    const context = createLambdaContext({
      functionName,
      timeoutMs,
      region,
      accountId,
      ...(options.memoryLimitInMB !== undefined ? { memoryLimitInMB: options.memoryLimitInMB } : {}),
    });
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new InvocationTimeout(`Task timed out after ${(timeoutMs / 1000).toFixed(2)} seconds`)),
        timeoutMs,
      );
    });
    try {
      // Promise.resolve().then: a handler that throws synchronously fails the batch like a rejection.
      return await Promise.race([Promise.resolve().then(() => options.handler(event, context)), timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  async function deleteMessages(messages: Message[]): Promise<void> {
    if (messages.length === 0) return;
    const entries = messages.map((m, i) => ({ Id: `m${i}`, ReceiptHandle: m.ReceiptHandle ?? "" }));
    try {
      const result = await sqs.send(new DeleteMessageBatchCommand({ QueueUrl: queueUrl, Entries: entries }));
      const failed = result.Failed ?? [];
      stats.deleted += entries.length - failed.length;
      if (failed.length) {
        const ids = failed.map((f) => messages[Number(f.Id?.slice(1))]?.MessageId ?? "?");
        report("delete", new Error(failed.map((f) => `${f.Code}: ${f.Message}`).join("; ")), ids);
      }
    } catch (error) {
      report(
        "delete",
        error,
        messages.map((m) => m.MessageId ?? "?"),
      );
    }
  }

  async function handleBatch(messages: Message[]): Promise<void> {
    const records = messages.map((m) => toSqsRecord(m, queueArn));
    const ids = records.map((r) => r.messageId);
    stats.invocations += 1;
    let response: unknown;
    try {
      response = await invoke({ Records: records });
    } catch (error) {
      stats.failed += messages.length;
      report("invoke", error, ids);
      return;
    }
    let failed: Set<string>;
    try {
      failed = reportFailures ? failedMessageIds(response, ids) : new Set();
    } catch (error) {
      stats.failed += messages.length;
      report("response", error, ids);
      return;
    }
    stats.failed += failed.size;
    await deleteMessages(messages.filter((m) => !failed.has(m.MessageId ?? "")));
  }

  async function loop(): Promise<void> {
    let backoff = 100;
    while (!stopping) {
      let messages: Message[];
      try {
        const result = await sqs.send(
          new ReceiveMessageCommand({
            QueueUrl: queueUrl,
            MaxNumberOfMessages: batchSize,
            WaitTimeSeconds: waitTimeSeconds,
            MessageSystemAttributeNames: ["All"],
            MessageAttributeNames: ["All"],
          }),
          { abortSignal: abort.signal },
        );
        messages = result.Messages ?? [];
        backoff = 100;
      } catch (error) {
        if (stopping) break;
        report("receive", error);
        await sleep(backoff);
        backoff = Math.min(backoff * 2, 5_000);
        continue;
      }
      if (messages.length === 0) continue;
      inFlight += 1;
      batchesSeen += 1;
      stats.received += messages.length;
      try {
        await handleBatch(messages);
      } finally {
        inFlight -= 1;
      }
    }
  }

  const loops = Array.from({ length: concurrency }, () => loop());

  /** Null when empty, else a description of what is left. */
  async function queueBacklog(): Promise<string | null> {
    const { visible, inFlight, delayed } = await queueDepth(sqs, queueUrl);
    if (visible === 0 && inFlight === 0 && delayed === 0) return null;
    return `${visible} visible, ${inFlight} in flight, ${delayed} delayed`;
  }

  let stopped: Promise<void> | undefined;
  return {
    stats: () => ({ ...stats }),
    async idle(idleOptions: IdleOptions = {}): Promise<void> {
      const limit = idleOptions.timeoutMs ?? 60_000;
      const interval = idleOptions.intervalMs ?? 50;
      const deadline = Date.now() + limit;
      let backlog: string | null = "not checked yet";
      while (true) {
        if (inFlight === 0) {
          const seen = batchesSeen;
          backlog = await queueBacklog();
          // Empty on the server and no batch handled meanwhile: nothing left to do.
          if (backlog === null && inFlight === 0 && batchesSeen === seen) return;
        }
        if (Date.now() > deadline) {
          throw new Error(
            `poller not idle after ${limit} ms: ${inFlight} batch(es) being handled; queue: ${backlog ?? "empty"} (${queueUrl})`,
          );
        }
        await sleep(interval);
      }
    },
    stop(): Promise<void> {
      stopped ??= (async () => {
        stopping = true;
        // Ends the long polls at once; a batch already received is still handled and settled.
        abort.abort();
        await Promise.all(loops);
      })();
      return stopped;
    },
  };
}
