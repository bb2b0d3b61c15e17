/**
 * DynamoDB building blocks shared by every store module: batched writes that retry what DynamoDB leaves
 * unprocessed, queries that page to the end, and opaque, signed list cursors.
 */
import { createHmac } from "node:crypto";
import {
  BatchWriteCommand,
  type BatchWriteCommandInput,
  DeleteCommand,
  type DeleteCommandInput,
  QueryCommand,
  type QueryCommandInput,
  UpdateCommand,
  type UpdateCommandInput,
} from "@aws-sdk/lib-dynamodb";
import * as z from "zod";
import type { Ctx } from "../context";
import { VisibleError } from "../error";
import { pool } from "../util/pool";
import { retry } from "../util/retry";
import { type Expression, expressionOf, type Where } from "./expression";
import { type IndexName, TABLE } from "./table";

export type WriteRequest = NonNullable<BatchWriteCommandInput["RequestItems"]>[string][number];
export type Item = Record<string, unknown>;

export interface BatchWriteOptions {
  /** Requests in flight at once (each carries up to 25 items). */
  concurrency?: number;
  /** Attempts for the unprocessed rest of one request before giving up. */
  maxAttempts?: number;
}

/** Waits before writing again what DynamoDB left unprocessed (full jitter). */
const UNPROCESSED_BACKOFF = { baseMs: 100, maxMs: 2_000 };

class Unprocessed extends Error {}

/** Items per BatchWriteItem request (DynamoDB's limit). */
export const BATCH_WRITE_SIZE = 25;

/**
 * Sends one BatchWriteItem of at most 25 requests, retrying what DynamoDB leaves unprocessed with exponential
 * backoff and jitter until every item is written. Returns the number of requests sent.
 */
export async function writeBatch(ctx: Ctx, requests: WriteRequest[], maxAttempts = 10): Promise<number> {
  let pending = requests;
  let sent = 0;
  if (pending.length === 0) return sent;
  await retry(
    async (attempt) => {
      sent++;
      const out = await ctx.db.send(new BatchWriteCommand({ RequestItems: { [ctx.table]: pending } }));
      pending = (out.UnprocessedItems?.[ctx.table] ?? []) as WriteRequest[];
      if (pending.length > 0)
        throw new Unprocessed(`DynamoDB left ${pending.length} items unprocessed after ${attempt} attempts`);
    },
    { attempts: maxAttempts, backoff: UNPROCESSED_BACKOFF, retryable: (e) => e instanceof Unprocessed },
  );
  return sent;
}

/**
 * Writes puts and deletes in BatchWriteItem requests of 25, several at once (see `writeBatch`). Returns the
 * number of requests sent.
 */
export async function batchWrite(
  ctx: Ctx,
  requests: WriteRequest[],
  opts: BatchWriteOptions = {},
): Promise<number> {
  const { concurrency = 4, maxAttempts = 10 } = opts;
  const chunks: WriteRequest[][] = [];
  for (let i = 0; i < requests.length; i += BATCH_WRITE_SIZE)
    chunks.push(requests.slice(i, i + BATCH_WRITE_SIZE));
  let sent = 0;
  // After a failure no new chunk starts, and the call rejects only once the chunks in flight have ended:
  // nothing keeps writing behind the caller's back (a redelivered message would race those writes).
  await pool(chunks, concurrency, async (chunk) => {
    // Not `sent += await …`: that reads `sent` before the await and loses the other workers' counts.
    const n = await writeBatch(ctx, chunk, maxAttempts);
    sent += n;
  });
  return sent;
}

/**
 * A conditional UpdateItem (or DeleteItem): true when it applied, false when its condition did not hold.
 * Any other failure is thrown.
 */
export async function applyIf(
  ctx: Ctx,
  command:
    | { update: Omit<UpdateCommandInput, "TableName"> }
    | { delete: Omit<DeleteCommandInput, "TableName"> },
): Promise<boolean> {
  try {
    await ctx.db.send(
      "update" in command
        ? new UpdateCommand({ TableName: ctx.table, ...command.update })
        : new DeleteCommand({ TableName: ctx.table, ...command.delete }),
    );
    return true;
  } catch (e) {
    if ((e as Error).name === "ConditionalCheckFailedException") return false;
    throw e;
  }
}

export const putRequest = (item: Item): WriteRequest => ({ PutRequest: { Item: item } });
export const deleteRequest = (key: { pk: string; sk: string }): WriteRequest => ({
  DeleteRequest: { Key: key },
});

/**
 * Items per page of `queryAll` unless the caller says otherwise. DynamoDB ends a page at 1 MB first for items
 * over ~400 bytes, so this changes little there; DynamoDB Local, without a `Limit`, reads every remaining item
 * of the partition for each page, which makes reading a large partition quadratic (50,000 records: 10–40 s
 * instead of 2–4 s; see docs/performance.md).
 */
export const QUERY_PAGE_LIMIT = 2_500;

/** Every item of a query, page after page (for internal use on bounded partitions; never in a request path). */
export async function* queryAll(
  ctx: Ctx,
  input: Omit<QueryCommandInput, "TableName">,
): AsyncGenerator<Item[]> {
  let start: Record<string, unknown> | undefined;
  do {
    const out = await ctx.db.send(
      new QueryCommand({ Limit: QUERY_PAGE_LIMIT, ...input, TableName: ctx.table, ExclusiveStartKey: start }),
    );
    yield (out.Items ?? []) as Item[];
    start = out.LastEvaluatedKey;
  } while (start);
}

/** The items of one query request (a bounded lookup: `Limit` says how many). */
export async function firstPage(ctx: Ctx, input: Omit<QueryCommandInput, "TableName">): Promise<Item[]> {
  const out = await ctx.db.send(new QueryCommand({ ...input, TableName: ctx.table }));
  return (out.Items ?? []) as Item[];
}

/**
 * Which items of one partition a query reads, on the table or on an index (`Keys.*Index`): all of them,
 * those under a sort-key prefix, or those between `from` and `to` (inclusive, either may be open).
 */
export interface KeyRange {
  index?: IndexName;
  pk: string;
  prefix?: string;
  from?: string;
  to?: string;
}

/** The one place a key condition is written: `KeyRange` as query input. */
export function keyRange(range: KeyRange) {
  const attrs = range.index ? TABLE.indexes[range.index] : TABLE;
  const pk = `${attrs.partitionKey} = :pk`;
  const sk = attrs.sortKey;
  const values: Record<string, unknown> = { ":pk": range.pk };
  let condition = pk;
  if (range.prefix !== undefined) {
    condition += ` AND begins_with(${sk}, :p)`;
    values[":p"] = range.prefix;
  } else if (range.from !== undefined && range.to !== undefined) {
    condition += ` AND ${sk} BETWEEN :from AND :to`;
    Object.assign(values, { ":from": range.from, ":to": range.to });
  } else if (range.from !== undefined) {
    condition += ` AND ${sk} >= :from`;
    values[":from"] = range.from;
  } else if (range.to !== undefined) {
    condition += ` AND ${sk} <= :to`;
    values[":to"] = range.to;
  }
  return {
    ...(range.index ? { IndexName: range.index } : {}),
    KeyConditionExpression: condition,
    ExpressionAttributeValues: values,
  };
}

/**
 * A query of a key range, keeping the items that meet `expression.where` and reading its `project`ed
 * attributes (store/expression.ts): the one place the two are combined into Query input.
 */
export function rangeQuery(range: KeyRange, expression: Expression = {}) {
  const key = keyRange(range);
  const { ExpressionAttributeValues: values, ...rest } = expressionOf(expression);
  return { ...key, ...rest, ExpressionAttributeValues: { ...key.ExpressionAttributeValues, ...values } };
}

/** Deletes every item of a partition (optionally under a sort-key prefix). Returns how many. */
export async function deletePartition(ctx: Ctx, pk: string, skPrefix?: string): Promise<number> {
  let deleted = 0;
  for await (const items of queryAll(ctx, rangeQuery({ pk, prefix: skPrefix }, { project: ["pk", "sk"] }))) {
    await batchWrite(
      ctx,
      items.map((i) => deleteRequest({ pk: String(i.pk), sk: String(i.sk) })),
    );
    deleted += items.length;
  }
  return deleted;
}

// ---- cursors ----------------------------------------------------------------------------------------

const KeyAttributes = z.record(z.string(), z.union([z.string(), z.number()]));
const keyNames: ReadonlySet<string> = new Set([
  TABLE.partitionKey,
  TABLE.sortKey,
  ...Object.values(TABLE.indexes).flatMap((i) => [i.partitionKey, i.sortKey]),
]);

const cursorMac = (ctx: Ctx, body: string, scope: string): string =>
  createHmac("sha256", ctx.keyRing.primary.key)
    .update(`cursor:${scope}:${body}`)
    .digest("base64url")
    .slice(0, 22);

/** An opaque cursor for a list position: the key as base64url JSON, signed so a tampered one is refused. */
export const encodeCursor = (ctx: Ctx, key: Record<string, unknown>, scope: string): string => {
  const body = Buffer.from(JSON.stringify(key)).toString("base64url");
  return `${body}.${cursorMac(ctx, body, scope)}`;
};

export const invalidCursor = () =>
  new VisibleError(
    "invalid_request",
    "invalid_cursor",
    "The cursor is not valid for this list; start again without it",
  );

/** The key a cursor stands for, or a 400 when it was tampered with or belongs to another list. */
export const decodeCursor = (ctx: Ctx, cursor: string, scope: string): Record<string, string | number> => {
  const [body, mac] = cursor.split(".");
  if (!body || !mac || mac !== cursorMac(ctx, body, scope)) throw invalidCursor();
  try {
    const key = KeyAttributes.parse(JSON.parse(Buffer.from(body, "base64url").toString("utf8")));
    if (!Object.keys(key).every((k) => keyNames.has(k))) throw invalidCursor();
    return key;
  } catch {
    throw invalidCursor();
  }
};

export interface Page<T> {
  items: T[];
  next_cursor?: string;
}

export interface ListQuery {
  /** The partition (and sort-key range) listed. */
  key: KeyRange;
  /** The conditions an item meets to be listed (store/expression.ts); every item when absent. */
  where?: Where;
  descending?: boolean;
  limit: number;
  cursor?: string;
  /** Binds cursors to this list, so a cursor from another list or filter is refused. */
  scope: string;
  /** Safety valve for sparse filters: at most this many items read per request. */
  maxRead?: number;
}

/**
 * One page of a list, honouring `limit` even with a filter: reads on until `limit` items match (or
 * `maxRead` items were read), and returns a cursor at the last item returned, so no item is skipped.
 */
export async function listPage(ctx: Ctx, q: ListQuery): Promise<Page<Item>> {
  const start = q.cursor ? decodeCursor(ctx, q.cursor, q.scope) : undefined;
  const items: Item[] = [];
  let exclusiveStart: Record<string, unknown> | undefined = start;
  let read = 0;
  const maxRead = q.maxRead ?? 5_000;
  const keyOf = (item: Item): Record<string, unknown> => {
    const key: Record<string, unknown> = { pk: item.pk, sk: item.sk };
    if (q.key.index) {
      const idx = TABLE.indexes[q.key.index];
      key[idx.partitionKey] = item[idx.partitionKey];
      key[idx.sortKey] = item[idx.sortKey];
    }
    return key;
  };
  const query = rangeQuery(q.key, { where: q.where });
  const filtered = query.FilterExpression !== undefined;
  while (items.length < q.limit) {
    const want = q.limit - items.length;
    const out = await ctx.db.send(
      new QueryCommand({
        TableName: ctx.table,
        ...query,
        ScanIndexForward: !q.descending,
        ExclusiveStartKey: exclusiveStart,
        // Without a filter, ask one more than needed to know whether a next page exists.
        Limit: filtered ? Math.min(1_000, Math.max(want * 4, 100)) : want + 1,
      }),
    );
    read += out.ScannedCount ?? 0;
    const got = (out.Items ?? []) as Item[];
    for (const item of got) {
      if (items.length === q.limit) {
        return { items, next_cursor: encodeCursor(ctx, keyOf(items[items.length - 1] as Item), q.scope) };
      }
      items.push(item);
    }
    exclusiveStart = out.LastEvaluatedKey;
    if (!exclusiveStart) return { items };
    if (read >= maxRead) break;
  }
  const last = items[items.length - 1];
  const cursorKey = items.length === q.limit && last ? keyOf(last) : exclusiveStart;
  return cursorKey ? { items, next_cursor: encodeCursor(ctx, cursorKey, q.scope) } : { items };
}
