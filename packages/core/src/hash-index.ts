/**
 * The compact hash index of a (site, entity)'s records: what a sync compares the Template's records with,
 * read in a few small items instead of every record (a Query is billed on the whole items it returns, so
 * reading the records' hashes cost as much as reading the records).
 *
 * Per (site, entity), a head (how many chunks, `dirty` while records change) and `buckets` chunks; a record
 * id belongs to chunk `bucketOf(id, buckets)`. A chunk holds, for each live record of its bucket, its id and
 * the first 60 bits of its content hash, plus the last run that wrote the chunk with the ids that run wrote
 * and deleted (scan.ts counts a record written by an earlier delivery of the same run as that run's work).
 * Deleted records leave the index: a record absent from it is written whole when it is served again,
 * exactly as a deleted one is, and a deleted one is never a deletion candidate.
 *
 * The index is a cache of what the records say, never the source of truth:
 * - before the first record write of a message the head is marked `dirty`; the records are written (the
 *   write queue drained), then the chunks they touched, then the head clean. A crash in between leaves it
 *   dirty, and the next reader falls back to the records.
 * - a missing, dirty, unreadable or incomplete index is not used: the records are read (the former path)
 *   and the index is rebuilt from them when the message ends.
 * - chunks are sized from the entity (about `TARGET_CHUNK_BYTES` each: a changed record rewrites one small
 *   chunk, one write unit) and re-bucketed when the entity grows or shrinks far past that. Chunk keys carry
 *   the bucket count, so a re-bucketed index is written beside the old one, and the old one deleted after.
 */
import type { Ctx } from "./context";
import type { RecordEntity } from "./entity";
import * as Records from "./record";
import {
  batchWrite,
  deletePartition,
  deleteRequest,
  type Item,
  keyRange,
  putRequest,
  queryAll,
} from "./store/db";
import { HashIndexChunk, HashIndexHead } from "./store/entities";
import { hashIndexItemOf, Keys } from "./store/keys";

/** Characters of the record hash (base64url, 6 bits each) the index keeps: 60 bits. */
export const SHORT_HASH_LENGTH = 10;
/** The index's format, in its head: an index of another format is rebuilt. */
export const FORMAT = 1;
/** What the entries of one chunk weigh when its index is (re)built: well under 1 KB with the item's keys. */
export const TARGET_CHUNK_BYTES = 500;

export const shortHash = (hash: string): string => hash.slice(0, SHORT_HASH_LENGTH);

/** The chunk of a record id among `buckets`: a 32-bit hash of its decimal text, the same for every reader. */
export function bucketOf(id: number, buckets: number): number {
  const text = String(id);
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  // Final mix (MurmurHash3's): sequential ids spread evenly whatever the modulus.
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return (h >>> 0) % buckets;
}

/** Bytes one entry takes in a chunk (`<id>:<hash>,`). */
export const entryBytes = (id: number, hash: string): number => String(id).length + hash.length + 2;

/** Chunks for entries weighing `bytes`: about `TARGET_CHUNK_BYTES` each. */
export const bucketsFor = (bytes: number): number => Math.max(1, Math.ceil(bytes / TARGET_CHUNK_BYTES));

/**
 * An index of `buckets` chunks holding `bytes` of entries is re-bucketed when its chunks average over 1.5
 * times the target (its fullest ones would pass 1 KB: two write units each), or under a quarter of it.
 */
export const needsRebucket = (buckets: number, bytes: number): boolean => {
  const average = bytes / buckets;
  return average > 1.5 * TARGET_CHUNK_BYTES || (buckets > 1 && average < TARGET_CHUNK_BYTES / 4);
};

/** One chunk, decoded. */
export interface Chunk {
  /** Live records of the bucket: id → short hash. */
  hashes: Map<number, string>;
  /** The last run that wrote the chunk, the ids it wrote and the ids it deleted. */
  run?: string;
  changed: number[];
  gone: number[];
}

/** A stored index that cannot be used as it is (the records are read instead). */
export class UnusableIndex extends Error {
  override readonly name = "UnusableIndex";
}

const byId = (a: number, b: number) => a - b;

/** A chunk's attributes (an empty list is left out: the schema's default reads it back). */
export function encodeChunk(chunk: Chunk): Record<string, string> {
  const ids = [...chunk.hashes.keys()].sort(byId);
  const out: Record<string, string> = {};
  if (ids.length > 0) out.hashes = ids.map((id) => `${id}:${chunk.hashes.get(id)}`).join(",");
  if (chunk.run !== undefined) out.run = chunk.run;
  if (chunk.changed.length > 0) out.changed = [...chunk.changed].sort(byId).join(",");
  if (chunk.gone.length > 0) out.gone = [...chunk.gone].sort(byId).join(",");
  return out;
}

const ENTRY = new RegExp(`^(\\d{1,15}):([A-Za-z0-9_-]{${SHORT_HASH_LENGTH}})$`);
const ID = /^\d{1,15}$/;

const idList = (text: string): number[] =>
  text === ""
    ? []
    : text.split(",").map((id) => {
        if (!ID.test(id)) throw new UnusableIndex(`bad id "${id}"`);
        return Number(id);
      });

/** A stored chunk decoded; throws `UnusableIndex` when it is malformed or holds an id of another bucket. */
export function decodeChunk(item: Item, buckets: number, bucket: number): Chunk {
  const parsed = HashIndexChunk.schema.safeParse(item);
  if (!parsed.success) throw new UnusableIndex("chunk does not parse");
  const { hashes: text, run, changed, gone } = parsed.data;
  const hashes = new Map<number, string>();
  if (text !== "") {
    for (const entry of text.split(",")) {
      const m = ENTRY.exec(entry);
      if (!m) throw new UnusableIndex(`bad entry "${entry}"`);
      const id = Number(m[1]);
      if (bucketOf(id, buckets) !== bucket) throw new UnusableIndex(`id ${id} is not of bucket ${bucket}`);
      hashes.set(id, m[2] as string);
    }
  }
  return { hashes, ...(run !== undefined ? { run } : {}), changed: idList(changed), gone: idList(gone) };
}

/** How the stored state was read: from the index, or from the records (and why). */
export type IndexSource = "index" | "missing" | "dirty" | "unusable";

interface Head {
  /** The head as stored, parsed (undefined when it does not parse). */
  buckets?: number;
  dirty: boolean;
}

/** The state at the start of a message, and the changes the message made. */
export class HashIndex {
  readonly #written = new Map<number, string>();
  readonly #deleted = new Set<number>();
  #marked = false;

  private constructor(
    private readonly ctx: Ctx,
    private readonly siteId: string,
    private readonly entity: RecordEntity,
    private readonly runId: string,
    /** What the sync compares against: live records (short hashes) and the records this run deleted. */
    readonly stored: ReadonlyMap<number, Records.StoredState>,
    /** Where `stored` came from. */
    readonly source: IndexSource,
    private readonly head: Head | undefined,
    /** Every chunk read: those the index no longer uses are deleted once it is written. */
    private readonly chunksRead: { buckets: number; bucket: number }[],
  ) {}

  /**
   * The stored state of a (site, entity) for run `runId`: from its index, or from its records when the
   * index cannot be used. Strongly consistent: a stale head could show an index clean that a crashed
   * write left dirty, and a stale chunk could lack a record the previous message inserted (a deletion then
   * missed); no stale read here is harmless.
   */
  static async open(ctx: Ctx, siteId: string, entity: RecordEntity, runId: string): Promise<HashIndex> {
    const items: Item[] = [];
    for await (const page of queryAll(ctx, {
      ...keyRange({ pk: Keys.hashIndexPartition(siteId, entity) }),
      ConsistentRead: true,
    })) {
      items.push(...page);
    }
    let head: Head | undefined;
    const chunks: { item: Item; buckets: number; bucket: number }[] = [];
    for (const item of items) {
      const what = hashIndexItemOf(String(item.sk));
      if (!what) continue;
      if (what.head) {
        // A head that does not parse, or of another format, is there but unusable (no `buckets`).
        const parsed = HashIndexHead.schema.safeParse(item);
        head = {
          ...(parsed.success && parsed.data.format === FORMAT ? { buckets: parsed.data.buckets } : {}),
          dirty: parsed.success && parsed.data.dirty !== undefined,
        };
      } else chunks.push({ item, buckets: what.buckets, bucket: what.bucket });
    }
    const chunksRead = chunks.map((c) => ({ buckets: c.buckets, bucket: c.bucket }));
    const open = (stored: Map<number, Records.StoredState>, source: IndexSource) =>
      new HashIndex(ctx, siteId, entity, runId, stored, source, head, chunksRead);
    // Strongly consistent too: the index rebuilt from it must not miss a record written a moment ago.
    const fallback = async (source: IndexSource) => {
      const stored = new Map<number, Records.StoredState>();
      for (const [id, s] of await Records.index(ctx, siteId, entity, { consistent: true })) {
        if (typeof id !== "number") continue;
        stored.set(id, { ...s, hash: shortHash(s.hash) });
      }
      return open(stored, source);
    };
    if (!head) return fallback("missing");
    if (head.dirty) return fallback("dirty");
    const buckets = head.buckets;
    if (buckets === undefined) return fallback("unusable");
    const mine = chunks.filter((c) => c.buckets === buckets);
    if (new Set(mine.map((c) => c.bucket)).size !== buckets || mine.some((c) => c.bucket >= buckets)) {
      return fallback("unusable");
    }
    const stored = new Map<number, Records.StoredState>();
    try {
      for (const c of mine) {
        const chunk = decodeChunk(c.item, buckets, c.bucket);
        const ours = chunk.run === runId;
        const changed = new Set(ours ? chunk.changed : []);
        for (const [id, hash] of chunk.hashes) {
          stored.set(id, { hash, deleted: false, ...(changed.has(id) ? { changedBy: runId } : {}) });
        }
        if (ours) for (const id of chunk.gone) stored.set(id, { hash: "", deleted: true, changedBy: runId });
      }
    } catch (e) {
      if (e instanceof UnusableIndex) return fallback("unusable");
      throw e;
    }
    return open(stored, "index");
  }

  /** Before a write of records: the head is marked dirty (once), so a crash before `commit` is noticed. */
  async beforeWrite(): Promise<void> {
    if (this.#marked || !this.head || this.head.dirty) return;
    await HashIndexHead.update(this.ctx, "markDirty", [this.siteId, this.entity], { run: this.runId });
    this.#marked = true;
  }

  /** A record this message wrote, with its full content hash. */
  wrote(id: number, hash: string): void {
    this.#deleted.delete(id);
    this.#written.set(id, shortHash(hash));
  }

  /** Records this message marked deleted. */
  deleted(ids: readonly number[]): void {
    for (const id of ids) {
      this.#written.delete(id);
      this.#deleted.add(id);
    }
  }

  /**
   * Once the message's record writes are all done: writes the chunks they touched (every chunk when the
   * index is rebuilt or re-bucketed), then the head clean, then deletes the chunks it no longer uses.
   * Returns the chunks written.
   */
  async commit(): Promise<number> {
    const rebuild = this.source !== "index";
    if (!rebuild && this.#written.size === 0 && this.#deleted.size === 0) return 0;
    // The state after this message: live records and what this run changed.
    const live = new Map<number, string>();
    const changed = new Set<number>();
    const gone = new Set<number>();
    for (const [id, s] of this.stored) {
      if (s.changedBy === this.runId) (s.deleted ? gone : changed).add(id);
      if (!s.deleted) live.set(id, s.hash);
    }
    for (const [id, hash] of this.#written) {
      live.set(id, hash);
      changed.add(id);
      gone.delete(id);
    }
    for (const id of this.#deleted) {
      live.delete(id);
      gone.add(id);
      changed.delete(id);
    }
    let bytes = 0;
    for (const [id, hash] of live) bytes += entryBytes(id, hash);
    const current = this.head?.buckets;
    const buckets = current !== undefined && !needsRebucket(current, bytes) ? current : bucketsFor(bytes);
    const touched = new Set<number>();
    if (rebuild || buckets !== current) for (let b = 0; b < buckets; b++) touched.add(b);
    else for (const id of [...this.#written.keys(), ...this.#deleted]) touched.add(bucketOf(id, buckets));

    const chunks = new Map<number, Chunk>();
    for (const b of touched) chunks.set(b, { hashes: new Map(), run: this.runId, changed: [], gone: [] });
    const chunkOf = (id: number) => chunks.get(bucketOf(id, buckets));
    for (const [id, hash] of live) chunkOf(id)?.hashes.set(id, hash);
    for (const id of changed) chunkOf(id)?.changed.push(id);
    for (const id of gone) chunkOf(id)?.gone.push(id);

    // A rebuild over a clean head (an index found unusable) marks it first, as a record write does.
    await this.beforeWrite();
    const key = [this.siteId, this.entity] as const;
    await batchWrite(
      this.ctx,
      [...chunks].map(([b, chunk]) =>
        putRequest(HashIndexChunk.item([...key, buckets, b], encodeChunk(chunk))),
      ),
    );
    await batchWrite(this.ctx, [putRequest(HashIndexHead.item([...key], { buckets, format: FORMAT }))]);
    const unused = this.chunksRead.filter((c) => c.buckets !== buckets);
    await batchWrite(
      this.ctx,
      unused.map((c) => deleteRequest(HashIndexChunk.key(...key, c.buckets, c.bucket))),
    );
    return chunks.size;
  }
}

/** Removes the index of a (site, entity): its site is being deleted. */
export const remove = (ctx: Ctx, siteId: string, entity: RecordEntity): Promise<number> =>
  deletePartition(ctx, Keys.hashIndexPartition(siteId, entity));
