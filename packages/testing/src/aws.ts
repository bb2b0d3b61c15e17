/**
 * Test helpers over the run-wide DynamoDB Local and fauxqs started by test/setup/services.ts:
 * a fresh table or queue pair per call, and SDK middleware to count requests and inject faults.
 *
 *   const { doc, tableName } = await createTestTable("sync");
 *   const writes = countingMiddleware(doc);
 *   ... second sync ...
 *   expect(writes.writes()).toBe(0);
 *
 *   const faults = injectFaults(doc);
 *   faults.throttle("BatchWriteItem", { times: 2 });      // 2 attempts fail, the SDK's retry recovers
 *   faults.unprocessed("BatchWriteItem", { count: 3 });   // next BatchWriteItem leaves 3 items unprocessed
 */
import { randomBytes } from "node:crypto";
import {
  DeleteTableCommand,
  DynamoDBClient,
  type DynamoDBServiceException,
  ProvisionedThroughputExceededException,
  RequestLimitExceeded,
  ThrottlingException,
} from "@aws-sdk/client-dynamodb";
import { DeleteQueueCommand, SQSClient } from "@aws-sdk/client-sqs";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { type Ctx, createCtx } from "@dashboard/core/context";
import { generateKeyRingEntry } from "@dashboard/core/crypto";
import { LOCAL_CREDENTIALS } from "@dashboard/local/resources";
import { ensureQueues, type Queues } from "@dashboard/local/sqs";
import { ensureTable } from "@dashboard/local/table";
import type { MiddlewareStack } from "@smithy/types";
import { inject } from "vitest";

/** Endpoints and region of the run-wide local services. */
export function localAws(): { dynamoEndpoint: string; sqsEndpoint: string; region: string } {
  return {
    dynamoEndpoint: inject("dynamoEndpoint"),
    sqsEndpoint: inject("sqsEndpoint"),
    region: inject("awsRegion"),
  };
}

/** A name unique across the run (workers run in parallel against the same services). */
export function uniqueName(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}-${randomBytes(4).toString("hex")}`;
}

export function createDynamoClient(): DynamoDBClient {
  const { dynamoEndpoint, region } = localAws();
  return new DynamoDBClient({ endpoint: dynamoEndpoint, region, credentials: LOCAL_CREDENTIALS });
}

export function createSqsClient(): SQSClient {
  const { sqsEndpoint, region } = localAws();
  return new SQSClient({ endpoint: sqsEndpoint, region, credentials: LOCAL_CREDENTIALS });
}

export interface TestTable {
  tableName: string;
  client: DynamoDBClient;
  /** Document client on `client` (same middleware stack: counting and faults apply to both). */
  doc: DynamoDBDocumentClient;
  /** Deletes the table and closes the clients. */
  drop(): Promise<void>;
}

/**
 * A new table with the production definition (`TABLE`, via `ensureTable`); its stream only when the test reads
 * changes (`stream: true`): DynamoDB Local is much slower to write large loads into a table with one.
 */
export async function createTestTable(prefix = "test", opts: { stream?: boolean } = {}): Promise<TestTable> {
  const tableName = uniqueName(prefix);
  const client = createDynamoClient();
  if (opts.stream) await ensureTable(client, tableName);
  else await ensureTable(client, tableName, { stream: false });
  const doc = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
  return {
    tableName,
    client,
    doc,
    drop: async () => {
      await client.send(new DeleteTableCommand({ TableName: tableName }));
      client.destroy();
    },
  };
}

export interface TestQueues extends Queues {
  sqs: SQSClient;
  /** Deletes both queues and closes the client. */
  drop(): Promise<void>;
}

/** A new work queue and DLQ with a real RedrivePolicy (defaults: 3 receives, 30 s visibility). */
export async function createTestQueues(
  prefix = "test",
  options: { maxReceiveCount?: number; visibilityTimeoutSeconds?: number } = {},
): Promise<TestQueues> {
  const name = uniqueName(prefix);
  const sqs = createSqsClient();
  const queues = await ensureQueues(sqs, {
    name,
    dlqName: `${name}-dlq`,
    maxReceiveCount: options.maxReceiveCount ?? 3,
    visibilityTimeoutSeconds: options.visibilityTimeoutSeconds ?? 30,
  });
  return {
    ...queues,
    sqs,
    drop: async () => {
      await sqs.send(new DeleteQueueCommand({ QueueUrl: queues.queueUrl }));
      await sqs.send(new DeleteQueueCommand({ QueueUrl: queues.dlqUrl }));
      sqs.destroy();
    },
  };
}

export interface TestStage {
  table: TestTable;
  queues: TestQueues;
  /** Core's context on that table and queue, with a key ring of its own. */
  ctx: Ctx;
  /** Deletes the table and the queues and closes their clients. */
  drop(): Promise<void>;
}

/** A new table and queue pair, and the core context that works on them. */
export async function createTestStage(prefix = "test"): Promise<TestStage> {
  const [table, queues] = await Promise.all([createTestTable(prefix), createTestQueues(prefix)]);
  const ctx = createCtx({
    table: table.tableName,
    encryptionKeys: generateKeyRingEntry(),
    queueUrl: queues.queueUrl,
    dynamo: table.client,
    sqs: queues.sqs,
  });
  return {
    table,
    queues,
    ctx,
    drop: async () => {
      await Promise.all([table.drop(), queues.drop()]);
    },
  };
}

// ---------------------------------------------------------------------------------------------------------
// Middleware

/** Any SDK v3 client (a document client shares its base client's stack). */
export interface AnyClient<I extends object = object, O extends object = object> {
  middlewareStack: MiddlewareStack<I, O>;
}

let middlewareSeq = 0;
const nextName = (kind: string) => `test-${kind}-${++middlewareSeq}`;

/** "PutItemCommand" → "PutItem"; the document client's commands report the underlying operation. */
const operation = (commandName: string | undefined) => (commandName ?? "Unknown").replace(/Command$/, "");

export const WRITE_OPERATIONS = [
  "PutItem",
  "UpdateItem",
  "DeleteItem",
  "BatchWriteItem",
  "TransactWriteItems",
  "ExecuteStatement",
  "BatchExecuteStatement",
  "ExecuteTransaction",
] as const;

export interface RequestCounter {
  /** Commands sent, by operation name (one per `send`, whatever the retries). */
  count(operation: string): number;
  /** HTTP attempts, by operation name (retries included). */
  attempts(operation: string): number;
  /** Commands sent of the write operations (PutItem, UpdateItem, DeleteItem, BatchWriteItem, …). */
  writes(): number;
  /** Snapshot of the command counts. */
  all(): Record<string, number>;
  reset(): void;
  /** Removes the middleware from the client. */
  remove(): void;
}

/** Counts the requests a client sends, by operation, via its middleware stack. */
export function countingMiddleware<I extends object, O extends object>(
  client: AnyClient<I, O>,
): RequestCounter {
  const commands = new Map<string, number>();
  const attempts = new Map<string, number>();
  const bump = (map: Map<string, number>, key: string) => map.set(key, (map.get(key) ?? 0) + 1);
  const commandName = nextName("count");
  const attemptName = nextName("attempt");
  client.middlewareStack.add(
    (next, context) => async (args) => {
      bump(commands, operation(context.commandName));
      return next(args);
    },
    { step: "initialize", priority: "high", name: commandName },
  );
  client.middlewareStack.add(
    (next, context) => async (args) => {
      bump(attempts, operation(context.commandName));
      return next(args);
    },
    { step: "deserialize", priority: "high", name: attemptName },
  );
  return {
    count: (name) => commands.get(name) ?? 0,
    attempts: (name) => attempts.get(name) ?? 0,
    writes: () => WRITE_OPERATIONS.reduce((sum, name) => sum + (commands.get(name) ?? 0), 0),
    all: () => Object.fromEntries(commands),
    reset: () => {
      commands.clear();
      attempts.clear();
    },
    remove: () => {
      client.middlewareStack.remove(commandName);
      client.middlewareStack.remove(attemptName);
    },
  };
}

type ThrottleErrorName =
  | "ProvisionedThroughputExceededException"
  | "ThrottlingException"
  | "RequestLimitExceeded";

function throttleError(name: ThrottleErrorName, operationName: string): DynamoDBServiceException {
  const options = {
    $metadata: { httpStatusCode: 400, requestId: `injected-${randomBytes(6).toString("hex")}`, attempts: 1 },
    message: `Injected ${name} on ${operationName}`,
  };
  switch (name) {
    case "ProvisionedThroughputExceededException":
      return new ProvisionedThroughputExceededException(options);
    case "ThrottlingException":
      return new ThrottlingException(options);
    case "RequestLimitExceeded":
      return new RequestLimitExceeded(options);
  }
}

interface WriteRequestsInput {
  RequestItems?: Record<string, unknown[]>;
}

interface Rule {
  operation: string;
  remaining: number;
}

export interface FaultInjector {
  /**
   * The next `times` HTTP attempts of `operation` fail with a throttling error before reaching the
   * server (so nothing is written), as DynamoDB answers; the SDK's own retry sees them as real ones,
   * so `times` below the client's `maxAttempts` (4 by default for DynamoDB) is absorbed by the retry
   * and `times >= maxAttempts` makes the command fail.
   */
  throttle(operation: string, options?: { times?: number; error?: ThrottleErrorName }): void;
  /**
   * The next `times` BatchWriteItem commands write only part of their requests: the last `count`
   * requests (default: half, rounded up) are not sent and come back in `UnprocessedItems`, exactly as
   * DynamoDB returns what it did not process.
   */
  unprocessed(operation: "BatchWriteItem", options?: { times?: number; count?: number }): void;
  /** Faults injected so far, by kind. */
  injected(): { throttled: number; unprocessedRequests: number };
  /** Forgets pending rules. */
  clear(): void;
  /** Removes the middleware from the client. */
  remove(): void;
}

/** Fault injection at the SDK middleware, on a DynamoDB (or document) client. */
export function injectFaults<I extends object, O extends object>(client: AnyClient<I, O>): FaultInjector {
  const throttles: (Rule & { error: ThrottleErrorName })[] = [];
  const partials: (Rule & { count: number | undefined })[] = [];
  const injected = { throttled: 0, unprocessedRequests: 0 };
  const take = <R extends Rule>(rules: R[], name: string): R | undefined => {
    const rule = rules.find((r) => r.operation === name && r.remaining > 0);
    if (rule) rule.remaining -= 1;
    return rule;
  };

  const throttleName = nextName("throttle");
  // deserialize step: inside the retry middleware, so each attempt is judged separately.
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const name = operation(context.commandName);
      const rule = take(throttles, name);
      if (rule) {
        injected.throttled += 1;
        throw throttleError(rule.error, name);
      }
      return next(args);
    },
    { step: "deserialize", priority: "low", name: throttleName },
  );

  const partialName = nextName("unprocessed");
  // initialize step: input and output are in the caller's form (document or AttributeValue), and
  // RequestItems and UnprocessedItems share one shape, so withheld requests go back untouched.
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const name = operation(context.commandName);
      const rule = name === "BatchWriteItem" ? take(partials, name) : undefined;
      const input = args.input as WriteRequestsInput;
      if (!rule || !input.RequestItems) return next(args);
      const flat = Object.entries(input.RequestItems).flatMap(([table, requests]) =>
        requests.map((request) => ({ table, request })),
      );
      const withheldCount = Math.min(flat.length, rule.count ?? Math.ceil(flat.length / 2));
      const sent = flat.slice(0, flat.length - withheldCount);
      const withheld = flat.slice(flat.length - withheldCount);
      const group = (entries: typeof flat) => {
        const grouped: Record<string, unknown[]> = {};
        for (const { table, request } of entries) grouped[table] = [...(grouped[table] ?? []), request];
        return grouped;
      };
      injected.unprocessedRequests += withheld.length;
      const result =
        sent.length > 0
          ? await next({ ...args, input: { ...input, RequestItems: group(sent) } as I })
          : // Nothing left to send: answer as DynamoDB would, without a request.
            ({
              output: { $metadata: { httpStatusCode: 200, attempts: 1, totalRetryDelay: 0 } },
              response: { statusCode: 200, headers: {}, body: undefined },
            } as unknown as Awaited<ReturnType<typeof next>>);
      const output = result.output as { UnprocessedItems?: Record<string, unknown[]> };
      const unprocessed = group(withheld);
      for (const [table, requests] of Object.entries(output.UnprocessedItems ?? {})) {
        unprocessed[table] = [...requests, ...(unprocessed[table] ?? [])];
      }
      return { ...result, output: { ...result.output, UnprocessedItems: unprocessed } as O };
    },
    { step: "initialize", priority: "low", name: partialName },
  );

  return {
    throttle: (name, options = {}) => {
      throttles.push({
        operation: name,
        remaining: options.times ?? 1,
        error: options.error ?? "ProvisionedThroughputExceededException",
      });
    },
    unprocessed: (name, options = {}) => {
      partials.push({ operation: name, remaining: options.times ?? 1, count: options.count });
    },
    injected: () => ({ ...injected }),
    clear: () => {
      throttles.length = 0;
      partials.length = 0;
    },
    remove: () => {
      client.middlewareStack.remove(throttleName);
      client.middlewareStack.remove(partialName);
    },
  };
}
