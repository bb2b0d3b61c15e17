/**
 * The sync engine (DESIGN.md decisions 6 and 7), one module per noun:
 *
 * - message.ts: the queue message, its parsing and `enqueue`
 * - start.ts: starting runs (manual, webhook, schedule)
 * - handle.ts: the orchestrator of one message; run-state.ts: the run's updates that reach its site
 * - lease.ts: one scan of a (site, entity) at a time
 * - scan.ts, bounds.ts, seen.ts, write-queue.ts: the scan of a record entity; snapshot.ts: settings, stats
 * - run-log.ts: the run's log lines; failure.ts: how a failure reads in a run
 */
export { DEFAULT_SCAN_LIMITS } from "./bounds";
export { describeFailure } from "./failure";
export { handle } from "./handle";
export type { HandleOptions, HandleOutcome } from "./job";
export { LEASE_SECONDS, releaseLease } from "./lease";
export { Continuation, enqueue, parseMessage, SyncMessage } from "./message";
export { completeEntity, finaliseIfDone, startEntity } from "./run-state";
export {
  ACTIVE_RUN_MAX_AGE_MS,
  runInProgress,
  type Started,
  StartInput,
  start,
  startScheduled,
} from "./start";
export { WriteQueue } from "./write-queue";
