/**
 * Tools for the fault matrix and the fidelity test: a queue consumer that behaves like the Lambda event
 * source (redelivery with a growing receive count, a dead-letter queue after the redrive limit, several
 * pollers at once), fault injectors on the SDK middleware stacks of the test's own DynamoDB and SQS
 * clients, and a comparison of what the Dashboard stored with what the Template serves.
 *
 * No vitest import here: `packages/core/test/fidelity/many-seeds.ts` uses this module outside vitest.
 */
import { isDeepStrictEqual } from "node:util";
import { ProvisionedThroughputExceededException } from "@aws-sdk/client-dynamodb";
import {
  ChangeMessageVisibilityCommand,
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
} from "@aws-sdk/client-sqs";
import type { Sim } from "@dashboard/template-sim";
import type { Ctx } from "../../src/context";
import { RECORD_ENTITIES, type RecordEntity } from "../../src/entity";
import { imageUrl } from "../../src/record";
import { queryAll } from "../../src/store/db";
import { Keys } from "../../src/store/keys";
import * as Sync from "../../src/sync";
import { validateRecord } from "../../src/template/schema";

export const API_KEY = "tpl-key-4b8e1d0c93";

/** Fast Template client settings for tests: short timeouts and backoff, the same retry logic. */
export const FAST_CLIENT = {
  timeoutMs: 2_000,
  backoff: { baseMs: 5, maxMs: 20 },
  maxRetryAfterMs: 2_000,
} as const;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

// ---- the consumer ---------------------------------------------------------------------------------------

/** One delivery of one message to the handler, and what came of it. */
export interface Delivery {
  body: Sync.SyncMessage;
  receiveCount: number;
  outcome?: Sync.HandleOutcome;
  error?: unknown;
}

export interface ConsumeOptions extends Partial<Sync.HandleOptions> {
  /** Pollers working at once (concurrent Lambda invocations), default 1; each takes up to 10 messages. */
  pollers?: number;
  /** Called with every delivery as it completes (the fidelity test records them). */
  onDelivery?: (delivery: Delivery) => void | Promise<void>;
  /** Stop (and throw) after this many deliveries: a livelock guard, default 5,000. */
  maxDeliveries?: number;
  /** Also wait for messages received elsewhere and still invisible, default true. */
  waitForInFlight?: boolean;
}

export interface Consumed {
  deliveries: Delivery[];
  /** Bodies of the messages SQS moved to the dead-letter queue (they are removed from it). */
  deadLettered: Sync.SyncMessage[];
}

interface QueueInfo {
  maxReceiveCount: number;
  dlqUrl?: string;
}

const queueInfo = new Map<string, Promise<QueueInfo>>();

/** The queue's redrive policy: its `maxReceiveCount` and dead-letter queue (none: 1 receive, no DLQ). */
function redrivePolicy(ctx: Ctx): Promise<QueueInfo> {
  let info = queueInfo.get(ctx.queueUrl);
  if (!info) {
    info = (async () => {
      const out = await ctx.sqs.send(
        new GetQueueAttributesCommand({ QueueUrl: ctx.queueUrl, AttributeNames: ["RedrivePolicy"] }),
      );
      const policy = out.Attributes?.RedrivePolicy;
      if (!policy) return { maxReceiveCount: 1 };
      const { deadLetterTargetArn, maxReceiveCount } = JSON.parse(policy) as {
        deadLetterTargetArn: string;
        maxReceiveCount: number | string;
      };
      const name = deadLetterTargetArn.split(":").at(-1) ?? "";
      const { QueueUrl } = await ctx.sqs.send(new GetQueueUrlCommand({ QueueName: name }));
      return { maxReceiveCount: Number(maxReceiveCount), ...(QueueUrl ? { dlqUrl: QueueUrl } : {}) };
    })();
    queueInfo.set(ctx.queueUrl, info);
  }
  return info;
}

/** Messages on a queue: visible, delayed and (unless told otherwise) in flight. */
async function queueDepth(ctx: Ctx, queueUrl: string, inFlight = true): Promise<number> {
  const out = await ctx.sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: queueUrl,
      AttributeNames: [
        "ApproximateNumberOfMessages",
        "ApproximateNumberOfMessagesNotVisible",
        "ApproximateNumberOfMessagesDelayed",
      ],
    }),
  );
  const a = out.Attributes ?? {};
  return (
    Number(a.ApproximateNumberOfMessages ?? 0) +
    (inFlight ? Number(a.ApproximateNumberOfMessagesNotVisible ?? 0) : 0) +
    Number(a.ApproximateNumberOfMessagesDelayed ?? 0)
  );
}

/** Takes every message off the dead-letter queue. */
async function takeDeadLetters(ctx: Ctx, dlqUrl: string | undefined): Promise<Sync.SyncMessage[]> {
  if (!dlqUrl) return [];
  const bodies: Sync.SyncMessage[] = [];
  for (;;) {
    const out = await ctx.sqs.send(
      new ReceiveMessageCommand({ QueueUrl: dlqUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }),
    );
    const messages = out.Messages ?? [];
    if (messages.length === 0) return bodies;
    for (const m of messages) {
      bodies.push(Sync.parseMessage(m.Body ?? ""));
      await ctx.sqs.send(new DeleteMessageCommand({ QueueUrl: dlqUrl, ReceiptHandle: m.ReceiptHandle }));
    }
  }
}

/**
 * Handles messages from the real queue until it is empty, like the Lambda event source with partial batch
 * responses: a message whose handler throws becomes visible again at once (the visibility timeout,
 * shortened) and SQS counts its receives; after the queue's `maxReceiveCount`, SQS itself moves it to the
 * dead-letter queue. Every other outcome deletes the message. The handler is told the receive count and
 * the redrive limit, as the consumer Lambda is.
 */
export async function consume(ctx: Ctx, opts: ConsumeOptions = {}): Promise<Consumed> {
  const { pollers = 1, onDelivery, maxDeliveries = 5_000, waitForInFlight = true, ...handle } = opts;
  const { maxReceiveCount, dlqUrl } = await redrivePolicy(ctx);
  const deliveries: Delivery[] = [];
  let busy = 0;
  let failure: unknown;

  const poll = async () => {
    for (let idle = 0; failure === undefined; ) {
      if (deliveries.length > maxDeliveries) {
        failure = new Error(`consume: more than ${maxDeliveries} deliveries; is a message looping?`);
        return;
      }
      busy++;
      let handled = 0;
      try {
        const out = await ctx.sqs.send(
          new ReceiveMessageCommand({
            QueueUrl: ctx.queueUrl,
            MaxNumberOfMessages: 10,
            WaitTimeSeconds: 0,
            MessageSystemAttributeNames: ["ApproximateReceiveCount"],
          }),
        );
        const messages = out.Messages ?? [];
        handled = messages.length;
        await Promise.all(
          messages.map(async (m) => {
            const receiveCount = Number(m.Attributes?.ApproximateReceiveCount ?? 1);
            const body = Sync.parseMessage(m.Body ?? "");
            const delivery: Delivery = { body, receiveCount };
            try {
              delivery.outcome = await Sync.handle(ctx, body, {
                remainingMs: () => 300_000,
                leaseRetryDelaySeconds: 0,
                client: FAST_CLIENT,
                receiveCount,
                maxReceiveCount,
                ...handle,
              });
            } catch (error) {
              delivery.error = error;
            }
            deliveries.push(delivery);
            await onDelivery?.(delivery);
            if (delivery.error === undefined) {
              await ctx.sqs.send(
                new DeleteMessageCommand({ QueueUrl: ctx.queueUrl, ReceiptHandle: m.ReceiptHandle }),
              );
            } else {
              await ctx.sqs.send(
                new ChangeMessageVisibilityCommand({
                  QueueUrl: ctx.queueUrl,
                  ReceiptHandle: m.ReceiptHandle,
                  VisibilityTimeout: 0,
                }),
              );
            }
          }),
        );
      } catch (error) {
        failure ??= error;
      } finally {
        busy--;
      }
      if (handled > 0) {
        idle = 0;
        continue;
      }
      // Nothing received: done when no poller is busy and nothing is in flight or delayed.
      if (busy === 0 && (await queueDepth(ctx, ctx.queueUrl, waitForInFlight)) === 0 && busy === 0) {
        if (++idle >= 2) return;
      }
      await sleep(25);
    }
  };

  await Promise.all(Array.from({ length: pollers }, poll));
  if (failure !== undefined) throw failure;
  return { deliveries, deadLettered: await takeDeadLetters(ctx, dlqUrl) };
}

/** Puts a message body on the queue again, as SQS does when it delivers a message twice. */
export async function redeliver(ctx: Ctx, body: Sync.SyncMessage): Promise<void> {
  await ctx.sqs.send(new SendMessageCommand({ QueueUrl: ctx.queueUrl, MessageBody: JSON.stringify(body) }));
}

// ---- a programmable proxy in front of a Template --------------------------------------------------------

export interface ProxyRequest {
  /** Path and query, e.g. `/api/export/paintings?limit=200&offset=0`. */
  url: URL;
  /** How many requests for this exact path and query came before this one. */
  seen: number;
}

/** What the proxy does with a request: answer itself, or forward it (possibly to another path). */
export type ProxyAction = { respond: { status: number; body: string; type?: string } } | { forward: URL };

export interface Proxy {
  url: string;
  requests: number;
  close(): Promise<void>;
}

/**
 * An HTTP server on 127.0.0.1 in front of a Template: `route` answers a request itself (a flapping
 * load balancer) or forwards it, possibly rewritten (a proxy that changes `limit`). Headers, including
 * `X-API-Key`, are passed through; the response is relayed as received.
 */
export async function startProxy(target: string, route: (req: ProxyRequest) => ProxyAction): Promise<Proxy> {
  const { createServer } = await import("node:http");
  const counts = new Map<string, number>();
  const proxy = { url: "", requests: 0, close: async () => {} };
  const server = createServer(async (req, res) => {
    proxy.requests++;
    const url = new URL(req.url ?? "/", target);
    const key = `${url.pathname}${url.search}`;
    const seen = counts.get(key) ?? 0;
    counts.set(key, seen + 1);
    try {
      const action = route({ url, seen });
      if ("respond" in action) {
        res.writeHead(action.respond.status, { "content-type": action.respond.type ?? "application/json" });
        res.end(action.respond.body);
        return;
      }
      const headers: Record<string, string> = {};
      for (const [name, value] of Object.entries(req.headers)) {
        if (typeof value === "string" && name !== "host" && name !== "connection") headers[name] = value;
      }
      const upstream = await fetch(action.forward, { headers });
      const body = Buffer.from(await upstream.arrayBuffer());
      const out: Record<string, string> = { "content-type": upstream.headers.get("content-type") ?? "" };
      const retryAfter = upstream.headers.get("retry-after");
      if (retryAfter !== null) out["retry-after"] = retryAfter;
      res.writeHead(upstream.status, out);
      res.end(body);
    } catch {
      res.destroy();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : 0;
  proxy.url = `http://127.0.0.1:${port}`;
  proxy.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return proxy;
}

// ---- fault injection on the SDK clients --------------------------------------------------------------------

/**
 * A call as the Dashboard made it: the operation (`BatchWriteItemCommand`, `SendMessageBatchCommand`...) and
 * its input, in plain values at the `initialize` step, marshalled (`{"S": "..."}`) inside the retry loop.
 */
export interface DynamoCall {
  command: string;
  input: Record<string, unknown>;
}

type Next = () => Promise<{ output: Record<string, unknown> }>;

/** The part of an SDK client's middleware stack used here (any v3 client; a document client shares its base's). */
interface Stack {
  add(
    middleware: (
      next: (args: { input: Record<string, unknown> }) => ReturnType<Next>,
      context: { commandName?: string },
    ) => (args: { input: Record<string, unknown> }) => Promise<unknown>,
    options: Record<string, unknown>,
  ): void;
  remove(name: string): boolean;
}

/** An AWS SDK v3 client, as far as fault injection is concerned. */
export type SdkClient = { middlewareStack: object };

let middlewareNames = 0;

/**
 * Adds a middleware to a client's stack; returns a function that removes it.
 * `initialize` sees every call once; `retry` sees every attempt, inside the SDK's retry loop, so an error
 * thrown there is retried by the SDK when it is retryable.
 */
function addMiddleware(
  client: SdkClient,
  where: "initialize" | "retry",
  fn: (call: DynamoCall, next: Next) => Promise<unknown>,
): () => void {
  const name = `faultInjection${++middlewareNames}`;
  const stack = client.middlewareStack as Stack;
  stack.add(
    (next, context) => async (args) =>
      fn({ command: String(context.commandName ?? ""), input: args.input }, () => next(args)),
    where === "initialize"
      ? { step: "initialize", name, priority: "high" }
      : { step: "finalizeRequest", name, priority: "low" },
  );
  return () => {
    stack.remove(name);
  };
}

type WriteRequest = { PutRequest?: { Item?: Record<string, unknown> }; DeleteRequest?: unknown };

const writeRequestsOf = (input: Record<string, unknown>): [string, WriteRequest[]][] =>
  Object.entries((input.RequestItems ?? {}) as Record<string, WriteRequest[]>);

/**
 * An item attribute as a plain value: middleware inside the SDK's retry loop sees the request marshalled
 * (`{"S": "record"}`) while the caller and the outer middleware see plain values.
 */
export const attribute = (item: Record<string, unknown> | undefined, name: string): unknown => {
  const value = item?.[name];
  if (value !== null && typeof value === "object") {
    const v = value as { S?: string; N?: string };
    return v.S ?? (v.N === undefined ? value : Number(v.N));
  }
  return value;
};

/**
 * An entity's final result written to its result item in the run (`RUN#E#<entity>`; any entity when none is
 * given): an UpdateItem that sets a terminal status.
 */
export const isEntityCompletion = (call: DynamoCall, entity?: string): boolean => {
  const sk = String((call.input.Key as { sk?: unknown } | undefined)?.sk ?? "");
  if (call.command !== "UpdateItemCommand" || !sk.startsWith("RUN#E#")) return false;
  if (entity !== undefined && sk !== `RUN#E#${entity}`) return false;
  const values = Object.values((call.input.ExpressionAttributeValues ?? {}) as Record<string, unknown>);
  return values.some((v) => v === "succeeded" || v === "failed" || v === "skipped" || v === "cancelled");
};

/** True for a BatchWriteItem that carries synced records (not run bookkeeping such as logs). */
export const isRecordWrite = (call: DynamoCall): boolean =>
  call.command === "BatchWriteItemCommand" &&
  writeRequestsOf(call.input).some(([, requests]) =>
    requests.some((r) => attribute(r.PutRequest?.Item, "type") === "record"),
  );

const itemKey = (item: Record<string, unknown>) =>
  `${String(attribute(item, "pk"))}|${String(attribute(item, "sk"))}`;

/**
 * Counts, per record key, the puts DynamoDB really applied (what a request carried minus what it left
 * unprocessed), whatever other middleware does to the request.
 */
export function countRecordPuts(client: SdkClient): { puts: Map<string, number>; stop: () => void } {
  const puts = new Map<string, number>();
  const stop = addMiddleware(client, "retry", async (call, next) => {
    const result = await next();
    if (call.command !== "BatchWriteItemCommand") return result;
    const left = new Set<string>();
    for (const [, requests] of writeRequestsOf(
      result.output.UnprocessedItems ? { RequestItems: result.output.UnprocessedItems } : {},
    )) {
      for (const r of requests) if (r.PutRequest?.Item) left.add(itemKey(r.PutRequest.Item));
    }
    for (const [, requests] of writeRequestsOf(call.input)) {
      for (const r of requests) {
        const item = r.PutRequest?.Item;
        if (!item || attribute(item, "type") !== "record") continue;
        const key = itemKey(item);
        if (!left.has(key)) puts.set(key, (puts.get(key) ?? 0) + 1);
      }
    }
    return result;
  });
  return { puts, stop };
}

/**
 * Throttles DynamoDB calls the way the service does (`ProvisionedThroughputExceededException`, HTTP 400),
 * inside the SDK's retry loop: `shouldThrottle` is asked once per attempt.
 */
export function throttle(client: SdkClient, shouldThrottle: (call: DynamoCall) => boolean): () => void {
  return addMiddleware(client, "retry", async (call, next) => {
    if (shouldThrottle(call)) {
      throw new ProvisionedThroughputExceededException({
        message: "The level of configured provisioned throughput for the table was exceeded (injected)",
        $metadata: { httpStatusCode: 400 },
      });
    }
    return next();
  });
}

/**
 * Makes BatchWriteItem leave items unprocessed, as DynamoDB does under load: `pick` chooses, per request,
 * how many of its items are held back; those are not sent and come back in `UnprocessedItems`.
 */
export function leaveUnprocessed(client: SdkClient, pick: (call: DynamoCall) => number): () => void {
  return addMiddleware(client, "initialize", async (call, next) => {
    if (call.command !== "BatchWriteItemCommand") return next();
    const entries = writeRequestsOf(call.input);
    const [table, requests] = entries[0] ?? [];
    const held = table && requests ? Math.min(requests.length - 1, Math.max(0, pick(call))) : 0;
    if (!table || !requests || held <= 0) return next();
    const kept = requests.slice(0, requests.length - held);
    const heldBack = requests.slice(requests.length - held);
    call.input.RequestItems = { [table]: kept };
    const result = await next();
    const already = ((result.output.UnprocessedItems ?? {}) as Record<string, WriteRequest[]>)[table] ?? [];
    result.output.UnprocessedItems = { [table]: [...already, ...heldBack] };
    return result;
  });
}

/** Slows the DynamoDB calls that `match` by `ms` (a slow partition, a congested network). */
export function delayAt(client: SdkClient, ms: number, match: (call: DynamoCall) => boolean): () => void {
  return addMiddleware(client, "initialize", async (call, next) => {
    if (match(call)) await sleep(ms);
    return next();
  });
}

/** Fails the DynamoDB calls that `match` at once, with a throttling error the SDK does not retry here. */
export function refuseAt(client: SdkClient, match: (call: DynamoCall) => boolean): () => void {
  return addMiddleware(client, "initialize", async (call, next) => {
    if (match(call)) {
      throw new ProvisionedThroughputExceededException({
        message: "The level of configured provisioned throughput for the table was exceeded (injected)",
        $metadata: { httpStatusCode: 400 },
      });
    }
    return next();
  });
}

/** The error a crash injector throws: a consumer that dies at that point. */
export class InjectedCrash extends Error {
  override readonly name = "InjectedCrash";
}

/**
 * Makes the consumer die right after (or before) a DynamoDB call that `match`es, `times` times: the call
 * itself takes effect (after) or never happens (before), then the invocation throws.
 */
export function crashAt(
  client: SdkClient,
  when: "before" | "after",
  match: (call: DynamoCall) => boolean,
  times = 1,
): { fired: () => number; stop: () => void } {
  let fired = 0;
  const stop = addMiddleware(client, "initialize", async (call, next) => {
    if (fired >= times || !match(call)) return next();
    fired++;
    if (when === "before") throw new InjectedCrash(`injected crash before ${call.command}`);
    await next();
    throw new InjectedCrash(`injected crash after ${call.command}`);
  });
  return { fired: () => fired, stop };
}

/** Counts the calls that `match` and succeeded (their effect took place). */
export function countSuccesses(
  client: SdkClient,
  match: (call: DynamoCall) => boolean,
): { count: () => number; stop: () => void } {
  let count = 0;
  const stop = addMiddleware(client, "initialize", async (call, next) => {
    const result = await next();
    if (match(call)) count++;
    return result;
  });
  return { count: () => count, stop };
}

// ---- stored data versus the source -------------------------------------------------------------------------

/** What the Dashboard adds to a Template record. */
const PROVENANCE = ["site_id", "template_url", "sync_timestamp", "image_url", "deleted_at"];

export interface StoredRecord {
  id: number;
  deleted: boolean;
  data: Record<string, unknown>;
}

/** Every stored record of a (site, entity), deleted ones included. */
export async function storedRecords(ctx: Ctx, siteId: string, entity: RecordEntity): Promise<StoredRecord[]> {
  const out: StoredRecord[] = [];
  for await (const items of queryAll(ctx, {
    KeyConditionExpression: "pk = :pk",
    ExpressionAttributeValues: { ":pk": Keys.recordPartition(siteId, entity) },
  })) {
    for (const item of items) {
      out.push({
        id: Number(item.record_id),
        deleted: item.deleted_at !== undefined,
        data: item.data as Record<string, unknown>,
      });
    }
  }
  return out;
}

export interface EntityComparison {
  /** Valid served records the store lacks, has as deleted, or holds with other content or provenance. */
  toWrite: number[];
  /** Live stored records the Template no longer serves. */
  toDelete: number[];
  /** Readable differences (empty when the store agrees with the Template). */
  diffs: string[];
}

/**
 * What the Dashboard stores for a site, against what its Template serves:
 * - every valid served record must be stored, live, with the same content and the right provenance;
 * - no live stored record may be gone from the Template (deletions are seen);
 * - a served record that is invalid may keep an earlier valid version (never deleted while served).
 * Before a sync, `toWrite` and `toDelete` are exactly what a complete sync must write and delete.
 */
export async function compare(
  ctx: Ctx,
  siteId: string,
  sim: Sim,
  entity: RecordEntity,
  templateUrl = sim.url,
): Promise<EntityComparison> {
  const out: EntityComparison = { toWrite: [], toDelete: [], diffs: [] };
  const expected = new Map<number, Record<string, unknown>>();
  const invalid = new Set<number>();
  for (const raw of sim.served(entity) as { id: number }[]) {
    // What is stored: the record as read, with its data-quality codes (flagged records are stored too).
    const checked = validateRecord(entity, raw);
    if (checked.ok) expected.set(raw.id, { ...checked.record, quality: checked.quality });
    else invalid.add(raw.id);
  }
  const stored = new Map((await storedRecords(ctx, siteId, entity)).map((r) => [r.id, r]));
  const differ = (id: number, why: string) => {
    out.diffs.push(`${entity} ${id}: ${why}`);
    if (out.toWrite.at(-1) !== id) out.toWrite.push(id);
  };
  for (const [id, want] of expected) {
    const got = stored.get(id);
    if (!got) {
      differ(id, "served but not stored");
      continue;
    }
    if (got.deleted) {
      differ(id, "served but marked deleted");
      continue;
    }
    const content = Object.fromEntries(Object.entries(got.data).filter(([k]) => !PROVENANCE.includes(k)));
    if (!isDeepStrictEqual(content, want)) {
      differ(id, `content differs: stored ${JSON.stringify(content)} served ${JSON.stringify(want)}`);
    }
    if (got.data.site_id !== siteId || got.data.template_url !== templateUrl) {
      differ(id, `provenance ${JSON.stringify([got.data.site_id, got.data.template_url])}`);
    }
    if (typeof got.data.sync_timestamp !== "string") differ(id, "no sync_timestamp");
    if (entity === "paintings" && got.data.image_url !== imageUrl(templateUrl, want.image)) {
      differ(id, `image_url ${String(got.data.image_url)}`);
    }
  }
  for (const [id, got] of stored) {
    if (got.deleted || expected.has(id) || invalid.has(id)) continue;
    out.diffs.push(`${entity} ${id}: gone from the Template but still live`);
    out.toDelete.push(id);
  }
  return out;
}

/** Every difference between the store and the Template, over the record entities (empty: they agree). */
export async function differences(
  ctx: Ctx,
  siteId: string,
  sim: Sim,
  opts: { entities?: readonly RecordEntity[]; templateUrl?: string } = {},
): Promise<string[]> {
  const { entities = RECORD_ENTITIES, templateUrl = sim.url } = opts;
  const diffs: string[] = [];
  for (const entity of entities) diffs.push(...(await compare(ctx, siteId, sim, entity, templateUrl)).diffs);
  return diffs;
}
