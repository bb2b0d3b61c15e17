/**
 * What a bench child's requests would be billed for, counted at the SDK from real runs: every DynamoDB
 * request with the capacity DynamoDB says it consumed (the meter asks for `ReturnConsumedCapacity` on every
 * request that takes it), and every SQS request with the 64 KB chunks it is billed as. The cost model
 * (cost.ts) prices these counts.
 */
import type { SQSClient } from "@aws-sdk/client-sqs";
import type { Ctx } from "@dashboard/core/context";
import { z } from "zod";
import { injectLatency, type LatencyProfile, latencyDraws, type SdkClient, type Sleep } from "./latency";
import { PRICES } from "./prices";
import { text } from "./writes";

export const DynamoUsage = z.object({
  /** Requests sent, by operation. */
  requests: z.record(z.string(), z.number().int()),
  /** Read and write request units consumed (ConsumedCapacity, indexes included). */
  read_units: z.number(),
  write_units: z.number(),
  /** The same units by the kind of item they went to (record, run, log, stats, lease…): what costs. */
  units_by_kind: z.record(z.string(), z.number()),
});
export type DynamoUsage = z.infer<typeof DynamoUsage>;

export const SqsUsage = z.object({
  /** Requests sent, by operation. */
  requests: z.record(z.string(), z.number().int()),
  /** What SQS bills: one request per 64 KB chunk of its payload. */
  billed_requests: z.number().int(),
});
export type SqsUsage = z.infer<typeof SqsUsage>;

const READS = new Set(["GetItem", "BatchGetItem", "Query", "Scan", "TransactGetItems"]);
const WRITES = new Set(["PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem", "TransactWriteItems"]);

const operationOf = (commandName: string | undefined) => (commandName ?? "Unknown").replace(/Command$/, "");

/** Sums `CapacityUnits` of a ConsumedCapacity answer (one object, or one per table for batches). */
export function capacityUnits(consumed: unknown): number {
  const list = Array.isArray(consumed) ? consumed : consumed ? [consumed] : [];
  return list.reduce((n: number, c) => n + Number((c as { CapacityUnits?: number }).CapacityUnits ?? 0), 0);
}

/** The kind of item a key belongs to, from core's key shapes (store/keys.ts). */
function kindOfKey(pk: string, sk = ""): string {
  if (pk.startsWith("RUN#")) {
    if (sk === "RUN") return "run";
    return (sk.split("#")[0] ?? "run").toLowerCase();
  }
  if (pk.startsWith("SITE#")) {
    if (/#E#settings$/.test(pk)) return "setting";
    if (pk.includes("#HX#")) return "hash index";
    if (pk.includes("#E#")) return "record";
    if (pk.endsWith("#STATS")) return "stats";
    return "site";
  }
  return (pk.split("#")[0] ?? "other").toLowerCase();
}

const str = (v: unknown): string => text(v) ?? "";

/** The kind of item a request reads or writes (a batch: its first item's; a query: its partition's). */
function kindOfRequest(input: Record<string, unknown>): string {
  const key = (input.Item ?? input.Key) as Record<string, unknown> | undefined;
  if (key) return kindOfKey(str(key.pk), str(key.sk));
  const requests = Object.values((input.RequestItems ?? {}) as Record<string, unknown[]>).flat() as {
    PutRequest?: { Item?: Record<string, unknown> };
    DeleteRequest?: { Key?: Record<string, unknown> };
    Keys?: Record<string, unknown>[];
  }[];
  const first = requests[0];
  const item = first?.PutRequest?.Item ?? first?.DeleteRequest?.Key ?? first?.Keys?.[0];
  if (item) return kindOfKey(str(item.pk), str(item.sk));
  const values = (input.ExpressionAttributeValues ?? {}) as Record<string, unknown>;
  const pk = Object.values(values)
    .map(str)
    .find((v) => v.includes("#") || v === "RUNS" || v === "SITES");
  return pk ? kindOfKey(pk) : "other";
}

const bump = (map: Map<string, number>, key: string, by = 1) => map.set(key, (map.get(key) ?? 0) + by);

interface Meter<T> {
  usage(): T;
  reset(): void;
}

/**
 * Counts a DynamoDB client's requests and the capacity they consumed. A conditional write whose condition
 * fails is billed by DynamoDB (1 write unit for a small item) though it answers with an error and no
 * ConsumedCapacity: it counts 1 write unit here.
 */
function meterDynamo<I extends object, O extends object>(client: SdkClient<I, O>): Meter<DynamoUsage> {
  let requests = new Map<string, number>();
  let byKind = new Map<string, number>();
  let read = 0;
  let write = 0;
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const operation = operationOf(context.commandName);
      bump(requests, operation);
      const input = args.input as Record<string, unknown>;
      const priced = READS.has(operation) || WRITES.has(operation);
      if (priced && input.ReturnConsumedCapacity === undefined) input.ReturnConsumedCapacity = "TOTAL";
      const kind = `${WRITES.has(operation) ? "write" : "read"} ${kindOfRequest(input)}`;
      try {
        const out = await next(args);
        const units = capacityUnits((out.output as { ConsumedCapacity?: unknown }).ConsumedCapacity);
        if (READS.has(operation)) read += units;
        else if (WRITES.has(operation)) write += units;
        if (priced) bump(byKind, kind, units);
        return out;
      } catch (error) {
        if ((error as Error).name === "ConditionalCheckFailedException") {
          write += 1;
          bump(byKind, kind, 1);
        }
        throw error;
      }
    },
    { step: "initialize", priority: "high", name: "benchMeterDynamo" },
  );
  return {
    usage: () => ({
      requests: Object.fromEntries(requests),
      read_units: Math.round(read * 100) / 100,
      write_units: Math.round(write * 100) / 100,
      units_by_kind: Object.fromEntries([...byKind].map(([k, v]) => [k, Math.round(v * 100) / 100])),
    }),
    reset: () => {
      requests = new Map();
      byKind = new Map();
      read = 0;
      write = 0;
    },
  };
}

/** Bytes of an SQS request's payload: message bodies sent, or received. */
const payloadBytes = (input: Record<string, unknown> | undefined, output: unknown): number => {
  const body = (m: unknown) =>
    Buffer.byteLength(
      String(
        (m as { MessageBody?: string; Body?: string }).MessageBody ?? (m as { Body?: string }).Body ?? "",
      ),
    );
  let bytes = 0;
  if (typeof input?.MessageBody === "string") bytes += body(input);
  if (Array.isArray(input?.Entries)) for (const e of input.Entries) bytes += body(e);
  const messages = (output as { Messages?: unknown[] } | undefined)?.Messages;
  if (Array.isArray(messages)) for (const m of messages) bytes += body(m);
  return bytes;
};

/** Billed requests of one SQS request of `bytes` payload: one per started 64 KB chunk, at least one. */
export const billedSqsRequests = (bytes: number): number =>
  Math.max(1, Math.ceil(bytes / PRICES.sqs.billed_chunk_bytes));

/** Counts an SQS client's requests and what they are billed as. */
function meterSqs<I extends object, O extends object>(client: SdkClient<I, O>): Meter<SqsUsage> {
  let requests = new Map<string, number>();
  let billed = 0;
  client.middlewareStack.add(
    (next, context) => async (args) => {
      bump(requests, operationOf(context.commandName));
      const out = await next(args);
      billed += billedSqsRequests(payloadBytes(args.input as Record<string, unknown>, out.output));
      return out;
    },
    { step: "initialize", priority: "high", name: "benchMeterSqs" },
  );
  return {
    usage: () => ({ requests: Object.fromEntries(requests), billed_requests: billed }),
    reset: () => {
      requests = new Map();
      billed = 0;
    },
  };
}

export interface Instrumented {
  dynamodb: Meter<DynamoUsage>;
  sqs: Meter<SqsUsage>;
}

/**
 * Everything a bench child does to a core context's clients, in one place so that every job (the naive
 * baseline, the pipeline's consumer, the halves of the pipeline, the scheduler) gets the same: the
 * latency of the profile, when one is given, and the meters. `extraSqs` are other SQS clients of the
 * process (the poller's), metered and delayed with the context's.
 */
export function instrument(
  ctx: Pick<Ctx, "db" | "sqs">,
  opts: { latency?: LatencyProfile; stream?: number; sleep?: Sleep; extraSqs?: SQSClient[] } = {},
): Instrumented {
  const sqsClients = [ctx.sqs, ...(opts.extraSqs ?? [])];
  if (opts.latency) {
    const draws = latencyDraws(opts.latency, opts.stream);
    injectLatency(ctx.db, draws.dynamodb, opts.sleep);
    for (const c of sqsClients) injectLatency(c, draws.sqs, opts.sleep);
  }
  const sqsMeters = sqsClients.map((c) => meterSqs(c));
  return {
    dynamodb: meterDynamo(ctx.db),
    sqs: {
      usage: () => mergeSqs(sqsMeters.map((m) => m.usage())),
      reset: () => {
        for (const m of sqsMeters) m.reset();
      },
    },
  };
}

const mergeSqs = (all: SqsUsage[]): SqsUsage => {
  const requests = new Map<string, number>();
  for (const u of all) for (const [op, n] of Object.entries(u.requests)) bump(requests, op, n);
  return {
    requests: Object.fromEntries(requests),
    billed_requests: all.reduce((n, u) => n + u.billed_requests, 0),
  };
};
