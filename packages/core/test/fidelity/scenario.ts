/**
 * The randomised fidelity scenario (issue 5): from a seed, a random history of source changes (add, change,
 * delete, reorder), transient Template faults and manual syncs of random entity subsets, handled by a
 * redelivering consumer; then quiet (faults cleared, one full sync). Afterwards the Dashboard's stored live
 * records must equal the Template's valid served records exactly, deletions included, for every record
 * entity, and everything the runs leave behind must be settled.
 *
 * The seed fixes the history (what happens, in which order); the interleaving of concurrent work is left
 * to the machine, so a replayed seed follows the same history but not always the same schedule.
 *
 * Used by fidelity.test.ts (a handful of seeds under `npm test`) and packages/core/test/fidelity/many-seeds.ts (hundreds).
 * No vitest import: the script runs it outside vitest.
 */
import { type FaultSpecInput, type FaultTarget, type Sim, startSim } from "@dashboard/template-sim";
import type { Ctx } from "../../src/context";
import { ALL_ENTITIES, type Entity, RECORD_ENTITIES, type RecordEntity } from "../../src/entity";
import * as Pending from "../../src/pending";
import * as RunStore from "../../src/run";
import * as SiteStore from "../../src/site";
import { queryAll } from "../../src/store/db";
import { Keys } from "../../src/store/keys";
import * as Sync from "../../src/sync";
import { API_KEY, consume, type Delivery, differences, FAST_CLIENT, storedRecords } from "../faults/support";

// ---- a small seeded generator ---------------------------------------------------------------------------

/** mulberry32: tiny, fast, good enough to drive a test; same seed, same sequence. */
class Random {
  #state: number;
  constructor(seed: number) {
    this.#state = seed >>> 0 || 0x9e3779b9;
  }
  next(): number {
    this.#state = (this.#state + 0x6d2b79f5) >>> 0;
    let t = this.#state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  }
  /** An integer in [min, max]. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }
  pick<T>(items: readonly T[]): T {
    const item = items[Math.floor(this.next() * items.length)];
    if (item === undefined) throw new RangeError("pick from an empty list");
    return item;
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  /** A non-empty random subset, in the given order. */
  subset<T>(items: readonly T[]): T[] {
    const out = items.filter(() => this.chance(0.5));
    return out.length > 0 ? out : [this.pick(items)];
  }
  /** Picks by weight: `[["a", 3], ["b", 1]]` gives "a" three times as often. */
  weighted<T>(choices: readonly (readonly [T, number])[]): T {
    const total = choices.reduce((sum, [, w]) => sum + w, 0);
    let at = this.next() * total;
    for (const [choice, weight] of choices) {
      at -= weight;
      if (at < 0) return choice;
    }
    return (choices.at(-1) as readonly [T, number])[0];
  }
}

// ---- the scenario -----------------------------------------------------------------------------------------

export interface FidelityOptions {
  /** Steps before the quiet phase; default: 5 to 10, drawn from the seed. */
  steps?: number;
  /** Told each step as it happens (for a verbose replay). */
  onStep?: (line: string) => void;
  /** Told each message delivery of the random phase (for a verbose replay). */
  onDelivery?: (delivery: Delivery) => void;
}

export interface FidelityResult {
  seed: number;
  ok: boolean;
  /** What failed (empty when ok). */
  problems: string[];
  /** The history, one line per step: printed for a failing seed. */
  history: string[];
  durationMs: number;
}

const REORDERABLE = ["paintings", "orders", "exhibitions", "custom_requests"] as const;
const FAULT_TARGETS: readonly FaultTarget[] = [
  "paintings",
  "users",
  "orders",
  "exhibitions",
  "custom_requests",
  "stats",
  "settings",
  "all",
];

/** A transient fault: one that retries, redeliveries or a later sync overcome once it is cleared. */
function randomFault(random: Random, sim: Sim, target: FaultTarget): FaultSpecInput {
  const kind = random.weighted([
    ["status", 4],
    ["429", 2],
    ["malformed", 2],
    ["html", 1],
    ["hang", 1],
    ["latency", 1],
    ["failAtOffset", 2],
    ["limitCap", 2],
    ["unstable", 3],
    ["invalid", 2],
    ["revoke", 1],
  ] as const);
  switch (kind) {
    case "status":
      return { status: random.pick([500, 502, 503, 504]), times: random.int(1, 6) };
    case "429":
      return { status: 429, times: random.int(1, 5), retryAfter: 0 };
    case "malformed":
      return { malformed: random.int(1, 2) };
    case "html":
      return { html: 1 };
    case "hang":
      return { hang: 1 };
    case "latency":
      return { latencyMs: random.int(5, 60) };
    case "failAtOffset":
      return { failAtOffset: random.pick([0, 50, 100, 200]) };
    case "limitCap":
      return { limitCap: random.int(7, 90) };
    case "unstable":
      // Not "insert": one new record before every page request means the last page is never empty and a
      // scan never ends while the fault lasts (sources that change during a scan come from the consumer hook).
      return { unstableOrder: random.pick(["remove", "ties"] as const) };
    case "invalid": {
      const entity = target === "all" || target === "stats" || target === "settings" ? "paintings" : target;
      const ids = (sim.served(entity as RecordEntity) as { id: number }[]).map((r) => r.id);
      if (ids.length === 0) return { latencyMs: 1 };
      const field = random.pick(
        entity === "paintings"
          ? ["price", "name", "category", "image"]
          : entity === "orders"
            ? ["total_price", "email", "items.price"]
            : entity === "users"
              ? ["email", "name"]
              : ["id"],
      );
      return {
        invalid: [
          {
            ids: [random.pick(ids), random.pick(ids)],
            field,
            kind: random.pick(["absent", "null", "empty", "nonNumeric"] as const),
          },
        ],
      };
    }
    case "revoke":
      return { revokeKeyAfter: random.int(0, 4) };
  }
}

/**
 * Runs one seed against a context whose table and queue the caller owns (the queue must be empty and
 * have a redrive policy; the site id is derived from the seed, so several seeds can share a table).
 */
export async function runSeed(ctx: Ctx, seed: number, opts: FidelityOptions = {}): Promise<FidelityResult> {
  const started = Date.now();
  const random = new Random(seed);
  const history: string[] = [];
  const note = (line: string) => {
    history.push(line);
    opts.onStep?.(line);
  };
  const sizes = {
    paintings: random.int(0, 230),
    users: random.int(0, 70),
    orders: random.int(0, 130),
    exhibitions: random.int(0, 6),
    custom_requests: random.int(0, 5),
  };
  const sim = await startSim({ apiKey: API_KEY, seed, sizes });
  const siteId = `fidelite-${seed}`;
  note(`seed ${seed}: site ${siteId}, sizes ${JSON.stringify(sizes)}`);
  const problems: string[] = [];
  try {
    await SiteStore.create(ctx, {
      id: siteId,
      name: `Fidélité ${seed}`,
      template_url: sim.url,
      api_key: API_KEY,
    });
    const steps = opts.steps ?? random.int(5, 10);
    for (let step = 1; step <= steps; step++) {
      const action = random.weighted([
        ["mutate", 4],
        ["fault", 3],
        ["clear", 1],
        ["sync", 4],
      ] as const);
      if (action === "mutate") {
        const entity = random.pick(RECORD_ENTITIES);
        const op = random.weighted([
          ["add", 3],
          ["change", 3],
          ["remove", 2],
          ["reorder", entity === "users" ? 0 : 1],
        ] as const);
        if (op === "reorder") {
          sim.reorder(entity as (typeof REORDERABLE)[number]);
          note(`${step}. reorder ${entity}`);
        } else {
          const touched = sim[op](entity, random.int(1, op === "remove" ? 6 : 10)) as { id: number }[];
          note(`${step}. ${op} ${entity} ${touched.map((r) => r.id).join(",")}`);
        }
      } else if (action === "fault") {
        const target = random.pick(FAULT_TARGETS);
        const spec = randomFault(random, sim, target);
        sim.faults.set(target, spec);
        note(`${step}. fault ${target} ${JSON.stringify(spec)}`);
      } else if (action === "clear") {
        if (random.chance(0.5)) {
          sim.faults.reset();
          note(`${step}. faults cleared`);
        } else {
          const target = random.pick(FAULT_TARGETS);
          sim.faults.clear(target);
          note(`${step}. fault ${target} cleared`);
        }
      } else {
        const runs = random.chance(0.25) ? 2 : 1;
        const subsets: Entity[][] = [];
        for (let i = 0; i < runs; i++) subsets.push(random.subset(ALL_ENTITIES));
        const maxPagesPerInvocation = random.pick([1, 2, 400]);
        const pollers = random.int(1, 2);
        const runIds: string[] = [];
        opts.onStep?.(
          `${step}. syncing ${JSON.stringify(subsets)} maxPages=${maxPagesPerInvocation} pollers=${pollers}`,
        );
        for (const entities of subsets) {
          const run = await Sync.start(ctx, { siteId, trigger: "manual", entities });
          if (run.run) runIds.push(run.run.run_id);
        }
        // Sometimes the site is busy during the sync: changes land between the messages of a scan. Drawn
        // from a stream of their own, so that the main history does not depend on how many deliveries
        // there were.
        const busy = random.chance(0.35) ? new Random(seed * 7_919 + step) : undefined;
        const during: string[] = [];
        const consumed = await consume(ctx, {
          maxPagesPerInvocation,
          pollers,
          leaseRetryDelaySeconds: 1,
          maxLeaseWaits: 500,
          client: { ...FAST_CLIENT, timeoutMs: 500 },
          onDelivery: (delivery) => {
            opts.onDelivery?.(delivery);
            if (!busy?.chance(0.3)) return;
            const entity = busy.pick(RECORD_ENTITIES);
            const op = busy.pick(["add", "change", "remove"] as const);
            const touched = sim[op](entity, busy.int(1, 3)) as { id: number }[];
            during.push(`${op} ${entity} ${touched.map((r) => r.id).join(",")}`);
          },
        });
        const outcomes = await Promise.all(runIds.map((id) => RunStore.get(ctx, id)));
        note(
          `${step}. sync ${subsets.map((s) => `[${s.join(",")}]`).join(" + ")} maxPages=${maxPagesPerInvocation} pollers=${pollers}: ` +
            `${consumed.deliveries.length} deliveries, ${consumed.deadLettered.length} dead-lettered` +
            (during.length ? ` (during the sync: ${during.join("; ")})` : "") +
            "; " +
            outcomes
              .map(
                (r) =>
                  `${r.status}${Object.entries(r.entities)
                    .filter(([, e]) => e.status === "failed")
                    .map(([e, res]) => ` ${e}:${res.error?.code}`)
                    .join("")}`,
              )
              .join(" + "),
        );
      }
    }

    // Quiet: no fault, a full sync with production timeouts.
    sim.faults.reset();
    const final = await Sync.start(ctx, { siteId, trigger: "manual" });
    await consume(ctx, { client: { timeoutMs: 10_000, backoff: { baseMs: 50, maxMs: 500 } } });
    const run = await RunStore.get(ctx, final.run?.run_id ?? "", { withLog: true });
    note(`quiet: final run ${run.status}`);
    problems.push(...(await check(ctx, siteId, sim, run)));
  } catch (error) {
    problems.push(`threw: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  } finally {
    await sim.close();
  }
  return { seed, ok: problems.length === 0, problems, history, durationMs: Date.now() - started };
}

/** Everything that must hold once the site is quiet and fully synced. */
async function check(ctx: Ctx, siteId: string, sim: Sim, final: RunStore.Run): Promise<string[]> {
  const problems: string[] = [];
  if (!final.success || !["succeeded", "partial"].includes(final.status)) {
    problems.push(`final run ${final.status}: ${JSON.stringify(final.entities)}`);
  }
  // 1. The stored live records are the Template's valid records, content and deletions included.
  problems.push(...(await differences(ctx, siteId, sim)));
  // 2. Every run ended.
  for (let cursor: string | undefined, first = true; first || cursor; first = false) {
    const page = await RunStore.list(ctx, { siteId, limit: 200, ...(cursor ? { cursor } : {}) });
    for (const run of page.items) {
      if (run.status === "queued" || run.status === "running") {
        problems.push(`run ${run.run_id} still ${run.status}: ${JSON.stringify(run.entities)}`);
      }
    }
    cursor = page.next_cursor;
  }
  // 3. No lease or pending marker left.
  for (const entity of ALL_ENTITIES) {
    const key = Keys.lease(siteId, entity);
    for await (const items of queryAll(ctx, {
      KeyConditionExpression: "pk = :pk",
      ExpressionAttributeValues: { ":pk": key.pk },
    })) {
      if (items.length > 0) problems.push(`${key.pk} left behind`);
    }
  }
  for (const [entity, marker] of Object.entries(await Pending.markers(ctx, siteId))) {
    problems.push(`pending marker of ${entity} (${marker.run_id}) left behind`);
  }
  // 4. The site's counts match the store.
  const site = await SiteStore.get(ctx, siteId);
  for (const entity of RECORD_ENTITIES) {
    const live = (await storedRecords(ctx, siteId, entity)).filter((r) => !r.deleted).length;
    if (final.entities[entity]?.status === "succeeded" && site.counts?.[entity] !== live) {
      problems.push(`site counts ${entity} = ${site.counts?.[entity]}, ${live} live records stored`);
    }
  }
  return problems;
}

/** The report of a failing seed: what failed, the history that led there, and how to replay it. */
export function describeFailure(result: FidelityResult, replay: string): string {
  return [
    `fidelity seed ${result.seed} FAILED (replay: ${replay})`,
    ...result.problems.slice(0, 30).map((p) => `  problem: ${p}`),
    ...(result.problems.length > 30 ? [`  ... ${result.problems.length - 30} more`] : []),
    "  history:",
    ...result.history.map((h) => `    ${h}`),
  ].join("\n");
}
