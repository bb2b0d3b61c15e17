import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { decrypt, encrypt, generateKeyRingEntry, parseKeyRing, safeEqual } from "../src/crypto";
import { emptyResult, outcome } from "../src/run";
import { assertFetchAllowed, assertTemplateUrlShape, isBlockedAddress } from "../src/ssrf";
import { Keys, recordIdFromSortKey, recordSortKey } from "../src/store/keys";
import { canonicalJson, contentHash } from "../src/util/hash";
import { sortableDate } from "../src/util/time";

describe("sortableDate", () => {
  it("normalises the Template's TEXT dates to UTC", () => {
    expect(sortableDate("2025-03-01 10:11:12.123456+00")).toBe("2025-03-01T10:11:12.123456Z");
    expect(sortableDate("2025-03-01 12:11:12+02:00")).toBe("2025-03-01T10:11:12.000000Z");
    expect(sortableDate("2025-03-01")).toBe("2025-03-01T00:00:00.000000Z");
  });
  it("returns null for text that is not a date", () => {
    expect(sortableDate("hier")).toBeNull();
    expect(sortableDate("")).toBeNull();
  });
  it("sorts like time", () => {
    const a = sortableDate("2025-03-01 23:00:00-02");
    const b = sortableDate("2025-03-02 00:30:00+00");
    expect(a && b && a > b).toBe(true);
  });
});

describe("keys", () => {
  it("pads numeric ids so they sort as numbers", () => {
    expect(recordSortKey(9) < recordSortKey(10)).toBe(true);
    expect(recordIdFromSortKey(recordSortKey(42))).toBe(42);
    expect(recordIdFromSortKey(recordSortKey("site_name"))).toBe("site_name");
  });
  it("separates sites and entities", () => {
    expect(Keys.record("a", "paintings", 1).pk).not.toBe(Keys.record("a", "users", 1).pk);
    expect(Keys.record("a", "paintings", 1).pk).not.toBe(Keys.record("b", "paintings", 1).pk);
  });
});

/** The first canonical form, a replacer rebuilding each object from its sorted entries: stored hashes came from it. */
const replacerCanonicalJson = (value: unknown): string =>
  JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === "object" && !Array.isArray(v)
      ? Object.fromEntries(
          Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
        )
      : v,
  );

describe("hash", () => {
  it("ignores key order and sees any change", () => {
    expect(canonicalJson({ b: 1, a: { d: 2, c: 3 } })).toBe('{"a":{"c":3,"d":2},"b":1}');
    expect(contentHash({ a: 1, b: 2 })).toBe(contentHash({ b: 2, a: 1 }));
    expect(contentHash({ a: 1 })).not.toBe(contentHash({ a: 2 }));
  });

  it("gives the text the replacer form gave, so stored hashes stay valid", () => {
    const tricky = [
      {
        "10": 1,
        "9": 2,
        b: 3,
        a: 4,
        "01": 5,
        "-1": 6,
        "4294967295": 7,
        "4294967294": 8,
        "": 9,
        é: 10,
        Z: 11,
      },
      {
        d: new Date("2025-03-01T10:00:00Z"),
        u: undefined,
        f: () => 1,
        n: null,
        arr: [undefined, () => 1, 1],
      },
      { nested: { "2": [{ z: 1, y: { "1": 0, x: -0, w: 1e21, v: Number.NaN } }], "1": 'é\u2028"' } },
      [3, { b: 1, a: 2 }, "x"],
      "text",
      42,
      null,
    ];
    for (const value of tricky) expect(canonicalJson(value)).toBe(replacerCanonicalJson(value));
    const key = fc.oneof(
      fc.string(),
      fc.nat().map(String),
      fc.constantFrom("4294967294", "4294967295", "007"),
    );
    const json = fc.letrec((tie) => ({
      value: fc.oneof(
        { depthSize: "small" },
        fc.constantFrom(null, true, false, undefined),
        fc.double(),
        fc.string(),
        fc.array(tie("value")),
        fc.dictionary(key, tie("value")),
      ),
    })).value;
    fc.assert(
      fc.property(json, (value) => {
        expect(canonicalJson(value)).toBe(replacerCanonicalJson(value));
      }),
      { numRuns: 500 },
    );
  });
});

describe("crypto", () => {
  const ring = parseKeyRing(`${generateKeyRingEntry("new")},${generateKeyRingEntry("old")}`);
  it("round-trips and binds to associated data", () => {
    const sealed = encrypt(ring, "secret-key", "site:a:api_key");
    expect(sealed).not.toContain("secret-key");
    expect(decrypt(ring, sealed, "site:a:api_key")).toBe("secret-key");
    expect(() => decrypt(ring, sealed, "site:b:api_key")).toThrow(/cannot be decrypted/);
  });
  it("decrypts with an older key of the ring", () => {
    const old = parseKeyRing(generateKeyRingEntry("old"));
    const both = parseKeyRing(`${generateKeyRingEntry("new")},old:${old.primary.key.toString("base64")}`);
    expect(decrypt(both, encrypt(old, "v", "x"), "x")).toBe("v");
  });
  it("refuses a malformed ring", () => {
    expect(() => parseKeyRing("k1:short")).toThrow(/32 bytes/);
    expect(() => parseKeyRing("")).toThrow(/no key/);
  });
  it("compares in constant time", () => {
    expect(safeEqual("a", "a")).toBe(true);
    expect(safeEqual("a", "b")).toBe(false);
  });
});

describe("run outcome (the seed's rule)", () => {
  const ok = { ...emptyResult("succeeded") };
  const failed = { ...emptyResult("failed") };
  const base = { paintings: ok, users: ok, orders: ok, settings: ok };
  it("succeeds when the four required entities succeed", () => {
    expect(outcome({ ...base, exhibitions: ok, stats: { ...emptyResult("skipped") } })).toEqual({
      status: "succeeded",
      success: true,
    });
  });
  it("is partial when an optional entity fails or records were rejected", () => {
    expect(outcome({ ...base, exhibitions: failed })).toEqual({ status: "partial", success: true });
    expect(outcome({ ...base, paintings: { ...ok, invalid: 2 } })).toEqual({
      status: "partial",
      success: true,
    });
  });
  it("fails when a required entity fails", () => {
    expect(outcome({ ...base, users: failed })).toEqual({ status: "failed", success: false });
  });
  it("judges a subset run by its own entities", () => {
    expect(outcome({ orders: ok, stats: ok })).toEqual({ status: "succeeded", success: true });
    expect(outcome({ exhibitions: failed })).toEqual({ status: "failed", success: false });
  });
});

describe("SSRF guard", () => {
  it.each([
    "127.0.0.1",
    "10.1.2.3",
    "172.20.0.1",
    "192.168.1.1",
    "169.254.169.254",
    "::1",
    "fd00::1",
    "fe80::1",
    "::ffff:10.0.0.1",
    "0.0.0.0",
  ])("blocks %s", (ip) => expect(isBlockedAddress(ip)).toBe(true));
  it.each(["93.184.216.34", "8.8.8.8", "2606:4700::1111", "2a01:4f8::1"])("allows %s", (ip) =>
    expect(isBlockedAddress(ip)).toBe(false),
  );

  // IPv6 forms that embed an IPv4 address are refused whatever the IPv4 address, public ones included.
  it.each([
    ["IPv4-mapped, dotted", "::ffff:8.8.8.8"],
    ["IPv4-mapped, hex", "::ffff:7f00:1"],
    ["IPv4-compatible (::/96)", "::8.8.8.8"],
    ["IPv4-compatible, loopback in hex", "::7f00:1"],
    ["NAT64 (64:ff9b::/96)", "64:ff9b::808:808"],
    ["NAT64, dotted", "64:ff9b::a9fe:a9fe"],
    ["local-use NAT64 (64:ff9b:1::/48)", "64:ff9b:1::a00:1"],
    ["6to4 (2002::/16)", "2002:a9fe:a9fe::1"],
    ["6to4 of a public address", "2002:808:808::1"],
  ])("blocks %s: %s", (_label, ip) => expect(isBlockedAddress(ip)).toBe(true));

  it("refuses a production Template URL written with an IPv6 form that embeds IPv4", async () => {
    for (const host of [
      "[::ffff:a9fe:a9fe]",
      "[64:ff9b::a9fe:a9fe]",
      "[2002:a9fe:a9fe::]",
      "[::a9fe:a9fe]",
    ]) {
      await expect(assertTemplateUrlShape(`https://${host}/`, true)).rejects.toThrow(/private or reserved/);
    }
    const url = new URL("https://artiste.example.org/");
    await expect(assertFetchAllowed(url, true, async () => ["64:ff9b::a00:5"])).rejects.toThrow(
      /resolves to a private/,
    );
  });

  it("requires https and a public host in production only", async () => {
    await expect(assertTemplateUrlShape("http://example.org", true)).rejects.toThrow(/https/);
    await expect(assertTemplateUrlShape("https://169.254.169.254/latest", true)).rejects.toThrow(
      /private or reserved/,
    );
    await expect(assertTemplateUrlShape("https://localhost", true)).rejects.toThrow(/internal/);
    await expect(assertTemplateUrlShape("http://127.0.0.1:4001", false)).resolves.toBeUndefined();
  });

  it("checks what a name resolves to (DNS rebinding)", async () => {
    const url = new URL("https://artiste.example.org/api/export/paintings");
    await expect(assertFetchAllowed(url, true, async () => ["10.0.0.5"])).rejects.toThrow(
      /resolves to a private/,
    );
    await expect(assertFetchAllowed(url, true, async () => ["93.184.216.34"])).resolves.toBeUndefined();
  });
});
