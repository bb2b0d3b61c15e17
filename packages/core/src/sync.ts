/**
 * The sync engine (DESIGN.md decision 6 and 7). One SQS message = one (site, entity, run) unit of work:
 *
 *   lease → page through the export → dedupe ids → validate (quarantine the invalid, with reasons) →
 *   hash and write only what changed → after a complete scan, mark as deleted what was not seen
 *
 * A large entity is checkpointed: when the invocation's time (or page budget) runs short, the ids seen so
 * far are saved and a continuation message carries the offset. Redelivered and stale messages change
 * nothing (the run's entity result and the lease's sequence number say what was done already).
 */

import { SendMessageBatchCommand } from "@aws-sdk/client-sqs";
import { DeleteCommand, GetCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import * as z from "zod";
import type { Ctx } from "./context";
import * as Control from "./control";
import { ALL_ENTITIES, Entity, isOptional, type RecordEntity } from "./entity";
import { VisibleError } from "./error";
import * as Health from "./health";
import * as Pending from "./pending";
import * as Records from "./record";
import { delayRedelivery, retryDelaySeconds } from "./retry";
import * as RunStore from "./run";
import { type EntityResult, emptyResult, type LogEntry, type LogLevel, type LogParams } from "./run";
import * as Settings from "./settings";
import * as SiteStore from "./site";
import { assertFetchAllowed, createGuardedFetch } from "./ssrf";
import { statsItem } from "./stats";
import {
  BATCH_WRITE_SIZE,
  batchWrite,
  deletePartition,
  type Item,
  putRequest,
  queryAll,
  writeBatch,
} from "./store/db";
import { Keys } from "./store/keys";
import { whyUnstorable } from "./store/limits";
import { TEMPLATE_PATHS, TemplateClient, type TemplateClientOptions } from "./template/client";
import {
  isTemplateError,
  TemplateError,
  TemplateNotFoundError,
  TemplateValidationError,
} from "./template/errors";
import { reasonsOf, type TemplateSetting, validateRecord } from "./template/schema";
import { createId, idTime } from "./util/id";
import { epochSeconds, isoNow } from "./util/time";

// ---- messages ----------------------------------------------------------------------------------------

const Counters = z.object({
  fetched: z.number().int(),
  valid: z.number().int(),
  flagged: z.number().int().default(0),
  invalid: z.number().int(),
  written: z.number().int(),
  unchanged: z.number().int(),
  pages: z.number().int(),
  duplicates: z.number().int(),
  unidentified: z.number().int(),
  inserted: z.number().int(),
  write_requests: z.number().int(),
  started_ms: z.number(),
  /** Pages in a row whose every id was already seen in this scan (a server ignoring `offset`). */
  repeated_pages: z.number().int().default(0),
});
type Counters = z.infer<typeof Counters>;

export const Continuation = z.object({
  /** Sequence of this continuation (1 for the first); equal to the lease's while it is current. */
  seq: z.number().int().positive(),
  offset: z.number().int().nonnegative(),
  counters: Counters,
});
export type Continuation = z.infer<typeof Continuation>;

export const SyncMessage = z.object({
  v: z.literal(1),
  run_id: z.string().min(1),
  site_id: z.string().min(1),
  entity: Entity,
  trigger: RunStore.Trigger,
  continuation: Continuation.optional(),
  /** How many times this message waited for another run's lease. */
  lease_waits: z.number().int().nonnegative().default(0),
});
export type SyncMessage = z.infer<typeof SyncMessage>;

/** Parses a queue message body; a body that is not a sync message is a clear, permanent error. */
export const parseMessage = (body: string): SyncMessage => {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    throw new VisibleError("invalid_request", "invalid_message", "The queue message is not JSON");
  }
  const parsed = SyncMessage.safeParse(json);
  if (!parsed.success) {
    throw new VisibleError("invalid_request", "invalid_message", "The queue message is not a sync message", {
      issues: reasonsOf(parsed.error),
    });
  }
  return parsed.data;
};

/** SendMessageBatch requests in flight at once when `enqueue` has more than ten messages. */
const ENQUEUE_CONCURRENCY = 8;

/**
 * Sends messages to the sync queue, ten per request and several requests at once, retrying the ones SQS
 * reports as failed. On a failure no new request starts, and the call rejects once those in flight ended.
 */
export async function enqueue(
  ctx: Ctx,
  messages: { body: SyncMessage; delaySeconds?: number }[],
): Promise<number> {
  const batches: { Id: string; MessageBody: string; DelaySeconds: number | undefined }[][] = [];
  for (let i = 0; i < messages.length; i += 10) {
    batches.push(
      messages.slice(i, i + 10).map((m, j) => ({
        Id: `m${j}`,
        MessageBody: JSON.stringify(m.body),
        DelaySeconds: m.delaySeconds,
      })),
    );
  }
  let requests = 0;
  const send = async (entries: (typeof batches)[number]) => {
    let batch = entries;
    for (let attempt = 1; batch.length > 0; attempt++) {
      requests++;
      const out = await ctx.sqs.send(new SendMessageBatchCommand({ QueueUrl: ctx.queueUrl, Entries: batch }));
      const failed = new Set((out.Failed ?? []).map((f) => f.Id));
      batch = batch.filter((b) => failed.has(b.Id));
      if (batch.length > 0 && attempt >= 5)
        throw new Error(`SQS refused ${batch.length} messages after ${attempt} attempts`);
    }
  };
  await pool(batches, ENQUEUE_CONCURRENCY, send);
  return requests;
}

/**
 * Runs `work` on every item, at most `concurrency` at once, in order of the items. After a failure no new
 * item starts, and the call rejects with it once the items in flight have ended (nothing goes on behind
 * the caller's back).
 */
async function pool<T>(items: readonly T[], concurrency: number, work: (item: T) => Promise<void>) {
  let next = 0;
  let failure: { error: unknown } | undefined;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, items.length) }, async () => {
      while (!failure && next < items.length) {
        const item = items[next++] as T;
        try {
          await work(item);
        } catch (error) {
          failure ??= { error };
        }
      }
    }),
  );
  if (failure) throw failure.error;
}

// ---- starting runs -------------------------------------------------------------------------------------

export const StartInput = z.object({
  siteId: z.string().min(1),
  trigger: RunStore.Trigger,
  entities: z.array(Entity).min(1).optional(),
  /** Skip entities already waiting in an earlier, not yet started run (webhook storms, overlapping ticks). */
  coalesce: z.boolean().default(false),
  /** Hold the run's messages back this long (SQS delay; webhook bursts, webhook.ts). */
  delaySeconds: z.number().int().min(0).max(900).optional(),
});
export type StartInput = z.input<typeof StartInput>;

export interface Started {
  run?: RunStore.Run;
  entities: Entity[];
  coalesced: Entity[];
  /** The run in progress that this trigger joined instead of starting another (coalescing triggers only). */
  joined?: string;
}

/**
 * A run older than this that still shows in progress on its site is taken as abandoned (a consumer that
 * died with its messages lost): it no longer keeps the schedule and webhooks from starting a new run.
 */
export const ACTIVE_RUN_MAX_AGE_MS = 2 * 3600 * 1000;

/** The run a site has in progress, if any (from the site's `last_run`). */
export function runInProgress(site: SiteStore.Site, now: Date): string | undefined {
  const last = site.last_run;
  if (!last || !RunStore.isActive(last.status)) return undefined;
  const created = idTime(last.run_id);
  return created !== undefined && now.getTime() - created < ACTIVE_RUN_MAX_AGE_MS ? last.run_id : undefined;
}

/**
 * One run per site at a time: a coalescing trigger (schedule, webhook) for a site whose run is still in
 * progress joins it for the entities that run covers, said on that run, instead of stacking another run
 * behind it; only the entities it lacks (a webhook's run covers a few) still need a run of their own.
 */
async function joinRunInProgress(
  ctx: Ctx,
  site: SiteStore.Site,
  trigger: RunStore.Trigger,
  wanted: readonly Entity[],
): Promise<{ joined: string; covered: Entity[]; missing: Entity[] } | undefined> {
  const busy = runInProgress(site, ctx.now());
  if (!busy) return undefined;
  let run: RunStore.Run;
  try {
    run = await RunStore.get(ctx, busy);
  } catch (e) {
    if (e instanceof VisibleError && e.code === "run_not_found") return undefined;
    throw e;
  }
  if (!RunStore.isActive(run.status)) return undefined;
  const covered = wanted.filter((e) => run.entities[e] !== undefined);
  if (covered.length === 0) return undefined;
  await RunStore.recordJoined(ctx, busy, trigger);
  return { joined: busy, covered, missing: wanted.filter((e) => run.entities[e] === undefined) };
}

/** Creates a run for a site and enqueues one message per entity. */
export async function start(ctx: Ctx, input: StartInput): Promise<Started> {
  const parsed = StartInput.parse(input);
  const site = await SiteStore.get(ctx, parsed.siteId); // an unknown site is a 404, not a run
  const join = parsed.coalesce
    ? await joinRunInProgress(ctx, site, parsed.trigger, parsed.entities ?? ALL_ENTITIES)
    : undefined;
  if (join && join.missing.length === 0)
    return { entities: [], coalesced: join.covered, joined: join.joined };
  const [started] = await startMany(ctx, [join ? { ...parsed, entities: join.missing } : parsed]);
  if (!started) throw new Error("startMany returned nothing");
  return join
    ? { ...started, coalesced: [...join.covered, ...started.coalesced], joined: join.joined }
    : started;
}

/**
 * `start` for several sites at once (the scheduler's batches), in three steps whose order the guarantees
 * rest on: claim each site's pending markers (coalescing: one conditional write per site when none is
 * held), create the runs (BatchWriteItem, then each site's `last_run` unless `siteLastRun` is false), and
 * only then send their messages (SQS batches of ten across sites, several at once).
 *
 * A site whose claim failed is left out and the call rejects once the others are started, so no claim made
 * is stranded without its run; when the runs cannot be created, the claims are released. A crash between
 * steps leaves at worst markers that expire, or a run whose messages were never sent, as it always could.
 */
async function startMany(
  ctx: Ctx,
  inputs: readonly z.output<typeof StartInput>[],
  opts: { siteLastRun?: boolean } = {},
): Promise<Started[]> {
  const settled = await Promise.allSettled(
    inputs.map(async ({ siteId, trigger, coalesce, entities: asked, delaySeconds }) => {
      const wanted = [...new Set(asked ?? ALL_ENTITIES)].sort(
        (a, b) => ALL_ENTITIES.indexOf(a) - ALL_ENTITIES.indexOf(b),
      );
      const runId = createId("run");
      const entities = coalesce ? await Pending.claim(ctx, siteId, wanted, runId) : wanted;
      const coalesced = wanted.filter((e) => !entities.includes(e));
      return { siteId, trigger, runId, entities, coalesced, delaySeconds };
    }),
  );
  const claims = settled.flatMap((s) => (s.status === "fulfilled" ? [s.value] : []));
  const toCreate = claims.filter((c) => c.entities.length > 0);
  let created: RunStore.Run[];
  try {
    created = await RunStore.createMany(ctx, toCreate, opts);
  } catch (error) {
    await Promise.allSettled(
      toCreate.flatMap((c) => c.entities.map((e) => Pending.release(ctx, c.siteId, e, c.runId))),
    );
    throw error;
  }
  await enqueue(
    ctx,
    toCreate.flatMap(({ siteId, trigger, entities, runId, delaySeconds }) =>
      entities.map((entity) => ({
        body: { v: 1 as const, run_id: runId, site_id: siteId, entity, trigger, lease_waits: 0 },
        ...(delaySeconds ? { delaySeconds } : {}),
      })),
    ),
  );
  const failed = settled.find((s) => s.status === "rejected");
  if (failed) throw failed.reason;
  const runs = new Map(created.map((run) => [run.run_id, run]));
  return claims.map(({ runId, entities, coalesced }) => {
    const run = runs.get(runId);
    return run ? { run, entities, coalesced } : { entities, coalesced };
  });
}

/** Sites the scheduler starts together: one BatchWriteItem of their runs. */
const SCHEDULE_BATCH = 25;
/** Batches of sites the scheduler has in flight at once. */
const SCHEDULE_CONCURRENCY = 4;

/**
 * The scheduler's work: one run per enabled site, for every entity not already pending. Its runs leave the
 * sites' `last_run` to the consumer, which records each run as it starts and ends: a write per site saved on
 * every tick (half of what the fan-out writes), and a site's health is not reset to "syncing" on each tick
 * while its run only waits in the queue.
 */
export async function startScheduled(
  ctx: Ctx,
): Promise<{ runs: number; messages: number; skipped: number; joined: number; deletions_finished: number }> {
  const { sites, deleting } = await SiteStore.listWithDeleting(ctx);
  const enabled = sites.filter((s) => s.enabled);
  // Sites with a run in progress: joined for what it covers; only what it lacks gets a run of its own.
  const missing = new Map<string, Entity[]>();
  const busy = enabled.filter((s) => runInProgress(s, ctx.now()) !== undefined);
  await pool(busy, SCHEDULE_CONCURRENCY, async (site) => {
    const join = await joinRunInProgress(ctx, site, "schedule", ALL_ENTITIES);
    if (join) missing.set(site.id, join.missing);
  });
  const inputs = enabled.flatMap((site) => {
    const lacking = missing.get(site.id);
    if (lacking?.length === 0) return [];
    return [
      {
        siteId: site.id,
        trigger: "schedule" as const,
        coalesce: true,
        ...(lacking ? { entities: lacking } : {}),
      },
    ];
  });
  const batches: (typeof inputs)[] = [];
  for (let i = 0; i < inputs.length; i += SCHEDULE_BATCH) batches.push(inputs.slice(i, i + SCHEDULE_BATCH));
  let runs = 0;
  let messages = 0;
  await pool(batches, SCHEDULE_CONCURRENCY, async (batch) => {
    const started = await startMany(
      ctx,
      batch.map((input) => StartInput.parse(input)),
      { siteLastRun: false },
    );
    for (const s of started) {
      if (s.run) runs++;
      messages += s.entities.length;
    }
  });
  // The backstop of site deletions a stopped consumer left unfinished.
  const deletions_finished = await Control.finishDeletions(ctx, deleting);
  return {
    runs,
    messages,
    skipped: sites.length - enabled.length,
    joined: missing.size,
    deletions_finished,
  };
}

// ---- leases ----------------------------------------------------------------------------------------------

/** A lease outlives the longest invocation (the consumer's timeout is 5 minutes). */
export const LEASE_SECONDS = 6 * 60;

/**
 * `seq` is the step the scan of this run is at; `next` the continuation message that hands the scan to step
 * `seq` and `sent` the last step whose continuation is known to be on the queue (see `resendContinuation`).
 */
type LeaseResult =
  | { held: true; seq: number; sent: number; next?: Continuation }
  | { held: false; owner: string };

async function acquireLease(ctx: Ctx, msg: SyncMessage): Promise<LeaseResult> {
  const now = epochSeconds(ctx.now());
  const key = Keys.lease(msg.site_id, msg.entity);
  try {
    const out = await ctx.db.send(
      new UpdateCommand({
        TableName: ctx.table,
        Key: key,
        UpdateExpression:
          "SET #owner = :run, expires_at = :exp, seq = if_not_exists(seq, :zero), #type = :type",
        ConditionExpression: "attribute_not_exists(pk) OR #owner = :run OR expires_at < :now",
        ExpressionAttributeNames: { "#owner": "owner", "#type": "type" },
        ExpressionAttributeValues: {
          ":run": msg.run_id,
          ":exp": now + LEASE_SECONDS,
          ":now": now,
          ":zero": 0,
          ":type": "lease",
        },
        ReturnValues: "ALL_OLD",
      }),
    );
    const old = out.Attributes;
    if (old && old.owner === msg.run_id) {
      const seq = Number(old.seq ?? 0);
      const next = Continuation.safeParse(old.next);
      return { held: true, seq, sent: Number(old.sent ?? 0), ...(next.success ? { next: next.data } : {}) };
    }
    // A lease that was free, or taken over from another (expired) run: the scan goes on at this message's
    // step. A continuation must not be left behind: its run's lease may have expired while the message
    // waited (a consumer that died is redelivered after the visibility timeout, longer than the lease), and
    // another run may have taken the lease and released it; ignoring the message left the entity running.
    const seq = msg.continuation?.seq ?? 0;
    if (old || seq > 0) await resetLease(ctx, msg, seq);
    return { held: true, seq, sent: seq };
  } catch (e) {
    if ((e as Error).name !== "ConditionalCheckFailedException") throw e;
    const current = await ctx.db.send(
      new GetCommand({ TableName: ctx.table, Key: key, ConsistentRead: true }),
    );
    return { held: false, owner: String(current.Item?.owner ?? "?") };
  }
}

/** Starts the lease's sequence at `seq`, forgetting a previous owner's continuation. */
async function resetLease(ctx: Ctx, msg: SyncMessage, seq: number) {
  await ctx.db.send(
    new UpdateCommand({
      TableName: ctx.table,
      Key: Keys.lease(msg.site_id, msg.entity),
      UpdateExpression: "SET seq = :seq, sent = :seq, expires_at = :exp REMOVE #next",
      ConditionExpression: "#owner = :run",
      ExpressionAttributeNames: { "#owner": "owner", "#next": "next" },
      ExpressionAttributeValues: {
        ":seq": seq,
        ":run": msg.run_id,
        ":exp": epochSeconds(ctx.now()) + LEASE_SECONDS,
      },
    }),
  );
}

/**
 * Hands the scan from step `from` to `next.seq`, keeping the continuation in the lease before it is sent.
 * A compare-and-set on the step: of two deliveries of one message working at once, only one goes on.
 */
async function advanceLease(ctx: Ctx, msg: SyncMessage, from: number, next: Continuation): Promise<boolean> {
  try {
    await ctx.db.send(
      new UpdateCommand({
        TableName: ctx.table,
        Key: Keys.lease(msg.site_id, msg.entity),
        UpdateExpression: "SET seq = :seq, #next = :next, expires_at = :exp",
        ConditionExpression: "#owner = :run AND seq = :from",
        ExpressionAttributeNames: { "#owner": "owner", "#next": "next" },
        ExpressionAttributeValues: {
          ":seq": next.seq,
          ":next": next,
          ":from": from,
          ":run": msg.run_id,
          ":exp": epochSeconds(ctx.now()) + LEASE_SECONDS,
        },
      }),
    );
    return true;
  } catch (e) {
    if ((e as Error).name === "ConditionalCheckFailedException") return false;
    throw e;
  }
}

/** Notes that the continuation of step `seq` is on the queue. */
async function markSent(ctx: Ctx, msg: SyncMessage, seq: number) {
  await ctx.db
    .send(
      new UpdateCommand({
        TableName: ctx.table,
        Key: Keys.lease(msg.site_id, msg.entity),
        UpdateExpression: "SET sent = :seq",
        ConditionExpression: "#owner = :run AND seq = :seq",
        ExpressionAttributeNames: { "#owner": "owner" },
        ExpressionAttributeValues: { ":seq": seq, ":run": msg.run_id },
      }),
    )
    .catch((e: Error) => {
      if (e.name !== "ConditionalCheckFailedException") throw e;
    });
}

/**
 * A delivery behind the lease (the scan was already handed on past it). When the invocation that handed
 * the scan on died before its continuation was known to be sent, the lease still holds that continuation:
 * send it (at worst a duplicate, which the compare-and-set of `advanceLease` stops at its next step).
 */
async function resendContinuation(
  ctx: Ctx,
  msg: SyncMessage,
  lease: { seq: number; sent: number; next?: Continuation },
) {
  if (!lease.next || lease.next.seq !== lease.seq || lease.sent >= lease.seq) return;
  await enqueue(ctx, [{ body: { ...msg, continuation: lease.next, lease_waits: 0 } }]);
  await markSent(ctx, msg, lease.seq);
}

async function releaseLease(ctx: Ctx, msg: SyncMessage) {
  await ctx.db
    .send(
      new DeleteCommand({
        TableName: ctx.table,
        Key: Keys.lease(msg.site_id, msg.entity),
        ConditionExpression: "#owner = :run",
        ExpressionAttributeNames: { "#owner": "owner" },
        ExpressionAttributeValues: { ":run": msg.run_id },
      }),
    )
    .catch((e: Error) => {
      if (e.name !== "ConditionalCheckFailedException") throw e;
    });
}

// ---- handling one message -----------------------------------------------------------------------------

export interface HandleOptions {
  /** Time left in this invocation (Lambda's `getRemainingTimeInMillis`). */
  remainingMs: () => number;
  /** Checkpoint when less than this is left, default 60 s. */
  safetyMarginMs?: number;
  /** Checkpoint after this many pages in one invocation (bounds memory and time), default 400. */
  maxPagesPerInvocation?: number;
  /** Delay before a message that found the lease busy is tried again, default 20 s. */
  leaseRetryDelaySeconds?: number;
  /** Give up on a busy lease after this many waits, default 45 (≈ 15 min). */
  maxLeaseWaits?: number;
  /** SQS receive count of this message and the queue's redrive limit: on the last receive, a failure is recorded in the run. */
  receiveCount?: number;
  maxReceiveCount?: number;
  /** Template client tuning (timeouts, retries); tests shorten them. */
  client?: Partial<Omit<TemplateClientOptions, "baseUrl" | "apiKey">>;
  /** BatchWriteItem requests (of 25 records) in flight per entity, default 4; bounds the memory writes hold. */
  writeConcurrency?: number;
  /** Structured logs for the handler's logger; never receives a secret. */
  onLog?: (entry: LogEntry & { run_id: string; site_id: string }) => void;
  /**
   * An unexpected failure inside the Dashboard (not the Template's): called once, with its real cause, for
   * the service logs (the run only says `internal_error`).
   */
  onInternalError?: (failure: {
    run_id: string;
    site_id: string;
    entity: Entity;
    code: string;
    cause: unknown;
  }) => void;
  /** The received message's receipt handle: a retryable failure delays its next delivery by the retry schedule. */
  receiptHandle?: string;
  /** Waits before the next attempt, after the 1st, 2nd... failed one (default 30 s, 2 min, 8 min). */
  retryDelaysSeconds?: readonly number[];
  /** Default caps of an entity's scan (a site's own `scan_limits` win). */
  scanLimits?: Partial<SiteStore.ScanLimits>;
}

export type HandleOutcome =
  | { kind: "completed"; result: EntityResult; run?: RunStore.Run }
  | { kind: "continued"; seq: number; offset: number }
  | { kind: "deferred"; owner: string }
  | { kind: "ignored"; reason: "duplicate" | "stale" | "run_not_found" };

/**
 * Syncs one (site, entity) for a run. Returns what happened; throws only for failures worth another
 * delivery (a Template that cannot be reached, DynamoDB trouble): the queue retries those and, on the last
 * delivery, the run records why before the message goes to the dead-letter queue.
 */
export async function handle(ctx: Ctx, msg: SyncMessage, opts: HandleOptions): Promise<HandleOutcome> {
  let run: RunStore.Run;
  try {
    run = await RunStore.get(ctx, msg.run_id);
  } catch (e) {
    if (!(e instanceof VisibleError && e.code === "run_not_found")) throw e;
    // The run went with its site: this message's lease must not hold the end of the site's deletion back.
    if ((await SiteStore.writeState(ctx, msg.site_id)) === "deleting") {
      await releaseLease(ctx, msg);
      await Control.finishDeletion(ctx, msg.site_id);
    }
    return { kind: "ignored", reason: "run_not_found" };
  }
  const current = run.entities[msg.entity];
  if (!current) return { kind: "ignored", reason: "duplicate" };
  if (RunStore.isTerminal(current.status)) {
    await settleFinished(ctx, msg, run);
    return { kind: "ignored", reason: "duplicate" };
  }

  const lease = await acquireLease(ctx, msg);
  if (!lease.held) {
    if (msg.lease_waits >= (opts.maxLeaseWaits ?? 45)) {
      const result: EntityResult = {
        ...emptyResult("failed"),
        error: {
          code: "lease_timeout",
          message: `Another sync of ${msg.entity} (${lease.owner}) kept running; gave up waiting`,
        },
      };
      const log = new RunLog(ctx, msg, opts);
      log.add("ERROR", result.error?.message ?? "", "entity_failed", { error: "lease_timeout" });
      await log.flush();
      const done = await RunStore.completeEntity(ctx, msg.run_id, msg.entity, result);
      return { kind: "completed", result, run: done.run };
    }
    await enqueue(ctx, [
      { body: { ...msg, lease_waits: msg.lease_waits + 1 }, delaySeconds: opts.leaseRetryDelaySeconds ?? 20 },
    ]);
    return { kind: "deferred", owner: lease.owner };
  }
  const expectedSeq = msg.continuation?.seq ?? 0;
  if (lease.seq !== expectedSeq) {
    if (lease.seq > expectedSeq) await resendContinuation(ctx, msg, lease);
    return { kind: "ignored", reason: "stale" };
  }

  await Pending.release(ctx, msg.site_id, msg.entity, msg.run_id);
  if (!(await RunStore.startEntity(ctx, msg.run_id, msg.entity))) {
    await settleFinished(ctx, msg, run);
    return { kind: "ignored", reason: "duplicate" };
  }

  const log = new RunLog(ctx, msg, opts);
  const attempt = opts.receiveCount ?? 1;
  const maxAttempts = opts.maxReceiveCount ?? 1;
  // Retry notices of this delivery, written in order; awaited before the entity's next state is written.
  let notices: Promise<void> = Promise.resolve();
  const notice = (error: RunStore.EntityError, delayMs: number) => {
    notices = notices.then(() =>
      RunStore.markRetrying(ctx, run, msg.entity, {
        error,
        attempt,
        maxAttempts,
        nextAttemptAt: isoNow(new Date(ctx.now().getTime() + delayMs)),
      }).catch((cause: unknown) => reportInternal(opts, msg, "retry_notice_failed", cause)),
    );
  };
  try {
    const stop = await stopReason(ctx, msg);
    if (stop) return await finishStopped(ctx, msg, log, stopped(freshCounters(ctx.now()), stop, log));
    const site = await SiteStore.get(ctx, msg.site_id);
    const client = new TemplateClient({
      // One quick retry within a delivery (a flapping proxy); longer outages wait on the queue.
      retries: 1,
      ...opts.client,
      baseUrl: site.template_url,
      apiKey: await SiteStore.apiKey(ctx, site.id),
      assertUrlAllowed: (url) => assertFetchAllowed(url, ctx.production),
      ...(ctx.production ? { fetch: guardedFetch() } : {}),
      onRetry: (e) => {
        log.add(
          "WARNING",
          `Nouvelle tentative ${e.attempt + 1} dans ${Math.round(e.delayMs)} ms (${e.code}${e.status ? ` ${e.status}` : ""})`,
          "request_retry",
          { attempt: e.attempt + 1, delay_ms: Math.round(e.delayMs), error: e.code },
        );
        notice(
          { code: e.code, message: RETRY_WORDS[e.code] ?? `The Template failed (${e.code})` },
          e.delayMs,
        );
      },
    });
    const step = await syncEntity(ctx, { msg, site, client, log, opts });
    await notices;
    if (step.kind === "continue") {
      const next: Continuation = { seq: expectedSeq + 1, offset: step.offset, counters: step.counters };
      await saveSeen(ctx, msg, next.seq, step.newlySeen);
      // The lease keeps the continuation before it is sent: if this invocation dies before sending it, a
      // redelivery of this message finds the scan handed on and sends it (a crash here used to leave the
      // entity running forever). Another delivery of this message that got here first: stop quietly.
      if (!(await advanceLease(ctx, msg, expectedSeq, next))) return { kind: "ignored", reason: "stale" };
      await RunStore.progress(ctx, msg.run_id, msg.entity, resultOf(step.counters, "running"));
      await log.flush();
      await enqueue(ctx, [{ body: { ...msg, continuation: next } }]);
      await markSent(ctx, msg, next.seq);
      return { kind: "continued", seq: next.seq, offset: step.offset };
    }
    if (step.stopped) return await finishStopped(ctx, msg, log, step);
    await log.flush();
    // The site's counts first: once the result is recorded, a redelivery no longer knows them. A failed
    // entity is no successful scan: the site's "last synced" stays at the last one.
    if (step.result.status === "succeeded")
      await SiteStore.recordEntitySync(ctx, site.id, msg.entity, step.liveCount);
    const done = await RunStore.completeEntity(ctx, msg.run_id, msg.entity, step.result);
    await cleanupSeen(ctx, msg);
    await releaseLease(ctx, msg);
    return { kind: "completed", result: step.result, run: done.run };
  } catch (error) {
    await notices;
    const failure = describeFailure(error);
    if (isTemplateError(error) && error instanceof TemplateNotFoundError && isOptional(msg.entity)) {
      log.add("INFO", `Point d'accès absent sur ce Template (${msg.entity}) : ignoré`, "endpoint_missing");
      return finish(ctx, msg, log, { ...emptyResult("skipped") });
    }
    if (!isTemplateError(error) && !(error instanceof VisibleError)) {
      reportInternal(opts, msg, failure.code, error);
    }
    const lastDelivery = attempt >= maxAttempts;
    if (failure.retryable && !lastDelivery) {
      const delaySeconds = retryDelaySeconds(attempt, {
        delays: opts.retryDelaysSeconds,
        retryAfterMs: error instanceof TemplateError ? error.retryAfterMs : undefined,
      });
      const at = new Date(ctx.now().getTime() + delaySeconds * 1000);
      log.add(
        "WARNING",
        `${failure.message} — nouvel essai ${attempt + 1}/${maxAttempts} à ${at.toISOString().slice(11, 19)} UTC (dans ${delaySeconds} s)`,
        "delivery_retry",
        { error: failure.code, delivery: attempt + 1, max: maxAttempts, delay_ms: delaySeconds * 1000 },
      );
      await log.flush();
      await RunStore.markRetrying(ctx, run, msg.entity, {
        error: { code: failure.code, message: failure.message },
        attempt,
        maxAttempts,
        nextAttemptAt: isoNow(at),
      });
      if (opts.receiptHandle) {
        // Should this fail, the message comes back after the queue's visibility timeout instead: later, not lost.
        await delayRedelivery(ctx, opts.receiptHandle, delaySeconds).catch((cause: unknown) =>
          reportInternal(opts, msg, "visibility_change_failed", cause),
        );
      }
      throw error;
    }
    log.add("ERROR", failure.message, "entity_failed", { error: failure.code });
    // The last attempt: back on the queue at once, so that SQS moves it to the dead-letter queue now rather
    // than after the queue's whole visibility timeout.
    if (failure.retryable && opts.receiptHandle) {
      await delayRedelivery(ctx, opts.receiptHandle, 0).catch((cause: unknown) =>
        reportInternal(opts, msg, "visibility_change_failed", cause),
      );
    }
    const outcome = await finish(ctx, msg, log, {
      ...emptyResult("failed"),
      error: failure.error,
    });
    // A failure the queue would have retried goes to the dead-letter queue now, with the run saying why.
    if (failure.retryable) throw error;
    return outcome;
  }
}

/** Plain words for a failed request that is being retried (the final error keeps the Template's details). */
const RETRY_WORDS: Partial<Record<string, string>> = {
  connection_refused: "The Template refused the connection (site down or wrong port)",
  timeout: "The Template did not answer in time (a slow or stuck server or database)",
  network_error: "The Template could not be reached (network, DNS or TLS)",
  server_error: "The Template failed with a server error (5xx)",
  rate_limited: "The Template asked to slow down (429)",
  http_error: "The Template answered with an HTTP error",
};

function reportInternal(opts: HandleOptions, msg: SyncMessage, code: string, cause: unknown) {
  opts.onInternalError?.({ run_id: msg.run_id, site_id: msg.site_id, entity: msg.entity, code, cause });
}

/**
 * An entity stopped by a cancel or by its site's deletion: recorded `cancelled` (nothing deleted), its lease
 * released; when the site is being deleted, the deletion is finished now that this sync no longer writes.
 */
async function finishStopped(
  ctx: Ctx,
  msg: SyncMessage,
  log: RunLog,
  step: Extract<Step, { kind: "done" }>,
): Promise<HandleOutcome> {
  if (step.stopped !== "site_deleted") return finish(ctx, msg, log, step.result);
  // The site's runs are gone with it: nothing is recorded, the scan's checkpoints and lease go too.
  await cleanupSeen(ctx, msg);
  await releaseLease(ctx, msg);
  await Control.finishDeletion(ctx, msg.site_id);
  return { kind: "completed", result: step.result };
}

let sharedGuardedFetch: typeof fetch | undefined;
/** One guarded connection pool per process, created on first production use. */
const guardedFetch = (): typeof fetch => {
  sharedGuardedFetch ??= createGuardedFetch();
  return sharedGuardedFetch;
};

/**
 * A delivery for an entity that already finished. Its first delivery may have died after recording the
 * result and before the rest: finalise the run, drop the scan checkpoints and release this run's lease
 * (each step is idempotent; without this the run stayed "running" and the lease blocked the next sync).
 */
async function settleFinished(ctx: Ctx, msg: SyncMessage, run: RunStore.Run): Promise<void> {
  if (run.status === "queued" || run.status === "running") await RunStore.finaliseIfDone(ctx, msg.run_id);
  await cleanupSeen(ctx, msg);
  await releaseLease(ctx, msg);
}

async function finish(ctx: Ctx, msg: SyncMessage, log: RunLog, result: EntityResult): Promise<HandleOutcome> {
  await log.flush();
  const done = await RunStore.completeEntity(ctx, msg.run_id, msg.entity, result);
  await cleanupSeen(ctx, msg);
  await releaseLease(ctx, msg);
  return { kind: "completed", result, run: done.run };
}

/** What a failure looks like in a run: a stable code and a message a person can act on, nothing internal. */
export function describeFailure(error: unknown): {
  code: string;
  message: string;
  retryable: boolean;
  /** The entity result's error: code, message and, for a Template's answer, its HTTP status and URL. */
  error: RunStore.EntityError;
} {
  const described = (code: string, message: string, retryable: boolean, extra = {}) => ({
    code,
    message,
    retryable,
    error: { code, message, ...extra },
  });
  if (error instanceof TemplateError)
    return described(error.code, error.message, error.retryable, {
      ...(error.status === undefined ? {} : { status: error.status }),
      ...(error.url ? { url: withoutQuery(error.url) } : {}),
    });
  if (error instanceof VisibleError) return described(error.code, error.message, false);
  const name = (error as Error | undefined)?.name ?? "";
  if (
    /Throttl|ProvisionedThroughput|RequestLimitExceeded|ServiceUnavailable|InternalServerError/.test(name)
  ) {
    return described(
      "storage_throttled",
      "The Dashboard's database was busy; the sync will be retried",
      true,
    );
  }
  return described("internal_error", "The sync failed inside the Dashboard; see the service logs", true);
}

/** A URL as shown in a run's technical details: no query string (paging offsets, never a key, but noise). */
const withoutQuery = (url: string): string => {
  try {
    const u = new URL(url);
    return `${u.origin}${u.pathname}`;
  } catch {
    return url.split("?")[0] ?? "";
  }
};

// ---- the per-entity algorithm ---------------------------------------------------------------------------

type Step =
  | { kind: "done"; result: EntityResult; liveCount?: number; stopped?: StopReason }
  | { kind: "continue"; offset: number; counters: Counters; newlySeen: (number | string)[] };

interface EntityJob {
  msg: SyncMessage;
  site: SiteStore.Site;
  client: TemplateClient;
  log: RunLog;
  opts: HandleOptions;
}

const LABEL: Record<Entity, { one: string; many: string; synced: string; english: string }> = {
  paintings: { one: "Peinture", many: "peintures", synced: "synchronisées", english: "paintings" },
  users: { one: "Utilisateur", many: "utilisateurs", synced: "synchronisés", english: "users" },
  orders: { one: "Commande", many: "commandes", synced: "synchronisées", english: "orders" },
  settings: { one: "Paramètre", many: "paramètres", synced: "synchronisés", english: "settings" },
  exhibitions: { one: "Exposition", many: "expositions", synced: "synchronisées", english: "exhibitions" },
  stats: { one: "Statistique", many: "statistiques", synced: "enregistrées", english: "stats" },
  custom_requests: {
    one: "Demande",
    many: "demandes personnalisées",
    synced: "synchronisées",
    english: "custom requests",
  },
};

/** At most this many "invalid record" warnings per entity in a run's log; the rest are counted. */
const MAX_INVALID_WARNINGS = 20;

const freshCounters = (now: Date): Counters => ({
  fetched: 0,
  valid: 0,
  flagged: 0,
  invalid: 0,
  written: 0,
  unchanged: 0,
  pages: 0,
  duplicates: 0,
  unidentified: 0,
  inserted: 0,
  write_requests: 0,
  started_ms: now.getTime(),
  repeated_pages: 0,
});

const resultOf = (c: Counters, status: RunStore.EntityStatus, deleted = 0): EntityResult => ({
  status,
  fetched: c.fetched,
  valid: c.valid,
  flagged: c.flagged,
  rejected: c.invalid,
  invalid: c.invalid,
  written: c.written,
  unchanged: c.unchanged,
  deleted,
  pages: c.pages,
});

async function syncEntity(ctx: Ctx, job: EntityJob): Promise<Step> {
  const { entity } = job.msg;
  if (entity === "settings") return syncSettings(ctx, job);
  if (entity === "stats") return syncStats(ctx, job);
  return syncRecords(ctx, job, entity);
}

const recordIdOf = (raw: unknown): number | undefined => {
  if (raw === null || typeof raw !== "object") return undefined;
  const id = (raw as { id?: unknown }).id;
  const n = typeof id === "string" && id.trim() !== "" ? Number(id) : id;
  return typeof n === "number" && Number.isInteger(n) && n >= 0 ? n : undefined;
};

async function syncRecords(ctx: Ctx, job: EntityJob, entity: RecordEntity): Promise<Step> {
  const writes = new WriteQueue(ctx, job.opts.writeConcurrency ?? 4);
  try {
    return await scanRecords(ctx, job, entity, writes);
  } catch (error) {
    // This delivery's writes end before it reports the failure: a redelivery never races them.
    await writes.settle();
    throw error;
  }
}

async function scanRecords(
  ctx: Ctx,
  job: EntityJob,
  entity: RecordEntity,
  writes: WriteQueue,
): Promise<Step> {
  const { msg, site, client, log, opts } = job;
  const label = LABEL[entity];
  const syncTimestamp = isoNow(ctx.now());
  // `inserted` counts this invocation's inserts only: the stored index read below already holds the
  // records earlier invocations of the scan inserted (carrying it over counted them twice in the site's counts).
  const counters = msg.continuation
    ? { ...msg.continuation.counters, inserted: 0 }
    : freshCounters(ctx.now());
  const stored = await Records.index(ctx, site.id, entity);
  const seen = msg.continuation ? await loadSeen(ctx, msg, msg.continuation.seq) : new Set<number | string>();
  const newlySeen: (number | string)[] = [];
  let invalidWarnings = 0;
  let lastProgress = Date.now();
  if (!msg.continuation)
    log.add("INFO", `Synchronisation des ${label.many} depuis ${site.template_url}`, "sync_start", {
      url: site.template_url,
    });

  const processBatch = async (records: unknown[]) => {
    const items: Item[] = [];
    const quarantined: RunStore.InvalidRecord[] = [];
    for (const raw of records) {
      counters.fetched++;
      const id = recordIdOf(raw);
      if (id !== undefined) {
        if (seen.has(id)) {
          counters.duplicates++;
          continue;
        }
        seen.add(id);
        newlySeen.push(id);
      } else {
        counters.unidentified++;
      }
      const checked = validateRecord(entity, raw);
      if (!checked.ok) {
        counters.invalid++;
        quarantined.push({ entity, record_id: id ?? null, reasons: checked.reasons, raw });
        if (invalidWarnings++ < MAX_INVALID_WARNINGS) {
          log.add(
            "WARNING",
            `Enregistrement rejeté (${label.one.toLocaleLowerCase("fr")} ${id ?? "sans id"}) — ${checked.reasons.join("; ")}`,
            "record_invalid",
            { id: id ?? "", reasons: checked.reasons.join(";") },
          );
        }
        continue;
      }
      counters.valid++;
      const { record, quality } = checked;
      if (quality.length > 0) {
        // The seed's warning, kept for a record it would have dropped: stored here, flagged.
        counters.flagged++;
        if (invalidWarnings++ < MAX_INVALID_WARNINGS) {
          log.add(
            "WARNING",
            `${label.one} invalide: ${record.id} — ${quality.join("; ")} (données incomplètes, enregistrement conservé)`,
            "record_flagged",
            { id: record.id, reasons: quality.join(";") },
          );
        }
      }
      const hash = Records.recordHash(record, site.template_url);
      const before = stored.get(record.id);
      if (before && !before.deleted && before.hash === hash) {
        // Written by an earlier delivery of this run (one that died before reporting): still this run's write.
        if (before.changedBy === msg.run_id) counters.written++;
        else counters.unchanged++;
        continue;
      }
      const item = Records.toItem(
        site.id,
        entity,
        record,
        site.template_url,
        syncTimestamp,
        hash,
        msg.run_id,
        quality,
      );
      // What DynamoDB would refuse is rejected alone, before the batch is written: the rest is stored.
      const unstorable = whyUnstorable(item);
      if (unstorable !== undefined) {
        counters.valid--;
        if (quality.length > 0) counters.flagged--;
        counters.invalid++;
        quarantined.push({ entity, record_id: record.id, reasons: [unstorable], raw });
        if (invalidWarnings++ < MAX_INVALID_WARNINGS) {
          log.add(
            "WARNING",
            `${label.one} impossible à stocker: ${record.id} — ${unstorable}`,
            "record_invalid",
            {
              id: record.id,
              reasons: unstorable,
            },
          );
        }
        continue;
      }
      if (!before || before.deleted) counters.inserted++;
      counters.written++;
      items.push(item);
    }
    if (quarantined.length) await RunStore.quarantine(ctx, msg.run_id, quarantined);
    await writes.push(items);
  };

  const paged = entity === "paintings" || entity === "users" || entity === "orders";
  if (paged) {
    const maxPages = opts.maxPagesPerInvocation ?? 400;
    const margin = opts.safetyMarginMs ?? 60_000;
    let pagesThisInvocation = 0;
    const caps = scanLimits(site, opts);
    for await (const page of client.pages(entity, { startOffset: msg.continuation?.offset ?? 0 })) {
      if (page.records.length === 0) break;
      const stop = await stopReason(ctx, msg);
      if (stop) {
        counters.write_requests += await writes.drain();
        return stopped(counters, stop, log);
      }
      counters.pages++;
      pagesThisInvocation++;
      checkBounds(counters, caps, page.records, seen, entity);
      await processBatch(page.records);
      if (Date.now() - lastProgress > 1_000) {
        lastProgress = Date.now();
        await RunStore.progress(ctx, msg.run_id, entity, resultOf(counters, "running"));
      }
      if (pagesThisInvocation >= maxPages || opts.remainingMs() < margin) {
        counters.write_requests += await writes.drain();
        log.add(
          "INFO",
          `${counters.fetched} ${label.many} lues; la suite continue dans un nouveau message (offset ${page.nextOffset})`,
          "scan_continues",
          { fetched: counters.fetched, offset: page.nextOffset },
        );
        return { kind: "continue", offset: page.nextOffset, counters, newlySeen };
      }
    }
  } else {
    const records = entity === "exhibitions" ? await client.exhibitions() : await client.customRequests();
    const stop = await stopReason(ctx, msg);
    if (stop) return stopped(counters, stop, log);
    counters.pages = 1;
    checkBounds(counters, scanLimits(site, opts), records, seen, entity);
    await processBatch(records);
  }
  counters.write_requests += await writes.drain();

  // Deletions: only on the strength of a complete scan that agrees with the Template's own count, and
  // never when the source served nothing readable.
  const garbage = unreadableSource(entity, counters);
  const distinct = seen.size + counters.unidentified;
  const expected = garbage ? undefined : await expectedCount(client, entity);
  let deletedIds: (number | string)[] = [];
  const candidates = [...stored].filter(([id, s]) => !s.deleted && !seen.has(id)).map(([id]) => id);
  let withheld: RunStore.EntityError | undefined;
  if (garbage) {
    if (candidates.length > 0)
      log.add(
        "WARNING",
        `${candidates.length} ${label.many} conservées (source illisible)`,
        "kept_unreadable",
        {
          count: candidates.length,
        },
      );
  } else if (candidates.length > 0) {
    // Cancelled (or the site deleted) after the last page: nothing is deleted.
    const stop = await stopReason(ctx, msg);
    if (stop) return stopped(counters, stop, log);
    // Delete nothing on doubt: a complete scan AND the Template's own count, agreeing.
    if (expected === undefined) {
      withheld = {
        code: "count_unknown",
        message: `The Template gave no ${entity}_count (stats missing or failing): ${candidates.length} record(s) no longer served were kept`,
      };
      log.add(
        "WARNING",
        `Nombre annoncé inconnu (statistiques absentes ou en erreur): ${candidates.length} ${label.many} absentes conservées (suppression non confirmée)`,
        "count_unknown",
        { count: candidates.length },
      );
    } else if (expected !== distinct) {
      withheld = {
        code: "count_mismatch",
        message: `${distinct} distinct record(s) read for ${expected} announced by the Template: ${candidates.length} record(s) no longer served were kept`,
      };
      log.add(
        "WARNING",
        `Lecture incomplète: ${distinct} ${label.many} vues pour ${expected} annoncées; suppressions reportées à la prochaine synchronisation`,
        "incomplete_scan",
        { seen: distinct, expected },
      );
    } else {
      deletedIds = candidates;
      await Records.markDeleted(ctx, site.id, entity, deletedIds, syncTimestamp, msg.run_id);
    }
  }
  // Deleted by an earlier delivery of this run that died before reporting: still this run's deletions.
  const deletedBefore = [...stored].filter(
    ([id, s]) => s.deleted && s.changedBy === msg.run_id && !seen.has(id),
  ).length;
  if (counters.duplicates > 0) {
    log.add("INFO", `${counters.duplicates} doublon(s) ignoré(s) entre les pages`, "duplicates_ignored", {
      count: counters.duplicates,
    });
  }
  if (counters.invalid + counters.flagged > MAX_INVALID_WARNINGS) {
    log.add(
      "WARNING",
      `${counters.invalid + counters.flagged - MAX_INVALID_WARNINGS} autre(s) ${label.many} rejetées ou signalées (voir les enregistrements rejetés et signalés)`,
      "more_invalid",
      { count: counters.invalid + counters.flagged - MAX_INVALID_WARNINGS },
    );
  }
  if (counters.fetched === 0) log.add("WARNING", "Aucune donnée reçue", "no_data");
  if (garbage) {
    log.add("ERROR", garbage.message, "entity_failed", { error: garbage.code });
    return {
      kind: "done",
      result: {
        ...resultOf(counters, "failed", deletedIds.length + deletedBefore),
        duration_ms: ctx.now().getTime() - counters.started_ms,
        error: garbage,
      },
    };
  }
  const liveBefore = [...stored.values()].filter((s) => !s.deleted).length;
  const result: EntityResult = {
    ...resultOf(counters, "succeeded", deletedIds.length + deletedBefore),
    duration_ms: ctx.now().getTime() - counters.started_ms,
    ...(withheld ? { deletions_withheld: withheld } : {}),
  };
  log.add(
    "SUCCESS",
    `${counters.valid}/${distinct} ${label.many} ${label.synced} (${counters.written} écrites, ${counters.unchanged} inchangées, ${deletedIds.length + deletedBefore} supprimées${counters.flagged ? `, ${counters.flagged} signalées` : ""}${counters.invalid ? `, ${counters.invalid} rejetées` : ""})`,
    "entity_synced",
    {
      valid: counters.valid,
      received: distinct,
      written: counters.written,
      unchanged: counters.unchanged,
      deleted: deletedIds.length + deletedBefore,
      invalid: counters.invalid,
    },
  );
  return { kind: "done", result, liveCount: liveBefore + counters.inserted - deletedIds.length };
}

// ---- bounds and stops ------------------------------------------------------------------------------------

/**
 * Default caps of one entity's scan, across all its continuation messages. The real Template holds tens of
 * thousands of records per table; a site may raise them (`scan_limits`).
 */
export const DEFAULT_SCAN_LIMITS = { max_records: 200_000, max_pages: 5_000 } as const;

/** Pages in a row made only of ids already seen that stop a scan (one is tolerated: inserts at the top). */
const MAX_REPEATED_PAGES = 2;

const scanLimits = (site: SiteStore.Site, opts: HandleOptions) => ({
  maxRecords:
    site.scan_limits?.max_records ?? opts.scanLimits?.max_records ?? DEFAULT_SCAN_LIMITS.max_records,
  maxPages: site.scan_limits?.max_pages ?? opts.scanLimits?.max_pages ?? DEFAULT_SCAN_LIMITS.max_pages,
});

/**
 * Stops a scan that would never end, before its page is written: more pages or records than the caps
 * (counted across continuation messages), or pages that only repeat ids already seen (a server ignoring
 * `offset` and alternating pages). Nothing is deleted: the scan did not complete.
 */
function checkBounds(
  counters: Counters,
  caps: { maxRecords: number; maxPages: number },
  records: readonly unknown[],
  seen: ReadonlySet<number | string>,
  entity: RecordEntity,
) {
  const url = TEMPLATE_PATHS[entity];
  if (counters.fetched + records.length > caps.maxRecords) {
    throw new TemplateValidationError({
      code: "too_many_records",
      url,
      message: `The Template served more than ${caps.maxRecords} ${entity} in one scan: stopped, nothing deleted. If the site really holds that many, raise its scan limit (max_records).`,
    });
  }
  if (counters.pages > caps.maxPages) {
    throw new TemplateValidationError({
      code: "pagination_loop",
      url,
      message: `The Template still served ${entity} after ${caps.maxPages} pages: paging seems endless (offset ignored?), stopped, nothing deleted. If the site really is that large, raise its scan limit (max_pages).`,
    });
  }
  const ids = records.map(recordIdOf);
  const repeated = ids.length > 0 && ids.every((id) => id !== undefined && seen.has(id));
  counters.repeated_pages = repeated ? counters.repeated_pages + 1 : 0;
  if (counters.repeated_pages >= MAX_REPEATED_PAGES) {
    throw new TemplateValidationError({
      code: "pagination_loop",
      url,
      message: `The Template served ${entity} pages that only repeat records of earlier pages: it seems to ignore the offset parameter, so paging would never end. Stopped, nothing deleted.`,
    });
  }
}

type StopReason = "cancelled" | "site_deleted";

/** Whether this scan must stop now: its run was cancelled, or its site is being deleted. */
async function stopReason(ctx: Ctx, msg: SyncMessage): Promise<StopReason | undefined> {
  const [cancelled, site] = await Promise.all([
    RunStore.cancelRequested(ctx, msg.run_id),
    SiteStore.writeState(ctx, msg.site_id),
  ]);
  if (site !== "live") return "site_deleted";
  return cancelled ? "cancelled" : undefined;
}

const STOPPED: Record<StopReason, { log: string; message: string }> = {
  cancelled: {
    log: "Synchronisation annulée: arrêt à cette page, rien n'a été supprimé",
    message: "Cancelled before the end; nothing was deleted",
  },
  site_deleted: {
    log: "Site supprimé: synchronisation arrêtée, plus rien n'est écrit pour ce site",
    message: "The site was deleted during the sync; nothing more is written for it",
  },
};

const stopped = (counters: Counters, reason: StopReason, log: RunLog): Extract<Step, { kind: "done" }> => {
  log.add("WARNING", STOPPED[reason].log, `stopped_${reason}`);
  return {
    kind: "done",
    result: { ...resultOf(counters, "cancelled"), error: { code: reason, message: STOPPED[reason].message } },
    stopped: reason,
  };
};

/**
 * A source that serves only garbage has failed (the current Template's custom-requests export returns
 * column names instead of values): every record of a non-empty scan rejected.
 */
function unreadableSource(entity: RecordEntity, c: Counters): RunStore.EntityError | undefined {
  if (c.fetched === 0 || c.valid > 0 || c.invalid === 0) return undefined;
  return {
    code: "unreadable_records",
    message: `The Template's export of ${LABEL[entity].english} returns unreadable records: every record rejected (${c.invalid})`,
  };
}

/** The Template's own count of an entity (from /api/export/stats), when it gives one. */
async function expectedCount(client: TemplateClient, entity: RecordEntity): Promise<number | undefined> {
  try {
    const { stats } = await client.stats();
    const value = stats[`${entity}_count`];
    return typeof value === "number" && Number.isInteger(value) ? value : undefined;
  } catch (e) {
    if (isTemplateError(e)) return undefined;
    throw e;
  }
}

async function syncSettings(ctx: Ctx, job: EntityJob): Promise<Step> {
  const { msg, site, client, log } = job;
  const started = ctx.now().getTime();
  const syncTimestamp = isoNow(ctx.now());
  const pairs = await client.settings();
  if (pairs.length === 0) {
    log.add("ERROR", "Aucune donnée reçue", "no_data");
    return {
      kind: "done",
      result: {
        ...emptyResult("failed"),
        pages: 1,
        error: { code: "no_data", message: "The Template returned no settings" },
      },
    };
  }
  const stored = await Records.index(ctx, site.id, "settings");
  const plan = Settings.plan(site.id, pairs, stored, syncTimestamp);
  await batchWrite(ctx, plan.items.map(putRequest));
  const gone = [...stored]
    .filter(([key, s]) => !s.deleted && !plan.seen.has(String(key)))
    .map(([key]) => key);
  await Records.markDeleted(ctx, site.id, "settings", gone, syncTimestamp);
  if (plan.masked)
    log.add("INFO", `${plan.masked} paramètre(s) non publics masqué(s), jamais stockés`, "settings_masked", {
      count: plan.masked,
    });
  await checkTemplateSecurity(ctx, job, pairs, syncTimestamp);
  log.add("SUCCESS", `${plan.seen.size} paramètres synchronisés`, "settings_synced", {
    count: plan.seen.size,
  });
  const liveBefore = [...stored.values()].filter((s) => !s.deleted).length;
  const inserted = plan.items.filter((i) => {
    const s = stored.get(String(i.record_id));
    return !s || s.deleted;
  }).length;
  return {
    kind: "done",
    result: {
      status: "succeeded",
      fetched: pairs.length,
      valid: plan.seen.size,
      flagged: 0,
      rejected: 0,
      invalid: 0,
      written: plan.items.length,
      unchanged: plan.unchanged + plan.kept,
      deleted: gone.length,
      pages: 1,
      duration_ms: ctx.now().getTime() - started,
    },
    liveCount: liveBefore + inserted - gone.length,
  };
}

/**
 * The Template security check (health.ts): does its settings export answer without a key, and does it
 * serve secrets in clear? Kept on the site as health warnings; only key names are kept, never values.
 */
async function checkTemplateSecurity(ctx: Ctx, job: EntityJob, pairs: TemplateSetting[], at: string) {
  const exposure = await job.client.settingsExposure();
  const warnings = Health.settingsWarnings(exposure, pairs, at);
  for (const w of warnings) job.log.add("WARNING", SECURITY_LOG[w.code], `security_${w.code}`);
  await Health.record(ctx, job.site.id, { warnings, checked_at: at });
}

const SECURITY_LOG: Record<Health.HealthWarningCode, string> = {
  settings_exposed_without_key:
    "Sécurité : ce site expose ses paramètres sans clé (sa clé d'export est lisible par tous)",
  settings_secrets_in_clear: "Sécurité : l'export des paramètres contient des secrets en clair (masqués ici)",
};

async function syncStats(ctx: Ctx, job: EntityJob): Promise<Step> {
  const { site, client, log } = job;
  const started = ctx.now().getTime();
  const { stats } = await client.stats();
  const timestamp = isoNow(ctx.now());
  await batchWrite(ctx, [putRequest(statsItem(ctx, site.id, { timestamp, data: stats }))]);
  log.add("SUCCESS", `Statistiques enregistrées (${Object.keys(stats).length} valeurs)`, "stats_saved", {
    count: Object.keys(stats).length,
  });
  return {
    kind: "done",
    result: {
      ...emptyResult("succeeded"),
      fetched: 1,
      valid: 1,
      written: 1,
      pages: 1,
      duration_ms: ctx.now().getTime() - started,
      data: stats,
    },
  };
}

// ---- helpers ----------------------------------------------------------------------------------------------

/**
 * Writes a scan's items in requests of 25 while the next page is fetched and validated. At most
 * `concurrency` requests are in flight and fewer than 25 items wait for the next page: what the writes hold
 * stays bounded (`concurrency` × 25 items) whatever the size of the entity or of a page.
 */
export class WriteQueue {
  #waiting: Item[] = [];
  readonly #inflight = new Set<Promise<void>>();
  #sent = 0;
  #failure: { error: unknown } | undefined;
  constructor(
    private readonly ctx: Ctx,
    private readonly concurrency: number,
  ) {
    if (!Number.isInteger(concurrency) || concurrency < 1)
      throw new RangeError("WriteQueue: concurrency must be a positive integer");
  }

  /** Requests in flight now (at most `concurrency`). */
  get inFlight(): number {
    return this.#inflight.size;
  }

  /** Items accepted and not yet in a request (fewer than 25 between calls). */
  get waiting(): number {
    return this.#waiting.length;
  }

  /** Queues items; resolves once every full request of 25 they make is in flight. */
  async push(items: Item[]): Promise<void> {
    for (const item of items) this.#waiting.push(item);
    while (this.#waiting.length >= BATCH_WRITE_SIZE) await this.#send(BATCH_WRITE_SIZE);
    if (this.#failure) throw this.#failure.error;
  }

  /** After a failure: waits for every write still in flight, so none outlives this delivery. */
  async settle(): Promise<void> {
    await Promise.allSettled(this.#inflight);
  }

  /** Sends what waits, waits for every request, and returns how many were sent since the last drain. */
  async drain(): Promise<number> {
    while (this.#waiting.length > 0) await this.#send(BATCH_WRITE_SIZE);
    await this.settle();
    if (this.#failure) throw this.#failure.error;
    const sent = this.#sent;
    this.#sent = 0;
    return sent;
  }

  /** Starts one request of up to `size` waiting items, once a slot is free. A failure stops new requests. */
  async #send(size: number): Promise<void> {
    while (this.#inflight.size >= this.concurrency) await Promise.race(this.#inflight);
    if (this.#failure) throw this.#failure.error;
    const chunk = this.#waiting.splice(0, size);
    const request = writeBatch(this.ctx, chunk.map(putRequest)).then(
      (sent) => {
        this.#sent += sent;
      },
      // Noted here and thrown to the next caller: never an unhandled rejection, which would bring the
      // whole consumer process down.
      (error: unknown) => {
        this.#failure ??= { error };
      },
    );
    const tracked = request.finally(() => this.#inflight.delete(tracked));
    this.#inflight.add(tracked);
  }
}

/** Collects a run's log lines for one entity and writes them together. */
class RunLog {
  #entries: LogEntry[] = [];
  constructor(
    private readonly ctx: Ctx,
    private readonly msg: SyncMessage,
    private readonly opts: Pick<HandleOptions, "onLog">,
  ) {}

  /**
   * A line in the seed's format (`message`, French, kept for the API contract) with the stable `code` and
   * `params` the UI puts in the reader's language.
   */
  add(level: LogLevel, message: string, code?: string, params?: LogParams) {
    const entry: LogEntry = {
      entity: this.msg.entity,
      level,
      message,
      timestamp: isoNow(this.ctx.now()),
      ...(code ? { code } : {}),
      ...(params ? { params } : {}),
    };
    this.#entries.push(entry);
    this.opts.onLog?.({ ...entry, run_id: this.msg.run_id, site_id: this.msg.site_id });
  }

  async flush() {
    const entries = this.#entries;
    this.#entries = [];
    await RunStore.appendLog(this.ctx, this.msg.run_id, entries);
  }
}

async function saveSeen(ctx: Ctx, msg: SyncMessage, seq: number, ids: (number | string)[]) {
  // One item per checkpoint; chunks stay far below DynamoDB's 400 KB item limit.
  const CHUNK = 20_000;
  const items: Item[] = [];
  for (let i = 0; i < Math.max(ids.length, 1); i += CHUNK) {
    items.push({
      ...Keys.seen(msg.run_id, msg.entity, seq * 1000 + i / CHUNK),
      type: "seen",
      expires_at: epochSeconds(ctx.now()) + 7 * 86_400,
      ids: ids.slice(i, i + CHUNK).join(","),
    });
  }
  await batchWrite(ctx, items.map(putRequest));
}

async function loadSeen(ctx: Ctx, msg: SyncMessage, uptoSeq: number): Promise<Set<number | string>> {
  const seen = new Set<number | string>();
  for await (const items of queryAll(ctx, {
    KeyConditionExpression: "pk = :pk AND begins_with(sk, :p)",
    ExpressionAttributeValues: { ":pk": Keys.runPartition(msg.run_id), ":p": Keys.seenPrefix(msg.entity) },
  })) {
    for (const item of items) {
      const seq = Math.floor(Number(String(item.sk).slice(Keys.seenPrefix(msg.entity).length)) / 1000);
      if (seq > uptoSeq) continue;
      for (const id of String(item.ids ?? "").split(",")) if (id !== "") seen.add(Number(id));
    }
  }
  return seen;
}

const cleanupSeen = (ctx: Ctx, msg: SyncMessage) =>
  deletePartition(ctx, Keys.runPartition(msg.run_id), Keys.seenPrefix(msg.entity));
