/** What one message's handling is given (options), works with (the job) and answers (its outcome). */
import type { Entity } from "../entity";
import type * as RunStore from "../run";
import type { EntityResult, LogEntry, Run } from "../run";
import type * as SiteStore from "../site";
import type { TemplateClient, TemplateClientOptions } from "../template/client";
import type { StopCheck, StopReason } from "./bounds";
import type { LiveResult } from "./live";
import type { Counters, SyncMessage } from "./message";
import type { RunLog } from "./run-log";

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
  | { kind: "completed"; result: EntityResult; run?: Run }
  | { kind: "continued"; seq: number; offset: number }
  | { kind: "deferred"; owner: string }
  | { kind: "ignored"; reason: "duplicate" | "stale" | "run_not_found" };

export type Step =
  | { kind: "done"; result: EntityResult; liveCount?: number; stopped?: StopReason }
  | { kind: "continue"; offset: number; counters: Counters; newlySeen: (number | string)[] };

export interface EntityJob {
  msg: SyncMessage;
  site: SiteStore.Site;
  client: TemplateClient;
  log: RunLog;
  opts: HandleOptions;
  /** Whether the scan must stop (read at most every few seconds). */
  stop: StopCheck;
  /** The entity's live counters in its run. */
  live: LiveResult;
}

export const LABEL: Record<Entity, { one: string; many: string; synced: string; english: string }> = {
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
export const MAX_INVALID_WARNINGS = 20;

export const freshCounters = (now: Date): Counters => ({
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

export const resultOf = (c: Counters, status: RunStore.EntityStatus, deleted = 0): EntityResult => ({
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

export const recordIdOf = (raw: unknown): number | undefined => {
  if (raw === null || typeof raw !== "object") return undefined;
  const id = (raw as { id?: unknown }).id;
  const n = typeof id === "string" && id.trim() !== "" ? Number(id) : id;
  return typeof n === "number" && Number.isInteger(n) && n >= 0 ? n : undefined;
};
