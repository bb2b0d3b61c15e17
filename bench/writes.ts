/**
 * Write requests counted at the SDK, by what they write. A resync of unchanged data must send no write that
 * carries a record; the engine's own bookkeeping (lease, run status, log lines) and the stats history item
 * it appends on every sync are counted apart, so the figure says exactly what it claims.
 */
import type { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import type { WriteCounts } from "./protocol";

export type WriteKind = keyof WriteCounts;

/** "S" attribute values (wire form) or plain strings (document form): the string either way. */
export const text = (value: unknown): string | undefined => {
  if (typeof value === "string") return value;
  if (value && typeof value === "object" && typeof (value as { S?: unknown }).S === "string")
    return (value as { S: string }).S;
  return undefined;
};

/** Record and setting items live in `SITE#<site>#E#<entity>` partitions (core's Keys.recordPartition). */
const RECORD_PARTITION = /^SITE#.+#E#[a-z_]+$/;

const kindOfItem = (item: Record<string, unknown> | undefined): WriteKind => {
  const type = text(item?.type);
  if (type === "record" || type === "setting" || RECORD_PARTITION.test(text(item?.pk) ?? "")) return "record";
  if (type === "stats") return "stats";
  return "bookkeeping";
};

interface WriteRequest {
  PutRequest?: { Item?: Record<string, unknown> };
  DeleteRequest?: { Key?: Record<string, unknown> };
}

/** What one command writes; undefined for reads. A batch carrying any record counts as a record write. */
export function classifyWrite(commandName: string, input: unknown): WriteKind | undefined {
  const operation = commandName.replace(/Command$/, "");
  const i = (input ?? {}) as {
    Item?: Record<string, unknown>;
    Key?: Record<string, unknown>;
    RequestItems?: Record<string, WriteRequest[]>;
  };
  switch (operation) {
    case "PutItem":
      return kindOfItem(i.Item);
    case "UpdateItem":
    case "DeleteItem":
      return kindOfItem(i.Key);
    case "BatchWriteItem": {
      const kinds = Object.values(i.RequestItems ?? {})
        .flat()
        .map((r) => kindOfItem(r.PutRequest?.Item ?? r.DeleteRequest?.Key));
      if (kinds.includes("record")) return "record";
      if (kinds.includes("stats")) return "stats";
      return "bookkeeping";
    }
    case "TransactWriteItems":
    case "ExecuteStatement":
    case "BatchExecuteStatement":
    case "ExecuteTransaction":
      return "bookkeeping";
    default:
      return undefined;
  }
}

export interface WriteCounter {
  counts(): WriteCounts;
  /** Every command sent, by operation ("BatchWriteItem", "Query", …). */
  operations(): Record<string, number>;
  /** Requests in flight, averaged over time since the last reset, and the share of that time with none. */
  occupancy(): { mean_in_flight: number; idle_share: number };
  reset(): void;
}

/** Counts the write commands a DynamoDB (or document) client sends, once per `send`, retries aside. */
export function countWrites(client: DynamoDBDocumentClient): WriteCounter {
  let counts: WriteCounts = { record: 0, stats: 0, bookkeeping: 0 };
  let operations = new Map<string, number>();
  // Occupancy: the integral of requests in flight over time, and the time with none.
  let inFlight = 0;
  let since = performance.now();
  let last = since;
  let area = 0;
  let idle = 0;
  const tick = () => {
    const now = performance.now();
    area += inFlight * (now - last);
    if (inFlight === 0) idle += now - last;
    last = now;
  };
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const name = String(context.commandName ?? "");
      const kind = classifyWrite(name, (args as { input?: unknown }).input);
      if (kind) counts[kind] += 1;
      const operation = name.replace(/Command$/, "");
      operations.set(operation, (operations.get(operation) ?? 0) + 1);
      tick();
      inFlight++;
      try {
        return await next(args);
      } finally {
        tick();
        inFlight--;
      }
    },
    { step: "initialize", priority: "high", name: "benchCountWrites" },
  );
  return {
    counts: () => ({ ...counts }),
    operations: () => Object.fromEntries(operations),
    occupancy: () => {
      tick();
      const span = last - since || 1;
      return {
        mean_in_flight: Math.round((area / span) * 10) / 10,
        idle_share: Math.round((idle / span) * 100) / 100,
      };
    },
    reset: () => {
      counts = { record: 0, stats: 0, bookkeeping: 0 };
      operations = new Map();
      tick();
      since = last;
      area = 0;
      idle = 0;
    },
  };
}
