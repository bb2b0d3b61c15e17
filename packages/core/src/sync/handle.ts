/**
 * The orchestrator of one queue message (DESIGN.md decisions 6 and 7): loads the run and the site once,
 * takes the lease, runs the entity's sync (scan.ts, snapshot.ts) and owns the updates that span entities
 * (the run's result and the site's `last_run` and counts, run-state.ts). Redelivered and stale messages
 * change nothing (the run's entity result and the lease's sequence number say what was done already).
 */
import type { Ctx } from "../context";
import * as Control from "../control";
import { isOptional } from "../entity";
import { VisibleError } from "../error";
import * as Pending from "../pending";
import { delayRedelivery, retryDelaySeconds } from "../retry";
import * as RunStore from "../run";
import { type EntityResult, emptyResult } from "../run";
import * as SiteStore from "../site";
import { assertFetchAllowed, createGuardedFetch } from "../ssrf";
import { TemplateClient } from "../template/client";
import { isTemplateError, TemplateError, TemplateNotFoundError } from "../template/errors";
import { isoNow } from "../util/time";
import { StopCheck, stopped } from "./bounds";
import { describeFailure } from "./failure";
import {
  type EntityJob,
  freshCounters,
  type HandleOptions,
  type HandleOutcome,
  resultOf,
  type Step,
} from "./job";
import { acquireLease, advanceLease, markSent, releaseLease, resendContinuation } from "./lease";
import { LiveResult } from "./live";
import { type Continuation, enqueue, type SyncMessage } from "./message";
import { RunLog } from "./run-log";
import { completeEntity, finaliseIfDone, markRetrying, startEntity } from "./run-state";
import { syncRecords } from "./scan";
import { cleanupSeen, saveSeen } from "./seen";
import { syncSettings, syncStats } from "./snapshot";

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
      const done = await completeEntity(ctx, msg.run_id, msg.entity, result);
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
  if (!(await startEntity(ctx, run, msg.entity))) {
    await settleFinished(ctx, msg, run);
    return { kind: "ignored", reason: "duplicate" };
  }

  const log = new RunLog(ctx, msg, opts);
  const stop = new StopCheck(ctx, msg);
  const live = new LiveResult(ctx, msg);
  const attempt = opts.receiveCount ?? 1;
  const maxAttempts = opts.maxReceiveCount ?? 1;
  // Retry notices of this delivery, written in order; awaited before the entity's next state is written.
  let notices: Promise<void> = Promise.resolve();
  const notice = (error: RunStore.EntityError, delayMs: number) => {
    notices = notices.then(() =>
      markRetrying(ctx, run, msg.entity, {
        error,
        attempt,
        maxAttempts,
        nextAttemptAt: isoNow(new Date(ctx.now().getTime() + delayMs)),
      }).catch((cause: unknown) => reportInternal(opts, msg, "retry_notice_failed", cause)),
    );
  };
  try {
    const reason = await stop.check();
    if (reason) {
      await live.settle();
      return await finishStopped(ctx, msg, log, stopped(freshCounters(ctx.now()), reason, log));
    }
    // The site and its key from one read: the message's only read of the whole site item.
    const { site, apiKey } = await SiteStore.getWithApiKey(ctx, msg.site_id);
    const client = new TemplateClient({
      // One quick retry within a delivery (a flapping proxy); longer outages wait on the queue.
      retries: 1,
      ...opts.client,
      baseUrl: site.template_url,
      apiKey,
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
    const step = await syncEntity(ctx, { msg, site, client, log, opts, stop, live });
    // The live writes and retry notices of this delivery land before the entity's next state.
    await live.settle();
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
    // The live count goes with the result, for the site's counts when the run is finalised (a failed entity
    // is no successful scan: the site's "last synced" stays at the last one).
    const done = await completeEntity(ctx, msg.run_id, msg.entity, step.result, step.liveCount);
    await cleanupSeen(ctx, msg);
    await releaseLease(ctx, msg);
    return { kind: "completed", result: step.result, run: done.run };
  } catch (error) {
    await live.settle().catch((cause: unknown) => reportInternal(opts, msg, "progress_failed", cause));
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
      await markRetrying(ctx, run, msg.entity, {
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
  if (run.status === "queued" || run.status === "running") await finaliseIfDone(ctx, msg.run_id);
  await cleanupSeen(ctx, msg);
  await releaseLease(ctx, msg);
}

async function finish(ctx: Ctx, msg: SyncMessage, log: RunLog, result: EntityResult): Promise<HandleOutcome> {
  await log.flush();
  const done = await completeEntity(ctx, msg.run_id, msg.entity, result);
  await cleanupSeen(ctx, msg);
  await releaseLease(ctx, msg);
  return { kind: "completed", result, run: done.run };
}

async function syncEntity(ctx: Ctx, job: EntityJob): Promise<Step> {
  const { entity } = job.msg;
  if (entity === "settings") return syncSettings(ctx, job);
  if (entity === "stats") return syncStats(ctx, job);
  return syncRecords(ctx, job, entity);
}
