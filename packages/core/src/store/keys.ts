/**
 * Every DynamoDB key the Dashboard builds, in one module (STYLE.md #8): callers never write "SITE#" + id.
 * docs/data-model.md lists each item type, its keys and the query that reads it.
 */
import type { Entity, RecordEntity } from "../entity";

const pad = (n: number): string => String(n).padStart(12, "0");

/** Record ids are integers at the Template; settings are keyed by their name. */
export const recordSortKey = (id: number | string): string => (typeof id === "number" ? pad(id) : `K#${id}`);

/** The record id back from its sort key. */
export const recordIdFromSortKey = (sk: string): number | string =>
  sk.startsWith("K#") ? sk.slice(2) : Number(sk);

const NO_DATE = "0000-00-00";

const pad4 = (n: number): string => String(n).padStart(4, "0");
const HASH_INDEX_HEAD = "HEAD";

/** What a hash index item's sort key says: its head, or a chunk (which of how many); undefined otherwise. */
export const hashIndexItemOf = (
  sk: string,
): { head: true } | { head: false; buckets: number; bucket: number } | undefined => {
  if (sk === HASH_INDEX_HEAD) return { head: true };
  const m = /^C#(\d{4,})#(\d{4,})$/.exec(sk);
  return m ? { head: false, buckets: Number(m[1]), bucket: Number(m[2]) } : undefined;
};

/**
 * A painting's place in the artist's order as a sort key read in descending order: the Template's own
 * `display_order DESC, id DESC`, where PostgreSQL puts a NULL display_order first.
 */
const artistOrderKey = (displayOrder: number | null, id: number): string =>
  displayOrder === null
    ? `1#${pad(id)}`
    : `0#${String(Math.min(Math.max(displayOrder + 1e15, 0), 2e15 - 1)).padStart(16, "0")}#${pad(id)}`;

export const Keys = {
  /** One site. Listed through gsi1 ("SITES"). */
  site: (siteId: string) => ({ pk: `SITE#${siteId}`, sk: "SITE", gsi1pk: "SITES", gsi1sk: siteId }),
  /** The site item itself (its key without the index attributes). */
  siteItem: (siteId: string) => ({ pk: `SITE#${siteId}`, sk: "SITE" }),
  sitesIndex: () => ({ index: "gsi1" as const, pk: "SITES" }),

  /** All records of one (site, entity): one partition, sorted by id. */
  recordPartition: (siteId: string, entity: Entity) => `SITE#${siteId}#E#${entity}`,
  record: (siteId: string, entity: Entity, id: number | string) => ({
    pk: Keys.recordPartition(siteId, entity),
    sk: recordSortKey(id),
  }),
  /**
   * Index keys of a record: gsi1 lists an entity across every site; gsi2 lists a site's orders by date and
   * a site's paintings in the artist's order. Orders sort by their date (newest first with a descending
   * query), everything else by site then id.
   */
  recordIndexes: (
    siteId: string,
    entity: RecordEntity,
    id: number,
    orderDate?: string | null,
    displayOrder?: number | null,
  ) =>
    entity === "orders"
      ? {
          gsi1pk: `E#orders`,
          gsi1sk: `${orderDate ?? NO_DATE}#${siteId}#${pad(id)}`,
          gsi2pk: `SITE#${siteId}#ORDERS_BY_DATE`,
          gsi2sk: `${orderDate ?? NO_DATE}#${pad(id)}`,
        }
      : entity === "paintings"
        ? {
            gsi1pk: `E#paintings`,
            gsi1sk: `${siteId}#${pad(id)}`,
            gsi2pk: `SITE#${siteId}#PAINTINGS_BY_ORDER`,
            gsi2sk: artistOrderKey(displayOrder ?? null, id),
          }
        : { gsi1pk: `E#${entity}`, gsi1sk: `${siteId}#${pad(id)}` },
  entityIndex: (entity: RecordEntity) => ({ index: "gsi1" as const, pk: `E#${entity}` }),
  ordersByDateIndex: (siteId: string) => ({ index: "gsi2" as const, pk: `SITE#${siteId}#ORDERS_BY_DATE` }),
  paintingsByArtistOrderIndex: (siteId: string) => ({
    index: "gsi2" as const,
    pk: `SITE#${siteId}#PAINTINGS_BY_ORDER`,
  }),

  /**
   * The compact hash index of a (site, entity)'s records (hash-index.ts): a head and its chunks, in a
   * partition of their own, so a list of the records never reads them. Chunk items have no index keys.
   */
  hashIndexPartition: (siteId: string, entity: RecordEntity) => `SITE#${siteId}#HX#${entity}`,
  hashIndexHead: (siteId: string, entity: RecordEntity) => ({
    pk: Keys.hashIndexPartition(siteId, entity),
    sk: HASH_INDEX_HEAD,
  }),
  /** Chunk `bucket` of an index of `buckets` chunks: the count is in the key, so chunks of a former count are told apart. */
  hashIndexChunk: (siteId: string, entity: RecordEntity, buckets: number, bucket: number) => ({
    pk: Keys.hashIndexPartition(siteId, entity),
    sk: `C#${pad4(buckets)}#${pad4(bucket)}`,
  }),

  /** Stats history of a site, one item per sync, sorted by time. */
  statsPartition: (siteId: string) => `SITE#${siteId}#STATS`,
  stats: (siteId: string, timestamp: string) => ({ pk: Keys.statsPartition(siteId), sk: timestamp }),

  /** A run, its log lines, its quarantined records and its scan checkpoints share one partition. */
  runPartition: (runId: string) => `RUN#${runId}`,
  /** The index keys of a run: every run newest first (gsi1), a site's (gsi2). */
  runIndexes: (runId: string, siteId: string) => ({
    gsi1pk: "RUNS",
    gsi1sk: runId,
    gsi2pk: `SITE#${siteId}#RUNS`,
    gsi2sk: runId,
  }),
  /** The run's header item itself (its key without the index attributes). */
  runItem: (runId: string) => ({ pk: Keys.runPartition(runId), sk: "RUN" }),
  /** One entity's result in a run: next to the header, so one query (`runStatePrefix`) reads both. */
  runEntity: (runId: string, entity: Entity) => ({ pk: Keys.runPartition(runId), sk: `RUN#E#${entity}` }),
  /** The header and the entity results of a run, not its log, quarantine or checkpoints. */
  runStatePrefix: "RUN",
  runEntityPrefix: "RUN#E#",
  runsIndex: () => ({ index: "gsi1" as const, pk: "RUNS" }),
  siteRunsIndex: (siteId: string) => ({ index: "gsi2" as const, pk: `SITE#${siteId}#RUNS` }),
  /** The lines of one flush of a run's log (`sortable`: its first line's time, then a ulid). */
  log: (runId: string, sortable: string) => ({ pk: Keys.runPartition(runId), sk: `LOG#${sortable}` }),
  logPrefix: "LOG#",
  /** Numeric record ids are zero-padded, so a run's rejected records list in id order (#9 before #101). */
  invalid: (runId: string, entity: Entity, recordRef: string) => ({
    pk: Keys.runPartition(runId),
    sk: `INVALID#${entity}#${/^\d{1,12}$/.test(recordRef) ? pad(Number(recordRef)) : recordRef}`,
  }),
  invalidPrefix: (entity?: Entity) => (entity ? `INVALID#${entity}#` : "INVALID#"),
  /** Ids a scan has seen so far, saved when a sync continues in a new message. */
  seen: (runId: string, entity: Entity, seq: number) => ({
    pk: Keys.runPartition(runId),
    sk: `SEEN#${entity}#${String(seq).padStart(6, "0")}`,
  }),
  seenPrefix: (entity: Entity) => `SEEN#${entity}#`,

  /** One sync of a (site, entity) at a time. */
  lease: (siteId: string, entity: Entity) => ({ pk: `LEASE#${siteId}#${entity}`, sk: "LEASE" }),
  /**
   * The syncs of a site that are queued and not started yet, one marker per entity (pending.ts): webhooks
   * and schedule ticks coalesce on them.
   */
  pending: (siteId: string) => ({ pk: `PENDING#${siteId}`, sk: "PENDING" }),
  /** A webhook `event_id` already accepted. */
  webhookEvent: (siteId: string, eventId: string) => ({ pk: `WEBHOOK#${siteId}`, sk: `EVENT#${eventId}` }),
  /** When the next webhook-triggered sync of a site may start (webhook.ts, the minimum interval). */
  webhookSlot: (siteId: string) => ({ pk: `WEBHOOK#${siteId}`, sk: "SLOT" }),
  /** Webhook rate limit window counter. */
  webhookRate: (siteId: string, window: number) => ({ pk: `WEBHOOK#${siteId}`, sk: `RATE#${window}` }),
  /**
   * A record's history (activity/): one partition per record, entries sorted by time (`<ISO time>#<seq>`,
   * `seq` the stream record's sequence number, so a redelivered change lands on the same key).
   */
  historyPartition: (siteId: string, entity: Entity, id: number | string) =>
    `HIST#${siteId}#${entity}#${recordSortKey(id)}`,
  history: (siteId: string, entity: Entity, id: number | string, at: string, seq: string) => ({
    pk: Keys.historyPartition(siteId, entity, id),
    sk: `${at}#${seq}`,
  }),
  /**
   * One activity event (activity/), keyed by its deterministic id; gsi1 lists every site's events newest
   * first, gsi2 one site's (`<ISO time>#<event id>`).
   */
  event: (eventId: string, siteId: string, at: string) => ({
    pk: `EVENT#${eventId}`,
    sk: "EVENT",
    gsi1pk: "ACTIVITY",
    gsi1sk: `${at}#${eventId}`,
    gsi2pk: `SITE#${siteId}#ACTIVITY`,
    gsi2sk: `${at}#${eventId}`,
  }),
  eventItem: (eventId: string) => ({ pk: `EVENT#${eventId}`, sk: "EVENT" }),
  activityIndex: () => ({ index: "gsi1" as const, pk: "ACTIVITY" }),
  siteActivityIndex: (siteId: string) => ({ index: "gsi2" as const, pk: `SITE#${siteId}#ACTIVITY` }),
  /** Sort-key bounds of the events (or history entries) between two ISO instants (inclusive). */
  timeRange: (from: string, to: string) => ({ from, to: `${to}#~` }),
  /** Alert subscriptions (alerts/): one partition, few items, listed whole. */
  alertSubscriptionPartition: "ALERTS",
  alertSubscriptionPrefix: "SUB#",
  alertSubscription: (subscriptionId: string) => ({ pk: "ALERTS", sk: `SUB#${subscriptionId}` }),
  /** A subscription's deliveries (`DLV#<ulid>`, newest last), its seen events and its pending digest. */
  alertPartition: (subscriptionId: string) => `ALERTSUB#${subscriptionId}`,
  alertDeliveryPrefix: "DLV#",
  alertDelivery: (subscriptionId: string, deliveryId: string) => ({
    pk: `ALERTSUB#${subscriptionId}`,
    sk: `DLV#${deliveryId}`,
  }),
  /** An event already matched to the subscription: a redelivered stream batch sends it once. */
  alertSeen: (subscriptionId: string, eventId: string) => ({
    pk: `ALERTSUB#${subscriptionId}`,
    sk: `SEEN#${eventId}`,
  }),
  alertDigest: (subscriptionId: string) => ({ pk: `ALERTSUB#${subscriptionId}`, sk: "DIGEST" }),
  /** E-mails the local outbox holds (not sent: `npm start`, tests), newest last. */
  alertOutboxPartition: "ALERT_OUTBOX",
  alertOutbox: (at: string, id: string) => ({ pk: "ALERT_OUTBOX", sk: `${at}#${id}` }),
  /** A named admin token, stored as its SHA-256 (token.ts); its id is a prefix of that hash. */
  adminToken: (hash: string) => ({ pk: "ADMIN_TOKENS", sk: hash }),
  adminTokenPartition: "ADMIN_TOKENS",
  /** One audit entry; the log is one partition sorted by time (`<ISO time>#<ulid>`), read newest first. */
  auditPartition: "AUDIT",
  audit: (at: string, id: string) => ({ pk: "AUDIT", sk: `${at}#${id}` }),
  /** Sort-key bounds of the entries between two ISO instants (inclusive). */
  auditRange: (from: string, to: string) => ({ from, to: `${to}#~` }),
} as const;
