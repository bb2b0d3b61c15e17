/**
 * `ensureTable`: the one table built from core's `TABLE` exactly as `stacks/` does in AWS, on DynamoDB Local
 * or any other endpoint (the tests' and the benchmark's).
 */
import { setTimeout as delay } from "node:timers/promises";
import {
  type AttributeDefinition,
  CreateTableCommand,
  DescribeTableCommand,
  DescribeTimeToLiveCommand,
  type DynamoDBClient,
  type GlobalSecondaryIndex,
  type KeySchemaElement,
  type TableDescription,
  UpdateTableCommand,
  UpdateTimeToLiveCommand,
} from "@aws-sdk/client-dynamodb";
import { TABLE } from "@dashboard/core/store/table";
import { LocalServiceError } from "./errors";

function keySchema(partitionKey: string, sortKey: string): KeySchemaElement[] {
  return [
    { AttributeName: partitionKey, KeyType: "HASH" },
    { AttributeName: sortKey, KeyType: "RANGE" },
  ];
}

function indexDefinitions(): GlobalSecondaryIndex[] {
  return Object.entries(TABLE.indexes).map(([name, index]) => ({
    IndexName: name,
    KeySchema: keySchema(index.partitionKey, index.sortKey),
    Projection: { ProjectionType: "ALL" },
  }));
}

function attributeDefinitions(names: readonly string[]): AttributeDefinition[] {
  return names.map((name) => ({ AttributeName: name, AttributeType: "S" }));
}

const sameKeys = (actual: KeySchemaElement[] | undefined, expected: KeySchemaElement[]) =>
  JSON.stringify(actual?.map((k) => [k.AttributeName, k.KeyType])) ===
  JSON.stringify(expected.map((k) => [k.AttributeName, k.KeyType]));

function isNamed(error: unknown, ...names: string[]): boolean {
  return error instanceof Error && names.includes(error.name);
}

async function describe(client: DynamoDBClient, tableName: string): Promise<TableDescription | undefined> {
  try {
    return (await client.send(new DescribeTableCommand({ TableName: tableName }))).Table;
  } catch (error) {
    if (isNamed(error, "ResourceNotFoundException")) return undefined;
    throw error;
  }
}

async function waitUntilActive(
  client: DynamoDBClient,
  tableName: string,
  timeoutMs: number,
): Promise<TableDescription> {
  const deadline = Date.now() + timeoutMs;
  let pause = 50;
  while (true) {
    const table = await describe(client, tableName);
    const indexesActive = (table?.GlobalSecondaryIndexes ?? []).every((i) => i.IndexStatus === "ACTIVE");
    if (table?.TableStatus === "ACTIVE" && indexesActive) return table;
    if (Date.now() > deadline) {
      throw new LocalServiceError(
        "table_not_active",
        `Table ${tableName} is not ACTIVE after ${timeoutMs} ms (table ${table?.TableStatus ?? "missing"}, ` +
          `indexes ${JSON.stringify((table?.GlobalSecondaryIndexes ?? []).map((i) => `${i.IndexName}:${i.IndexStatus}`))}).`,
      );
    }
    await delay(pause);
    pause = Math.min(pause * 2, 1_000);
  }
}

export interface EnsureTableResult {
  /** True when this call created the table. */
  created: boolean;
  /** The table's stream (new and old images), read by the change processor's poller (streams.ts). */
  streamArn: string;
}

interface EnsureTableOptions {
  timeoutMs?: number;
  /**
   * False: no stream, for a table nothing reads changes from (tests and benchmark stages of other parts).
   * On AWS a stream costs writes nothing; DynamoDB Local keeps it in its own process, so a large load there
   * is slower with one (50,000 items: several times).
   */
  stream?: boolean;
}

const STREAM = { StreamEnabled: true, StreamViewType: TABLE.streamViewType } as const;

/**
 * Creates the table described by `TABLE` if it is missing (on-demand, both GSIs projecting ALL), waits
 * until it is ACTIVE and enables TTL on `expires_at` where the server supports it. Idempotent and safe
 * to call concurrently. An existing table whose keys or indexes differ from `TABLE` is an error
 * (`table_schema_mismatch`), never silently reshaped: adding an index to a live table is a deliberate
 * migration, and DynamoDB Local does not reliably finish one (an index added with UpdateTable can stay
 * CREATING indefinitely once a few tables with TTL exist).
 */
export async function ensureTable(
  client: DynamoDBClient,
  tableName: string,
  options?: EnsureTableOptions & { stream?: true },
): Promise<EnsureTableResult>;
export async function ensureTable(
  client: DynamoDBClient,
  tableName: string,
  options: EnsureTableOptions & { stream: false },
): Promise<Omit<EnsureTableResult, "streamArn">>;
export async function ensureTable(
  client: DynamoDBClient,
  tableName: string,
  options: EnsureTableOptions = {},
): Promise<Omit<EnsureTableResult, "streamArn"> & { streamArn?: string }> {
  const withStream = options.stream ?? true;
  const timeoutMs = options.timeoutMs ?? 60_000;
  const primary = keySchema(TABLE.partitionKey, TABLE.sortKey);
  let created = false;
  if (!(await describe(client, tableName))) {
    try {
      await client.send(
        new CreateTableCommand({
          TableName: tableName,
          BillingMode: "PAY_PER_REQUEST",
          KeySchema: primary,
          AttributeDefinitions: attributeDefinitions([
            TABLE.partitionKey,
            TABLE.sortKey,
            ...Object.values(TABLE.indexes).flatMap((i) => [i.partitionKey, i.sortKey]),
          ]),
          GlobalSecondaryIndexes: indexDefinitions(),
          ...(withStream ? { StreamSpecification: STREAM } : {}),
        }),
      );
      created = true;
    } catch (error) {
      // Someone else created it between our describe and create: fine, theirs has the same definition.
      if (!isNamed(error, "ResourceInUseException")) throw error;
    }
  }
  const existing = await waitUntilActive(client, tableName, timeoutMs);
  const mismatch = (what: string) =>
    new LocalServiceError(
      "table_schema_mismatch",
      `Table ${tableName} does not match TABLE (packages/core/src/store/table.ts): ${what}. ` +
        "Delete the table (locally: the data dir) and start again, or migrate it.",
    );
  if (!sameKeys(existing.KeySchema, primary)) {
    throw mismatch(`key schema ${JSON.stringify(existing.KeySchema)}, expected ${JSON.stringify(primary)}`);
  }
  for (const wanted of indexDefinitions()) {
    const found = existing.GlobalSecondaryIndexes?.find((i) => i.IndexName === wanted.IndexName);
    if (!found) throw mismatch(`index ${wanted.IndexName} is missing`);
    if (!sameKeys(found.KeySchema, wanted.KeySchema ?? [])) {
      throw mismatch(`index ${wanted.IndexName} has key schema ${JSON.stringify(found.KeySchema)}`);
    }
    if (found.Projection?.ProjectionType !== "ALL") {
      throw mismatch(`index ${wanted.IndexName} projects ${found.Projection?.ProjectionType}, expected ALL`);
    }
  }

  await enableTtl(client, tableName);
  return withStream ? { created, streamArn: await enableStream(client, existing, timeoutMs) } : { created };
}

/**
 * The table's stream ARN, the stream enabled first on a table created before it existed (data dirs of earlier
 * versions). A stream of another view type is a mismatch: the change processor needs both images.
 */
async function enableStream(
  client: DynamoDBClient,
  table: TableDescription,
  timeoutMs: number,
): Promise<string> {
  const name = table.TableName as string;
  let current = table;
  const spec = current.StreamSpecification;
  if (spec?.StreamEnabled && spec.StreamViewType !== TABLE.streamViewType) {
    throw new LocalServiceError(
      "table_schema_mismatch",
      `Table ${name} has a ${spec.StreamViewType} stream; the change processor needs ${TABLE.streamViewType}. Disable its stream (or delete the table) and start again.`,
    );
  }
  if (!spec?.StreamEnabled || !current.LatestStreamArn) {
    try {
      await client.send(new UpdateTableCommand({ TableName: name, StreamSpecification: STREAM }));
    } catch (error) {
      // A concurrent caller enabled it first.
      if (!isNamed(error, "ValidationException", "ResourceInUseException")) throw error;
    }
    current = await waitUntilActive(client, name, timeoutMs);
  }
  if (!current.LatestStreamArn)
    throw new LocalServiceError("table_not_active", `Table ${name} has no stream`);
  return current.LatestStreamArn;
}

async function enableTtl(client: DynamoDBClient, tableName: string): Promise<void> {
  try {
    const current = await client.send(new DescribeTimeToLiveCommand({ TableName: tableName }));
    const ttl = current.TimeToLiveDescription;
    if (ttl?.AttributeName === TABLE.ttlAttribute && ttl.TimeToLiveStatus !== "DISABLED") return;
    await client.send(
      new UpdateTimeToLiveCommand({
        TableName: tableName,
        TimeToLiveSpecification: { AttributeName: TABLE.ttlAttribute, Enabled: true },
      }),
    );
  } catch (error) {
    // Emulators without TTL (dynalite) answer UnknownOperationException; the data model never relies
    // on TTL for correctness, only for housekeeping.
    if (isNamed(error, "UnknownOperationException")) return;
    // Concurrent callers: the loser of the race sees "TimeToLive is already enabled".
    if (isNamed(error, "ValidationException") && /already enabled/i.test((error as Error).message)) return;
    throw error;
  }
}
