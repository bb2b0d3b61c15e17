/** The hash index's chunks: how ids are bucketed, how a chunk is encoded, and what a chunk weighs. */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  bucketOf,
  bucketsFor,
  type Chunk,
  decodeChunk,
  encodeChunk,
  entryBytes,
  needsRebucket,
  SHORT_HASH_LENGTH,
  shortHash,
  TARGET_CHUNK_BYTES,
  UnusableIndex,
} from "../src/hash-index";
import { recordHash } from "../src/record";
import { HashIndexChunk } from "../src/store/entities";
import { hashIndexItemOf, Keys } from "../src/store/keys";

const hashOf = (id: number) => shortHash(recordHash({ id, name: `n${id}` }, "https://a.example"));

/** What DynamoDB bills an item as: the UTF-8 bytes of its attribute names and string values, numbers ~ digits/2 + 1. */
const itemBytes = (item: Record<string, unknown>): number =>
  Object.entries(item).reduce(
    (n, [k, v]) =>
      n +
      Buffer.byteLength(k) +
      (typeof v === "number" ? Math.ceil(String(v).length / 2) + 1 : Buffer.byteLength(String(v))),
    0,
  );

/** Chunks of `ids` bucketed into `buckets`. */
const bucketed = (ids: number[], buckets: number): Chunk[] => {
  const chunks = Array.from({ length: buckets }, (): Chunk => ({ hashes: new Map(), changed: [], gone: [] }));
  for (const id of ids) chunks[bucketOf(id, buckets)]?.hashes.set(id, hashOf(id));
  return chunks;
};

describe("hash index: short hashes", () => {
  it("keeps the first 60 bits (10 base64url characters) of a record's hash", () => {
    const full = recordHash({ id: 1, name: "a" }, "https://a.example");
    expect(shortHash(full)).toHaveLength(SHORT_HASH_LENGTH);
    expect(full.startsWith(shortHash(full))).toBe(true);
    expect(shortHash(recordHash({ id: 1, name: "b" }, "https://a.example"))).not.toBe(shortHash(full));
  });
});

describe("hash index: bucketing", () => {
  it("puts an id in the same bucket every time, within range", () => {
    fc.assert(
      fc.property(fc.nat({ max: 2 ** 40 }), fc.integer({ min: 1, max: 5_000 }), (id, buckets) => {
        const b = bucketOf(id, buckets);
        expect(b).toBe(bucketOf(id, buckets));
        expect(b).toBeGreaterThanOrEqual(0);
        expect(b).toBeLessThan(buckets);
      }),
    );
  });

  it("spreads sequential ids, and ids sharing a factor with the bucket count, evenly", () => {
    for (const ids of [
      Array.from({ length: 2_000 }, (_, i) => i + 1),
      Array.from({ length: 2_000 }, (_, i) => (i + 1) * 10),
      Array.from({ length: 2_000 }, (_, i) => 500_000 + i * 7),
    ]) {
      const bytes = ids.reduce((n, id) => n + entryBytes(id, hashOf(id)), 0);
      const buckets = bucketsFor(bytes);
      const sizes = bucketed(ids, buckets).map((c) => c.hashes.size);
      const mean = ids.length / buckets;
      expect(Math.min(...sizes)).toBeGreaterThan(0);
      expect(Math.max(...sizes)).toBeLessThan(2 * mean);
    }
  });

  it("sizes chunks from the entity and re-buckets only far from the target", () => {
    expect(bucketsFor(0)).toBe(1);
    expect(bucketsFor(TARGET_CHUNK_BYTES)).toBe(1);
    expect(bucketsFor(TARGET_CHUNK_BYTES + 1)).toBe(2);
    const bytes = 2_000 * 16;
    const buckets = bucketsFor(bytes);
    expect(needsRebucket(buckets, bytes)).toBe(false);
    // Growth up to 1.5 times the target per chunk keeps the buckets; past it, they are recomputed.
    expect(needsRebucket(buckets, bytes * 1.4)).toBe(false);
    expect(needsRebucket(buckets, bytes * 1.6)).toBe(true);
    // Shrinking far below the target merges; one chunk is never too small.
    expect(needsRebucket(buckets, bytes / 3)).toBe(false);
    expect(needsRebucket(buckets, bytes / 5)).toBe(true);
    expect(needsRebucket(1, 0)).toBe(false);
  });

  it("keeps every chunk of a 2,000-record entity under 1 KB, a run's changes included: a changed record rewrites one write unit", () => {
    const ids = Array.from({ length: 2_000 }, (_, i) => i + 1);
    const bytes = ids.reduce((n, id) => n + entryBytes(id, hashOf(id)), 0);
    const buckets = bucketsFor(bytes);
    let largest = 0;
    for (const [b, chunk] of bucketed(ids, buckets).entries()) {
      const run = "run_01JC0000000000000000000000";
      const withRun: Chunk = {
        ...chunk,
        run,
        changed: [...chunk.hashes.keys()].slice(0, 3),
        gone: [1_000_001],
      };
      const item = HashIndexChunk.item(["atelier-du-port", "users", buckets, b], encodeChunk(withRun));
      largest = Math.max(largest, itemBytes(item));
    }
    expect(largest).toBeLessThan(1_024);
    // And reading the whole index is a few 4 KB read units, not one per record.
    expect(Math.ceil(bytes / 4_096)).toBeLessThanOrEqual(8);
  });
});

describe("hash index: chunk encoding", () => {
  const chunkArb = (buckets: number, bucket: number) =>
    fc
      .record({
        ids: fc.uniqueArray(fc.nat({ max: 10 ** 9 }), { maxLength: 60 }),
        run: fc.option(fc.constant("run_01JC0000000000000000000000"), { nil: undefined }),
        changedCount: fc.nat({ max: 5 }),
        gone: fc.uniqueArray(fc.nat({ max: 10 ** 9 }), { maxLength: 5 }),
      })
      .map(({ ids, run, changedCount, gone }) => {
        const mine = ids.filter((id) => bucketOf(id, buckets) === bucket);
        const chunk: Chunk = {
          hashes: new Map(mine.map((id) => [id, hashOf(id)])),
          ...(run !== undefined ? { run } : {}),
          changed: mine.slice(0, changedCount),
          gone,
        };
        return chunk;
      });

  it("decodes what it encodes", () => {
    fc.assert(
      fc.property(chunkArb(3, 1), (chunk) => {
        const item = HashIndexChunk.item(["s", "paintings", 3, 1], encodeChunk(chunk));
        const back = decodeChunk(item, 3, 1);
        expect(back.hashes).toEqual(chunk.hashes);
        expect(back.run).toBe(chunk.run);
        expect(back.changed).toEqual([...chunk.changed].sort((a, b) => a - b));
        expect(back.gone).toEqual([...chunk.gone].sort((a, b) => a - b));
      }),
    );
  });

  it("stores an empty chunk as keys alone", () => {
    const item = HashIndexChunk.item(
      ["s", "users", 1, 0],
      encodeChunk({ hashes: new Map(), changed: [], gone: [] }),
    );
    expect(Object.keys(item).sort()).toEqual(["pk", "sk", "type"]);
    expect(decodeChunk(item, 1, 0)).toEqual({ hashes: new Map(), changed: [], gone: [] });
  });

  it("refuses a chunk it cannot trust: an id of another bucket, a malformed entry or id", () => {
    const other = Array.from({ length: 50 }, (_, i) => i).find((id) => bucketOf(id, 4) !== 0) ?? 1;
    const at = (hashes: string, extra: Record<string, string> = {}) =>
      HashIndexChunk.item(["s", "users", 4, 0], { hashes, ...extra });
    expect(() => decodeChunk(at(`${other}:${hashOf(other)}`), 4, 0)).toThrow(UnusableIndex);
    expect(() => decodeChunk(at("12:short"), 4, 0)).toThrow(UnusableIndex);
    expect(() => decodeChunk(at("abc"), 4, 0)).toThrow(UnusableIndex);
    expect(() => decodeChunk(at("", { changed: "1,x" }), 4, 0)).toThrow(UnusableIndex);
    expect(() => decodeChunk({ ...at(""), hashes: 7 }, 4, 0)).toThrow(UnusableIndex);
  });

  it("keys: one partition per (site, entity), apart from the records; chunk keys carry the bucket count", () => {
    expect(Keys.hashIndexPartition("a", "users")).not.toBe(Keys.recordPartition("a", "users"));
    expect(Keys.hashIndexPartition("a", "users")).not.toBe(Keys.hashIndexPartition("a", "orders"));
    expect(hashIndexItemOf(Keys.hashIndexHead("a", "users").sk)).toEqual({ head: true });
    expect(hashIndexItemOf(Keys.hashIndexChunk("a", "users", 54, 7).sk)).toEqual({
      head: false,
      buckets: 54,
      bucket: 7,
    });
    expect(hashIndexItemOf("000000000012")).toBeUndefined();
  });
});
