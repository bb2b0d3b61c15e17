/**
 * The sync engine end to end on real local services: DynamoDB Local, fauxqs and template-sim over HTTP.
 * These are issue 2's acceptance tests.
 */
import { type Sim, startSim } from "@dashboard/template-sim";
import { createEngine, type Engine } from "@dashboard/testing/engine";
import { engineWithSim } from "@dashboard/testing/site-on-sim";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as Records from "../src/record";
import * as RunStore from "../src/run";
import * as Settings from "../src/settings";
import * as SiteStore from "../src/site";
import { RECORD_SCHEMAS, validateRecord } from "../src/template/schema";

const API_KEY = "tpl-key-7f3a9c2e51";

/** Counts BatchWriteItem requests that carry synced records (not run bookkeeping such as logs). */
function countRecordWrites(engine: Engine) {
  const counter = { requests: 0 };
  engine.dynamo.middlewareStack.add(
    (next, context) => async (args) => {
      if (context.commandName === "BatchWriteItemCommand") {
        const input = args.input as {
          RequestItems?: Record<string, { PutRequest?: { Item?: Record<string, unknown> } }[]>;
        };
        const items = Object.values(input.RequestItems ?? {}).flat();
        const typeOf = (i: (typeof items)[number]) => {
          const t = i.PutRequest?.Item?.type as { S?: string } | string | undefined;
          return typeof t === "string" ? t : t?.S;
        };
        if (items.some((i) => ["record", "setting"].includes(typeOf(i) ?? ""))) counter.requests++;
      }
      return next(args);
    },
    { step: "build", name: `countRecordWrites${Math.random()}` },
  );
  return counter;
}

async function liveIds(engine: Engine, siteId: string, entity: "paintings" | "users" | "orders") {
  const index = await Records.index(engine.ctx, siteId, entity);
  return [...index]
    .filter(([, s]) => !s.deleted)
    .map(([id]) => Number(id))
    .sort((a, b) => a - b);
}

/** A port nothing listens on: bound, then released. */
async function closedPort(): Promise<number> {
  const { createServer } = await import("node:net");
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

const idsOf = (records: { id: number }[]) => records.map((r) => r.id).sort((a, b) => a - b);

describe("a large site, synced again and again", () => {
  let engine: Engine;
  let sim: Sim;
  const siteId = "grand-atelier";

  beforeAll(async () => {
    ({ engine, sim } = await engineWithSim(
      "sync-large",
      { apiKey: API_KEY, seed: 7, sizes: { paintings: 1000, users: 2500, orders: 600 } },
      { id: siteId, name: "Grand Atelier" },
    ));
  });
  afterAll(async () => {
    await sim?.close();
  });

  it("stores every valid record of 1,000 paintings, 2,500 users and 600 orders", async () => {
    const run = await engine.sync(siteId);
    expect(run.status === "succeeded" || run.status === "partial").toBe(true);
    expect(run.success).toBe(true);
    for (const entity of ["paintings", "users", "orders"] as const) {
      const source = sim.served(entity) as { id: number }[];
      const valid = source.filter((r) => RECORD_SCHEMAS[entity].safeParse(r).success);
      const result = run.entities[entity];
      expect(result?.status).toBe("succeeded");
      expect(result?.fetched).toBe(source.length);
      expect(result?.valid).toBe(valid.length);
      expect(result?.invalid).toBe(source.length - valid.length);
      // Every valid record is stored; the invalid ones are in quarantine, not in the table.
      expect(await liveIds(engine, siteId, entity)).toEqual(idsOf(valid as { id: number }[]));
    }
    const site = await SiteStore.get(engine.ctx, siteId);
    expect(site.counts?.users).toBe(sim.served("users").length);
    expect(site.last_run?.run_id).toBe(run.run_id);
    expect(
      run.log?.some(
        (l) => l.level === "SUCCESS" && l.entity === "paintings" && /peintures synchronisées/.test(l.message),
      ),
    ).toBe(true);
  });

  it("writes nothing when nothing changed, and says every record is unchanged", async () => {
    const writes = countRecordWrites(engine);
    const run = await engine.sync(siteId);
    expect(writes.requests).toBe(0);
    for (const entity of [
      "paintings",
      "users",
      "orders",
      "exhibitions",
      "custom_requests",
      "settings",
    ] as const) {
      const r = run.entities[entity];
      expect(r?.written, entity).toBe(0);
      expect(r?.unchanged, entity).toBe(r?.valid);
      expect(r?.deleted, entity).toBe(0);
    }
  });

  it("after 5 changes, 3 deletions and 2 additions writes exactly 7 and marks 3 deleted", async () => {
    const changed = sim.change("paintings", 5);
    const removed = sim.remove("paintings", 3);
    const added = sim.add("paintings", 2);
    const writes = countRecordWrites(engine);
    const run = await engine.sync(siteId, ["paintings"]);
    const r = run.entities.paintings;
    expect(r).toMatchObject({ status: "succeeded", written: 7, deleted: 3 });
    expect(writes.requests).toBeGreaterThan(0);
    for (const p of removed) {
      const stored = await Records.get(engine.ctx, siteId, "paintings", p.id);
      expect(stored.deleted_at).toBeTruthy();
    }
    for (const p of [...changed, ...added]) {
      const stored = await Records.get(engine.ctx, siteId, "paintings", p.id);
      expect(stored.name).toBe(p.name);
      expect(stored.price).toBe(Number(p.price));
      expect(stored.deleted_at).toBeUndefined();
    }
    // Deleted records leave the default listing but stay available on request.
    const listed = await Records.list(engine.ctx, "paintings", {
      site_id: siteId,
      limit: 200,
      include_deleted: true,
      q: undefined,
    });
    expect(listed.items.length).toBeGreaterThan(0);
  });

  it("deletes nothing and changes nothing when a scan fails half-way", async () => {
    const before = await liveIds(engine, siteId, "users");
    sim.remove("users", 10);
    sim.faults.set("users", { failAtOffset: 1000 });
    const run = await engine.sync(siteId, ["users"]);
    sim.faults.reset();
    expect(run.entities.users?.status).toBe("failed");
    expect(run.entities.users?.deleted).toBe(0);
    expect(run.entities.users?.error?.code).toBe("server_error");
    expect(run.status).toBe("failed");
    expect(run.log?.some((l) => l.level === "ERROR" && l.entity === "users")).toBe(true);
    expect(await liveIds(engine, siteId, "users")).toEqual(before);
  });
});

describe("validation and quarantine", () => {
  let engine: Engine;
  let sim: Sim;
  const siteId = "atelier-invalide";

  beforeAll(async () => {
    ({ engine, sim } = await engineWithSim(
      "sync-invalid",
      { apiKey: API_KEY, seed: 3, sizes: { paintings: 60, users: 30, orders: 30 } },
      { id: siteId, name: "Atelier" },
    ));
  });
  afterAll(async () => {
    await sim?.close();
  });

  it("flags each missing required field and stores it with null; rejects what cannot be read", async () => {
    const valid = (sim.served("paintings") as { id: number; category: unknown }[]).filter((p) => p.category);
    const [a, b, c, d, e, f, g] = valid.map((p) => p.id) as number[];
    const ids = { a, b, c, d, e, f, g } as Record<string, number>;
    sim.faults.set("paintings", {
      invalid: [
        { ids: [ids.a as number], field: "id", kind: "absent" },
        { ids: [ids.b as number], field: "name", kind: "null" },
        { ids: [ids.c as number], field: "price", kind: "empty" },
        { ids: [ids.d as number], field: "category", kind: "absent" },
        { ids: [ids.e as number], field: "image", kind: "empty" },
        { ids: [ids.f as number], field: "price", kind: "nonNumeric" },
      ],
    });
    const run = await engine.sync(siteId, ["paintings"]);
    sim.faults.reset();
    const invalid = await RunStore.invalidRecords(engine.ctx, run.run_id, {
      entity: "paintings",
      limit: 200,
    });
    // Rejected: no usable id, a price that cannot be read. Kept with stable reason codes and the raw record.
    expect(invalid.items.some((i) => i.record_id === null && i.reasons.includes("id_invalid"))).toBe(true);
    expect(invalid.items.find((i) => i.record_id === ids.f)?.reasons).toEqual(["price_not_a_number"]);
    expect(invalid.items.find((i) => i.record_id === ids.f)?.raw).toMatchObject({ id: ids.f });
    expect(invalid.items).toHaveLength(2);
    // Flagged: stored, with null for what the Template did not set and the quality codes.
    const stored = async (id: number) => Records.get(engine.ctx, siteId, "paintings", id);
    expect(await stored(ids.b as number)).toMatchObject({ name: null, quality: ["name_missing"] });
    expect(await stored(ids.c as number)).toMatchObject({ price: null, quality: ["price_missing"] });
    expect(await stored(ids.d as number)).toMatchObject({ category: null, quality: ["category_missing"] });
    expect(await stored(ids.e as number)).toMatchObject({
      image: null,
      image_url: null,
      quality: ["image_missing"],
    });
    expect((await stored(ids.g as number)).quality).toEqual([]);
    const r = run.entities.paintings;
    expect(r).toMatchObject({ rejected: 2, invalid: 2 });
    expect(r?.flagged).toBeGreaterThanOrEqual(4);
    const flagged = await Records.list(engine.ctx, "paintings", {
      site_id: siteId,
      quality: "flagged",
      limit: 200,
    });
    expect(flagged.items.length).toBe(r?.flagged);
    expect(flagged.items.every((p) => (p.quality as string[]).length > 0)).toBe(true);
    // Rejected records make the run partial; the seed's warning stays for flagged ones.
    expect(run.status).toBe("partial");
    expect(run.success).toBe(true);
    expect(run.log?.some((l) => l.level === "WARNING" && /Peinture invalide/.test(l.message))).toBe(true);
    // The entity's summary line carries a stable code and its figures, for the UI to word.
    const done = run.log?.find((l) => l.code === "entity_synced");
    expect(done?.params).toMatchObject({
      invalid: run.entities.paintings?.invalid,
      valid: run.entities.paintings?.valid,
    });
    // Rejected records list by id as numbers.
    const numeric = invalid.items.flatMap((i) => (typeof i.record_id === "number" ? [i.record_id] : []));
    expect(numeric).toEqual([...numeric].sort((x, y) => x - y));
  });

  it("syncs a complete-but-imperfect site as succeeded: flagged records do not make it partial", async () => {
    sim.faults.set("paintings", {
      invalid: [
        { ids: [(sim.served("paintings")[0] as { id: number }).id], field: "category", kind: "null" },
      ],
    });
    const run = await engine.sync(siteId, ["paintings"]);
    sim.faults.reset();
    expect(run.entities.paintings).toMatchObject({ status: "succeeded", rejected: 0 });
    expect(run.entities.paintings?.flagged).toBeGreaterThan(0);
    expect(run.status).toBe("succeeded");
  });

  it("keeps the stored version of a record that turns invalid, and never deletes it", async () => {
    const target = (sim.served("paintings") as { id: number; category: unknown; name: string }[]).find(
      (p) => p.category,
    );
    if (!target) throw new Error("no valid painting");
    await engine.sync(siteId, ["paintings"]);
    sim.faults.set("paintings", { invalid: [{ ids: [target.id], field: "price", kind: "nonNumeric" }] });
    const run = await engine.sync(siteId, ["paintings"]);
    sim.faults.reset();
    expect(run.entities.paintings?.deleted).toBe(0);
    const stored = await Records.get(engine.ctx, siteId, "paintings", target.id);
    expect(stored.name).toBe(target.name);
    expect(stored.deleted_at).toBeUndefined();
  });
});

describe("paging quirks", () => {
  let engine: Engine;
  let sim: Sim;
  const siteId = "atelier-pages";

  beforeAll(async () => {
    ({ engine, sim } = await engineWithSim(
      "sync-paging",
      { apiKey: API_KEY, seed: 11, sizes: { paintings: 450, users: 120, orders: 250 } },
      { id: siteId, name: "Pages" },
    ));
  });
  afterAll(async () => {
    await sim?.close();
  });

  it("reads a server that caps limit below what was asked to the end", async () => {
    sim.faults.set("paintings", { limitCap: 37 });
    const run = await engine.sync(siteId, ["paintings"]);
    sim.faults.reset();
    expect(run.entities.paintings?.fetched).toBe(450);
    expect(run.entities.paintings?.pages).toBe(Math.ceil(450 / 37));
  });

  it("stores a record repeated across pages once, and does not delete on an unstable scan", async () => {
    sim.faults.set("orders", { unstableOrder: "ties" });
    const run = await engine.sync(siteId, ["orders"]);
    sim.faults.reset();
    const r = run.entities.orders;
    expect(r?.status).toBe("succeeded");
    expect(r?.deleted).toBe(0);
    expect(run.log?.some((l) => /doublon/.test(l.message))).toBe(true);
    const stored = await liveIds(engine, siteId, "orders");
    expect(new Set(stored).size).toBe(stored.length);
  });

  it("continues a large entity in new messages and ends with the same data", async () => {
    const outcomes: string[] = [];
    const run = await engine.sync(siteId, ["paintings"], {
      maxPagesPerInvocation: 1,
      onLog: () => {},
    });
    outcomes.push(run.status);
    expect(run.entities.paintings?.status).toBe("succeeded");
    expect(run.entities.paintings?.fetched).toBe(450);
    expect(run.entities.paintings?.pages).toBe(3);
    // One continuation after each of the 3 pages; the 4th message reads the empty page that ends the scan.
    expect(run.log?.filter((l) => /nouveau message/.test(l.message)).length).toBe(3);
    expect((await liveIds(engine, siteId, "paintings")).length).toBe(450 - countInvalid(sim));
  });
});

function countInvalid(sim: Sim): number {
  return sim.served("paintings").filter((p) => !validateRecord("paintings", p).ok).length;
}

describe("settings and stats", () => {
  let engine: Engine;
  let flat: Sim;
  let documented: Sim;

  beforeAll(async () => {
    ({ engine, sim: flat } = await engineWithSim("sync-settings", {
      apiKey: API_KEY,
      siteName: "Atelier Plat",
      settingsShape: "flat",
    }));
    documented = await startSim({ apiKey: API_KEY, siteName: "Atelier Doc", settingsShape: "documented" });
    await SiteStore.create(engine.ctx, {
      id: "plat",
      name: "Plat",
      template_url: flat.url,
      api_key: API_KEY,
    });
    await SiteStore.create(engine.ctx, {
      id: "doc",
      name: "Doc",
      template_url: documented.url,
      api_key: API_KEY,
    });
  });
  afterAll(async () => {
    await flat?.close();
    await documented?.close();
  });

  it.each(["plat", "doc"])("reads the %s shape and never stores a secret", async (siteId) => {
    const run = await engine.sync(siteId, ["settings", "stats"]);
    expect(run.entities.settings?.status).toBe("succeeded");
    const settings = await Settings.get(engine.ctx, siteId);
    expect(settings.site_name).toBe(siteId === "plat" ? "Atelier Plat" : "Atelier Doc");
    expect(settings.saas_site_price_cache).toBeTypeOf("number");
    for (const key of ["smtp_password", "export_api_key"]) {
      const item = settings.items.find((i) => i.key === key);
      if (item) expect(item.masked).toBe(true);
    }
    // Nothing secret reaches the table, in any attribute.
    const dump = JSON.stringify(await dumpPartition(engine, siteId));
    expect(dump).not.toContain(API_KEY);
    expect(dump).not.toContain("***MASKED***");
    expect(dump).not.toMatch(/sk_(live|test)_/);
    const stats = run.entities.stats;
    expect(stats?.status).toBe("succeeded");
    expect(stats?.data?.paintings_count).toBeTypeOf("number");
  });

  it("never lets ***MASKED*** overwrite a value stored in clear", async () => {
    flat.setSetting("contact_phone", "01 23 45 67 89");
    await engine.sync("plat", ["settings"]);
    flat.setSetting("contact_phone", "***MASKED***");
    await engine.sync("plat", ["settings"]);
    const settings = await Settings.get(engine.ctx, "plat");
    expect(settings.items.find((i) => i.key === "contact_phone")?.value).toBe("01 23 45 67 89");
  });
});

async function dumpPartition(engine: Engine, siteId: string) {
  const { queryAll } = await import("../src/store/db");
  const { Keys } = await import("../src/store/keys");
  const items: unknown[] = [];
  for await (const page of queryAll(engine.ctx, {
    KeyConditionExpression: "pk = :pk",
    ExpressionAttributeValues: { ":pk": Keys.recordPartition(siteId, "settings") },
  })) {
    items.push(...page);
  }
  const site = await engine.ctx.db.send(
    new (await import("@aws-sdk/lib-dynamodb")).GetCommand({
      TableName: engine.ctx.table,
      Key: { pk: Keys.site(siteId).pk, sk: Keys.site(siteId).sk },
    }),
  );
  items.push(site.Item);
  return items;
}

describe("Template failures become run data", () => {
  let engine: Engine;
  let sim: Sim;

  beforeAll(async () => {
    engine = await createEngine("sync-faults");
    sim = await startSim({
      apiKey: API_KEY,
      sizes: { paintings: 20, users: 10, orders: 10 },
      endpoints: { exhibitions: false, custom_requests: false },
    });
    await SiteStore.create(engine.ctx, {
      id: "bonne-cle",
      name: "OK",
      template_url: sim.url,
      api_key: API_KEY,
    });
    await SiteStore.create(engine.ctx, {
      id: "mauvaise-cle",
      name: "KO",
      template_url: sim.url,
      api_key: "wrong-key-0000",
    });
    await SiteStore.create(engine.ctx, {
      id: "ferme",
      name: "Closed",
      template_url: `http://127.0.0.1:${await closedPort()}`,
      api_key: API_KEY,
    });
  });
  afterAll(async () => {
    await sim?.close();
  });

  it("fails on 401 after exactly one request, with the authentication code", async () => {
    sim.clearRequests();
    const run = await engine.sync("mauvaise-cle", ["paintings"]);
    expect(run.entities.paintings?.error?.code).toBe("invalid_api_key");
    // Technical details for the UI's disclosure: the HTTP status and the URL without its query string.
    expect(run.entities.paintings?.error).toMatchObject({ status: 401 });
    expect(run.entities.paintings?.error?.url).toMatch(/\/api\/export\/paintings$/);
    expect(run.log?.find((l) => l.level === "ERROR")).toMatchObject({
      code: "entity_failed",
      params: { error: "invalid_api_key" },
    });
    expect(sim.requests.filter((r) => r.path === "/api/export/paintings")).toHaveLength(1);
    expect(JSON.stringify(run)).not.toContain("wrong-key-0000");
  });

  it("skips an optional endpoint the Template lacks (404), and the run still succeeds", async () => {
    const run = await engine.sync("bonne-cle");
    expect(run.entities.exhibitions?.status).toBe("skipped");
    expect(run.entities.custom_requests?.status).toBe("skipped");
    expect(run.success).toBe(true);
  });

  it("retries a 503 and a 429 with Retry-After, then succeeds", async () => {
    sim.faults.set("users", { status: 503, times: 1 });
    sim.faults.set("orders", { status: 429, times: 1, retryAfter: 1 });
    sim.clearRequests();
    const run = await engine.sync("bonne-cle", ["users", "orders"]);
    expect(run.entities.users?.status).toBe("succeeded");
    expect(run.entities.orders?.status).toBe("succeeded");
    const orders = sim.requests.filter((r) => r.path === "/api/export/orders");
    expect(orders[0]?.status).toBe(429);
    expect(orders[1]?.status).toBe(200);
    expect(run.log?.some((l) => /Nouvelle tentative/.test(l.message))).toBe(true);
  });

  it("records a refused connection with its own code", async () => {
    const run = await engine.sync("ferme", ["paintings"]);
    expect(run.entities.paintings?.status).toBe("failed");
    expect(run.entities.paintings?.error?.code, JSON.stringify(run.entities.paintings)).toBe(
      "connection_refused",
    );
  });

  it("records malformed JSON with its own code", async () => {
    sim.faults.set("paintings", { malformed: 1 });
    const run = await engine.sync("bonne-cle", ["paintings"]);
    sim.faults.reset();
    expect(run.entities.paintings?.error?.code).toBe("malformed_json");
  });

  it("handles a duplicate message as a no-op", async () => {
    const first = await engine.sync("bonne-cle", ["users"]);
    const Sync = await import("../src/sync");
    const outcome = await Sync.handle(
      engine.ctx,
      {
        v: 1,
        run_id: first.run_id,
        site_id: "bonne-cle",
        entity: "users",
        trigger: "manual",
        lease_waits: 0,
      },
      { remainingMs: () => 300_000 },
    );
    expect(outcome).toEqual({ kind: "ignored", reason: "duplicate" });
  });
});
