/**
 * Starting runs: manual (the API), webhook (webhook.ts) and schedule (the scheduler). One run per site at a
 * time; a run is created before its messages are sent, one message per entity.
 */
import * as z from "zod";
import type { Ctx } from "../context";
import * as Control from "../control";
import { ALL_ENTITIES, Entity } from "../entity";
import * as Pending from "../pending";
import * as RunStore from "../run";
import * as SiteStore from "../site";
import { createId, idTime } from "../util/id";
import { pool } from "../util/pool";
import { enqueue } from "./message";
import { createRuns } from "./run-state";

export const StartInput = z.object({
  siteId: z.string().min(1),
  trigger: RunStore.Trigger,
  entities: z.array(Entity).min(1).optional(),
  /** Skip entities already waiting in an earlier, not yet started run (webhook storms, overlapping ticks). */
  coalesce: z.boolean().default(false),
  /** Hold the run's messages back this long (SQS delay; webhook bursts, webhook.ts). */
  delaySeconds: z.number().int().min(0).max(900).optional(),
});
export type StartInput = z.input<typeof StartInput>;

export interface Started {
  run?: RunStore.Run;
  entities: Entity[];
  coalesced: Entity[];
  /** The run in progress that this trigger joined instead of starting another (coalescing triggers only). */
  joined?: string;
}

/**
 * A run older than this that still shows in progress on its site is taken as abandoned (a consumer that
 * died with its messages lost): it no longer keeps the schedule and webhooks from starting a new run.
 */
export const ACTIVE_RUN_MAX_AGE_MS = 2 * 3600 * 1000;

/** The run a site has in progress, if any (from the site's `last_run`). */
export function runInProgress(site: SiteStore.Site, now: Date): string | undefined {
  const last = site.last_run;
  if (!last || !RunStore.isActive(last.status)) return undefined;
  const created = idTime(last.run_id);
  return created !== undefined && now.getTime() - created < ACTIVE_RUN_MAX_AGE_MS ? last.run_id : undefined;
}

/**
 * One run per site at a time: a coalescing trigger (schedule, webhook) for a site whose run is still in
 * progress joins it for the entities that run covers, said on that run, instead of stacking another run
 * behind it; only the entities it lacks (a webhook's run covers a few) still need a run of their own.
 */
async function joinRunInProgress(
  ctx: Ctx,
  site: SiteStore.Site,
  trigger: RunStore.Trigger,
  wanted: readonly Entity[],
): Promise<{ joined: string; covered: Entity[]; missing: Entity[] } | undefined> {
  const busy = runInProgress(site, ctx.now());
  if (!busy) return undefined;
  // The run's header is enough: its status and the entities it covers.
  const run = await RunStore.header(ctx, busy);
  if (!run || !RunStore.isActive(run.status)) return undefined;
  const has = new Set(RunStore.entitiesOf(run));
  const covered = wanted.filter((e) => has.has(e));
  if (covered.length === 0) return undefined;
  await RunStore.recordJoined(ctx, busy, trigger);
  return { joined: busy, covered, missing: wanted.filter((e) => !has.has(e)) };
}

/**
 * Creates a run for a site and enqueues one message per entity. `loaded` is the site when the caller has
 * just read it (the webhook), so it is not read again.
 */
export async function start(ctx: Ctx, input: StartInput, loaded?: SiteStore.Site): Promise<Started> {
  const parsed = StartInput.parse(input);
  // An unknown site is a 404, not a run.
  const site = loaded?.id === parsed.siteId ? loaded : await SiteStore.get(ctx, parsed.siteId);
  const join = parsed.coalesce
    ? await joinRunInProgress(ctx, site, parsed.trigger, parsed.entities ?? ALL_ENTITIES)
    : undefined;
  if (join && join.missing.length === 0)
    return { entities: [], coalesced: join.covered, joined: join.joined };
  const [started] = await startMany(ctx, [join ? { ...parsed, entities: join.missing } : parsed]);
  if (!started) throw new Error("startMany returned nothing");
  return join
    ? { ...started, coalesced: [...join.covered, ...started.coalesced], joined: join.joined }
    : started;
}

/**
 * `start` for several sites at once (the scheduler's batches), in three steps whose order the guarantees
 * rest on: claim each site's pending markers (coalescing: one conditional write per site when none is
 * held), create the runs (BatchWriteItem, then each site's `last_run` unless `siteLastRun` is false), and
 * only then send their messages (SQS batches of ten across sites, several at once).
 *
 * A site whose claim failed is left out and the call rejects once the others are started, so no claim made
 * is stranded without its run; when the runs cannot be created, the claims are released. A crash between
 * steps leaves at worst markers that expire, or a run whose messages were never sent, as it always could.
 */
async function startMany(
  ctx: Ctx,
  inputs: readonly z.output<typeof StartInput>[],
  opts: { siteLastRun?: boolean } = {},
): Promise<Started[]> {
  const settled = await Promise.allSettled(
    inputs.map(async ({ siteId, trigger, coalesce, entities: asked, delaySeconds }) => {
      const wanted = [...new Set(asked ?? ALL_ENTITIES)].sort(
        (a, b) => ALL_ENTITIES.indexOf(a) - ALL_ENTITIES.indexOf(b),
      );
      const runId = createId("run");
      const entities = coalesce ? await Pending.claim(ctx, siteId, wanted, runId) : wanted;
      const coalesced = wanted.filter((e) => !entities.includes(e));
      return { siteId, trigger, runId, entities, coalesced, delaySeconds };
    }),
  );
  const claims = settled.flatMap((s) => (s.status === "fulfilled" ? [s.value] : []));
  const toCreate = claims.filter((c) => c.entities.length > 0);
  let created: RunStore.Run[];
  try {
    created = await createRuns(ctx, toCreate, opts);
  } catch (error) {
    await Promise.allSettled(
      toCreate.flatMap((c) => c.entities.map((e) => Pending.release(ctx, c.siteId, e, c.runId))),
    );
    throw error;
  }
  await enqueue(
    ctx,
    toCreate.flatMap(({ siteId, trigger, entities, runId, delaySeconds }) =>
      entities.map((entity) => ({
        body: { v: 1 as const, run_id: runId, site_id: siteId, entity, trigger, lease_waits: 0 },
        ...(delaySeconds ? { delaySeconds } : {}),
      })),
    ),
  );
  const failed = settled.find((s) => s.status === "rejected");
  if (failed) throw failed.reason;
  const runs = new Map(created.map((run) => [run.run_id, run]));
  return claims.map(({ runId, entities, coalesced }) => {
    const run = runs.get(runId);
    return run ? { run, entities, coalesced } : { entities, coalesced };
  });
}

/** Sites the scheduler starts together: one BatchWriteItem of their runs. */
const SCHEDULE_BATCH = 25;
/** Batches of sites the scheduler has in flight at once. */
const SCHEDULE_CONCURRENCY = 4;

/**
 * The scheduler's work: one run per enabled site, for every entity not already pending. Its runs leave the
 * sites' `last_run` to the consumer, which records each run as it starts and ends: a write per site saved on
 * every tick (half of what the fan-out writes), and a site's health is not reset to "syncing" on each tick
 * while its run only waits in the queue.
 */
export async function startScheduled(
  ctx: Ctx,
): Promise<{ runs: number; messages: number; skipped: number; joined: number; deletions_finished: number }> {
  const { sites, deleting } = await SiteStore.listWithDeleting(ctx);
  const enabled = sites.filter((s) => s.enabled);
  // Sites with a run in progress: joined for what it covers; only what it lacks gets a run of its own.
  const missing = new Map<string, Entity[]>();
  const busy = enabled.filter((s) => runInProgress(s, ctx.now()) !== undefined);
  await pool(busy, SCHEDULE_CONCURRENCY, async (site) => {
    const join = await joinRunInProgress(ctx, site, "schedule", ALL_ENTITIES);
    if (join) missing.set(site.id, join.missing);
  });
  const inputs = enabled.flatMap((site) => {
    const lacking = missing.get(site.id);
    if (lacking?.length === 0) return [];
    return [
      {
        siteId: site.id,
        trigger: "schedule" as const,
        coalesce: true,
        ...(lacking ? { entities: lacking } : {}),
      },
    ];
  });
  const batches: (typeof inputs)[] = [];
  for (let i = 0; i < inputs.length; i += SCHEDULE_BATCH) batches.push(inputs.slice(i, i + SCHEDULE_BATCH));
  let runs = 0;
  let messages = 0;
  await pool(batches, SCHEDULE_CONCURRENCY, async (batch) => {
    const started = await startMany(
      ctx,
      batch.map((input) => StartInput.parse(input)),
      { siteLastRun: false },
    );
    for (const s of started) {
      if (s.run) runs++;
      messages += s.entities.length;
    }
  });
  // The backstop of site deletions a stopped consumer left unfinished.
  const deletions_finished = await Control.finishDeletions(ctx, deleting);
  return {
    runs,
    messages,
    skipped: sites.length - enabled.length,
    joined: missing.size,
    deletions_finished,
  };
}
