/**
 * The local stand-in for a Lambda DynamoDB Streams event source mapping with `ReportBatchItemFailures`: it
 * reads DynamoDB Local's stream of the table the way Lambda reads the real one and hands the function real
 * `DynamoDBStreamEvent` batches.
 *
 * Lambda rules reproduced here:
 * - DescribeStream lists the shards (paged); a child shard is read once its parent is finished (or gone),
 *   so one item's changes arrive in order; new shards are picked up as the stream rolls over;
 * - each shard is read from TRIM_HORIZON the first time, then AFTER_SEQUENCE_NUMBER its checkpoint, the last
 *   sequence number handled (kept in `checkpointFile` across restarts, as the mapping keeps its own);
 * - the handler returns nothing or `batchItemFailures: []` → the batch is done; it lists failures → the shard
 *   resumes AT the first failed sequence number (the lowest, as Lambda does); it throws, times out or
 *   answers an invalid response → the whole batch is tried again;
 * - after `maxRetries` retries of the same batch it is given up on (Lambda sends its coordinates to the
 *   on-failure destination; here `onError` says it, phase `dropped`) and the shard moves past it.
 * Not reproduced: bisecting a failed batch (the handler's partial responses make it unneeded here).
 */
import { readFileSync, writeFileSync } from "node:fs";
import {
  type _Record,
  type AttributeValue,
  DescribeStreamCommand,
  type DynamoDBStreamsClient,
  GetRecordsCommand,
  GetShardIteratorCommand,
  type Shard,
  type ShardIteratorType,
} from "@aws-sdk/client-dynamodb-streams";
import type { Context, DynamoDBRecord, DynamoDBStreamEvent } from "aws-lambda";
import { passesFilters } from "./filters";
import { createLambdaContext, parseArn } from "./lambda-context";

/** What Lambda calls: a middy handler or a plain async function. */
export type StreamBatchHandler = (event: DynamoDBStreamEvent, context: Context) => unknown;

export interface StreamPollerError {
  phase: "describe" | "read" | "invoke" | "response" | "dropped";
  error: unknown;
  /** Sequence numbers the problem concerns. */
  sequenceNumbers: string[];
}

export interface StreamPollerOptions {
  client: DynamoDBStreamsClient;
  streamArn: string;
  handler: StreamBatchHandler;
  /** Records per invocation (GetRecords `Limit`), 1..1000. Default 100. */
  batchSize?: number;
  /** Pause after a pass over the shards that read nothing. Default 250 ms (Lambda polls 4 times a second). */
  intervalMs?: number;
  /** The function timeout. Default 60 000 ms. */
  timeoutMs?: number;
  /** Retries of a failed batch before it is given up on. Default 5. */
  maxRetries?: number;
  /** Used for the context. Default "ChangeProcessor". */
  functionName?: string;
  /** Where the shards' checkpoints are kept across restarts (JSON); in memory only when absent. */
  checkpointFile?: string;
  onError?: (failure: StreamPollerError) => void;
  /** Lambda's filter criteria (filters.ts): a record no pattern matches is skipped, never delivered. */
  filters?: Parameters<typeof passesFilters>[0];
}

export interface StreamPollerStats {
  invocations: number;
  records: number;
  /** Batches tried again (partly or whole). */
  retries: number;
  /** Batches given up on after `maxRetries`. */
  dropped: number;
}

export interface StreamPoller {
  /** Resolves once a whole pass over the stream, started after the call, read nothing. */
  idle(options?: { timeoutMs?: number }): Promise<void>;
  /** Stops after the batch in hand (at most its timeout) and resolves. */
  stop(): Promise<void>;
  stats(): StreamPollerStats;
}

type LambdaAttribute = NonNullable<DynamoDBRecord["dynamodb"]>["Keys"] extends
  | Record<string, infer V>
  | undefined
  ? V
  : never;

const base64 = (b: Uint8Array) => Buffer.from(b).toString("base64");

/** An SDK attribute value → the JSON form Lambda puts in an event (binary as base64). */
export function toLambdaAttribute(value: AttributeValue): LambdaAttribute {
  if (value.B !== undefined) return { B: base64(value.B) };
  if (value.BS !== undefined) return { BS: value.BS.map(base64) };
  if (value.M !== undefined) return { M: toLambdaImage(value.M) };
  if (value.L !== undefined) return { L: value.L.map(toLambdaAttribute) };
  const { $unknown: _unknown, ...rest } = value as AttributeValue & { $unknown?: unknown };
  // The streams client reads an empty map (`{"M": {}}` on the wire of DynamoDB Local) as `{}`.
  return (Object.keys(rest).length === 0 ? { M: {} } : rest) as LambdaAttribute;
}

const toLambdaImage = (image: Record<string, AttributeValue>): Record<string, LambdaAttribute> =>
  Object.fromEntries(Object.entries(image).map(([k, v]) => [k, toLambdaAttribute(v)]));

/** One stream record as Lambda delivers it. */
export function toLambdaRecord(record: _Record, streamArn: string): DynamoDBRecord {
  const d = record.dynamodb ?? {};
  const created = d.ApproximateCreationDateTime;
  return {
    eventID: record.eventID ?? "",
    eventName: record.eventName as DynamoDBRecord["eventName"],
    eventVersion: record.eventVersion ?? "1.1",
    eventSource: record.eventSource ?? "aws:dynamodb",
    awsRegion: record.awsRegion ?? parseArn(streamArn).region,
    dynamodb: {
      ...(created ? { ApproximateCreationDateTime: Math.floor(new Date(created).getTime() / 1000) } : {}),
      ...(d.Keys ? { Keys: toLambdaImage(d.Keys) } : {}),
      ...(d.NewImage ? { NewImage: toLambdaImage(d.NewImage) } : {}),
      ...(d.OldImage ? { OldImage: toLambdaImage(d.OldImage) } : {}),
      SequenceNumber: d.SequenceNumber ?? "",
      ...(d.SizeBytes !== undefined ? { SizeBytes: d.SizeBytes } : {}),
      ...(d.StreamViewType ? { StreamViewType: d.StreamViewType } : {}),
    },
    eventSourceARN: streamArn,
  };
}

class InvalidResponse extends Error {
  override readonly name = "InvalidBatchResponse";
}

/** The index of the first failed record per the handler's response (`undefined`: all succeeded). */
export function firstFailure(response: unknown, sequenceNumbers: readonly string[]): number | undefined {
  const wire: unknown = response === undefined ? null : JSON.parse(JSON.stringify(response) ?? "null");
  const failures = (wire as { batchItemFailures?: unknown } | null)?.batchItemFailures;
  if (failures === undefined || failures === null) return undefined;
  if (!Array.isArray(failures)) throw new InvalidResponse("batchItemFailures is not an array");
  let first: number | undefined;
  for (const item of failures) {
    const id = (item as { itemIdentifier?: unknown } | null)?.itemIdentifier;
    const index = typeof id === "string" ? sequenceNumbers.indexOf(id) : -1;
    if (index < 0)
      throw new InvalidResponse(`itemIdentifier ${JSON.stringify(id)} is not a record of the batch`);
    first = first === undefined ? index : Math.min(first, index);
  }
  return first;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms).unref());

const isNamed = (error: unknown, ...names: string[]) => error instanceof Error && names.includes(error.name);

function loadCheckpoints(file: string | undefined, streamArn: string): Map<string, string> {
  if (!file) return new Map();
  try {
    const saved = JSON.parse(readFileSync(file, "utf8")) as {
      streamArn?: string;
      shards?: Record<string, string>;
    };
    return saved.streamArn === streamArn ? new Map(Object.entries(saved.shards ?? {})) : new Map();
  } catch {
    return new Map();
  }
}

/** Starts reading the stream at once. */
export function startStreamPoller(options: StreamPollerOptions): StreamPoller {
  const { client, streamArn, handler } = options;
  const batchSize = options.batchSize ?? 100;
  if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > 1000) {
    throw new RangeError(`batchSize must be an integer in 1..1000, got ${batchSize}`);
  }
  const intervalMs = options.intervalMs ?? 250;
  const timeoutMs = options.timeoutMs ?? 60_000;
  const maxRetries = options.maxRetries ?? 5;
  const { region, accountId } = parseArn(streamArn);
  const report = (failure: StreamPollerError) => {
    try {
      (options.onError ?? ((f) => console.error(`[stream] ${f.phase} failed: ${String(f.error)}`)))(failure);
    } catch {
      // A failing reporter must not stop the poller.
    }
  };

  const stats: StreamPollerStats = { invocations: 0, records: 0, retries: 0, dropped: 0 };
  /** Last sequence number handled, per shard. */
  const checkpoints = loadCheckpoints(options.checkpointFile, streamArn);
  /** Where a shard resumes after a partial failure (AT this sequence number). */
  const resumeAt = new Map<string, string>();
  const iterators = new Map<string, string>();
  const finished = new Set<string>();
  const attempts = new Map<string, number>();
  let shards: Shard[] = [];
  let stopping = false;
  let passes = 0;
  let quietPass = -1;

  const save = () => {
    if (!options.checkpointFile) return;
    writeFileSync(
      options.checkpointFile,
      JSON.stringify({ streamArn, shards: Object.fromEntries(checkpoints) }),
    );
  };

  async function describe(): Promise<void> {
    const found: Shard[] = [];
    let start: string | undefined;
    do {
      const out = await client.send(
        new DescribeStreamCommand({
          StreamArn: streamArn,
          ...(start ? { ExclusiveStartShardId: start } : {}),
        }),
      );
      found.push(...(out.StreamDescription?.Shards ?? []));
      start = out.StreamDescription?.LastEvaluatedShardId;
    } while (start);
    shards = found;
  }

  async function iterator(shardId: string): Promise<string | undefined> {
    const at = resumeAt.get(shardId);
    const after = checkpoints.get(shardId);
    const type: ShardIteratorType = at
      ? "AT_SEQUENCE_NUMBER"
      : after
        ? "AFTER_SEQUENCE_NUMBER"
        : "TRIM_HORIZON";
    const out = await client.send(
      new GetShardIteratorCommand({
        StreamArn: streamArn,
        ShardId: shardId,
        ShardIteratorType: type,
        ...(at || after ? { SequenceNumber: at ?? after } : {}),
      }),
    );
    return out.ShardIterator;
  }

  async function invoke(event: DynamoDBStreamEvent): Promise<unknown> {
    const context = createLambdaContext({
      functionName: options.functionName ?? "ChangeProcessor",
      timeoutMs,
      region,
      accountId,
    });
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`Task timed out after ${timeoutMs / 1000} seconds`)),
        timeoutMs,
      );
    });
    try {
      return await Promise.race([Promise.resolve().then(() => handler(event, context)), timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Hands one batch of a shard to the function; moves the shard's checkpoint as Lambda would. */
  async function deliver(shardId: string, records: _Record[]): Promise<void> {
    const all = records.map((r) => toLambdaRecord(r, streamArn));
    const event = { Records: all.filter((r) => passesFilters(options.filters, r)) };
    if (event.Records.length === 0) {
      // Nothing for the function: as Lambda does, the shard moves past the batch without an invocation.
      const last = all[all.length - 1]?.dynamodb?.SequenceNumber;
      if (last) checkpoints.set(shardId, last);
      attempts.delete(shardId);
      resumeAt.delete(shardId);
      save();
      return;
    }
    const seqs = event.Records.map((r) => r.dynamodb?.SequenceNumber ?? "");
    const lastRead = all[all.length - 1]?.dynamodb?.SequenceNumber;
    stats.invocations++;
    stats.records += event.Records.length;
    let failedAt: number | undefined;
    try {
      failedAt = firstFailure(await invoke(event), seqs);
    } catch (error) {
      report({
        phase: error instanceof InvalidResponse ? "response" : "invoke",
        error,
        sequenceNumbers: seqs,
      });
      failedAt = 0;
    }
    const done = failedAt === undefined ? seqs.length : failedAt;
    const tries = (attempts.get(shardId) ?? 0) + 1;
    if (failedAt !== undefined && done === 0 && tries > maxRetries) {
      stats.dropped++;
      report({
        phase: "dropped",
        error: new Error(`given up after ${maxRetries} retries`),
        sequenceNumbers: seqs,
      });
      failedAt = undefined;
    }
    if (done > 0 || failedAt === undefined) {
      const last = failedAt === undefined ? lastRead : seqs[done - 1];
      if (last) checkpoints.set(shardId, last);
      attempts.delete(shardId);
      save();
    }
    if (failedAt === undefined) {
      resumeAt.delete(shardId);
      return;
    }
    stats.retries++;
    attempts.set(shardId, done === 0 ? tries : 1);
    resumeAt.set(shardId, seqs[failedAt] as string);
    iterators.delete(shardId);
  }

  /** Reads each open shard once; the number of records read. */
  async function pass(): Promise<number> {
    const known = new Set(shards.map((s) => s.ShardId));
    let read = 0;
    for (const shard of shards) {
      const id = shard.ShardId as string;
      if (stopping || finished.has(id)) continue;
      // A child shard waits for its parent (unless the parent was trimmed away).
      if (shard.ParentShardId && known.has(shard.ParentShardId) && !finished.has(shard.ParentShardId))
        continue;
      try {
        const it = iterators.get(id) ?? (await iterator(id));
        if (!it) {
          finished.add(id);
          continue;
        }
        const out = await client.send(new GetRecordsCommand({ ShardIterator: it, Limit: batchSize }));
        const records = out.Records ?? [];
        if (out.NextShardIterator) iterators.set(id, out.NextShardIterator);
        else iterators.delete(id);
        if (records.length > 0) {
          read += records.length;
          await deliver(id, records);
        } else if (!out.NextShardIterator) {
          finished.add(id);
        }
      } catch (error) {
        iterators.delete(id);
        if (isNamed(error, "ResourceNotFoundException")) finished.add(id);
        else if (!isNamed(error, "ExpiredIteratorException", "TrimmedDataAccessException")) {
          report({ phase: "read", error, sequenceNumbers: [] });
        }
      }
    }
    return read;
  }

  const loop = (async () => {
    let described = 0;
    while (!stopping) {
      const started = ++passes;
      try {
        if (Date.now() - described > 1_000 || shards.length === 0) {
          await describe();
          described = Date.now();
        }
      } catch (error) {
        report({ phase: "describe", error, sequenceNumbers: [] });
        await sleep(1_000);
        continue;
      }
      const read = await pass();
      if (read === 0) {
        quietPass = started;
        await sleep(intervalMs);
      }
    }
  })();

  let stopped: Promise<void> | undefined;
  return {
    stats: () => ({ ...stats }),
    async idle({ timeoutMs: limit = 60_000 } = {}) {
      const after = passes;
      const deadline = Date.now() + limit;
      while (quietPass <= after) {
        if (Date.now() > deadline) throw new Error(`stream poller not idle after ${limit} ms`);
        await sleep(25);
      }
    },
    stop() {
      stopped ??= (async () => {
        stopping = true;
        await loop;
      })();
      return stopped;
    },
  };
}
