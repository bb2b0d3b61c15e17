/**
 * Property-based fuzzing of everything that parses outside input in core: Template records and envelopes,
 * webhook signatures and list cursors. None may throw anything but a clear, typed refusal.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { createCtx } from "../src/context";
import { generateKeyRingEntry } from "../src/crypto";
import { VisibleError } from "../src/error";
import { decodeCursor, encodeCursor } from "../src/store/db";
import { parseMessage } from "../src/sync";
import {
  listEnvelope,
  RECORD_SCHEMAS,
  reasonsOf,
  SettingsEnvelope,
  StatsEnvelope,
  validateRecord,
} from "../src/template/schema";
import { parseSignature, verify } from "../src/webhook";

const json = fc.jsonValue({ maxDepth: 4 });
const paintingLike = fc.record(
  {
    id: fc.oneof(fc.integer(), fc.string(), fc.constant(null)),
    name: fc.oneof(fc.string(), fc.constant(null)),
    price: fc.oneof(fc.double(), fc.string(), fc.constant(null), fc.constant("0")),
    category: fc.oneof(fc.string(), fc.constant(null)),
    image: fc.oneof(fc.string(), fc.constant(null)),
    year: fc.oneof(fc.string(), fc.integer(), fc.constant(null)),
    quantity: fc.oneof(fc.integer(), fc.string()),
    extra: json,
  },
  { requiredKeys: [] },
);

describe("Template payload parser", () => {
  it("never throws on any JSON, and every rejection has reasons", () => {
    fc.assert(
      fc.property(json, (value) => {
        for (const schema of Object.values(RECORD_SCHEMAS)) {
          const r = schema.safeParse(value);
          if (!r.success) expect(reasonsOf(r.error).length).toBeGreaterThan(0);
        }
        SettingsEnvelope.safeParse(value);
        StatsEnvelope.safeParse(value);
        listEnvelope("paintings").safeParse(value);
      }),
      { numRuns: 500 },
    );
  });

  it("keeps a readable painting with null for what is not set, and flags exactly its missing required fields", () => {
    fc.assert(
      fc.property(paintingLike, (p) => {
        const r = validateRecord("paintings", p);
        if (!r.ok) {
          expect(r.reasons.length).toBeGreaterThan(0);
          return;
        }
        const { record, quality } = r;
        expect(record.price === null || Number.isFinite(record.price)).toBe(true);
        expect(Number.isInteger(record.id)).toBe(true);
        for (const f of ["name", "price", "category", "image"] as const) {
          const v = record[f];
          if (typeof v === "string") expect(v.trim()).not.toBe("");
          expect(quality.includes(`${f}_missing`)).toBe(v === null);
        }
      }),
      { numRuns: 1000 },
    );
  });
});

describe("webhook signature parser", () => {
  it("never throws, and never verifies a random header", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 300 }), fc.string({ maxLength: 200 }), (header, body) => {
        parseSignature(header);
        expect(verify(["whsec_secret"], header, body, new Date())).toBe(false);
      }),
      { numRuns: 1000 },
    );
  });
});

describe("queue message parser", () => {
  it("refuses anything that is not a sync message with a typed error", () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string(),
          json.map((v) => JSON.stringify(v)),
        ),
        (body) => {
          try {
            parseMessage(body);
          } catch (e) {
            expect(e).toBeInstanceOf(VisibleError);
            expect((e as VisibleError).code).toBe("invalid_message");
          }
        },
      ),
      { numRuns: 500 },
    );
  });
});

describe("cursors", () => {
  const ctx = createCtx({
    table: "t",
    encryptionKeys: generateKeyRingEntry(),
    queueUrl: "http://127.0.0.1/q",
  });

  it("round-trips and refuses any tampering with a 400", () => {
    const cursor = encodeCursor(ctx, { pk: "SITE#a#E#paintings", sk: "000000000042" }, "scope");
    expect(decodeCursor(ctx, cursor, "scope")).toEqual({ pk: "SITE#a#E#paintings", sk: "000000000042" });
    expect(() => decodeCursor(ctx, cursor, "other-scope")).toThrow(VisibleError);
    fc.assert(
      fc.property(fc.string({ maxLength: 200 }), (garbage) => {
        try {
          decodeCursor(ctx, garbage, "scope");
        } catch (e) {
          expect((e as VisibleError).code).toBe("invalid_cursor");
          expect((e as VisibleError).status).toBe(400);
        }
      }),
      { numRuns: 1000 },
    );
  });
});
