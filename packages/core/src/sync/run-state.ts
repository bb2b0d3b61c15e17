/**
 * The updates that span a run and its site, owned by the sync: the run store writes runs only, and the
 * site's `last_run` (the overview's status of each site) follows the run here, as it is created, starts,
 * retries and finishes. A finished run's site write also carries what its entities synced (their live
 * counts and sync times), so an unchanged scheduled run writes its site twice: running, then finished.
 */
import type { Ctx } from "../context";
import type { Entity } from "../entity";
import type { EntityResult, Run } from "../run";
import * as RunStore from "../run";
import * as SiteStore from "../site";

/** The first entity error of a run (in the order a run lists its entities), with its entity. */
const firstError = (entities: Run["entities"]): SiteStore.LastRunError | undefined => {
  for (const [entity, r] of Object.entries(entities) as [Entity, EntityResult][]) {
    if (r.error && (r.status === "failed" || r.status === "retrying")) return { entity, ...r.error };
  }
  return undefined;
};

/** A finalised run on its site: its status, when it finished, why when it failed, and what it synced. */
export async function showFinished(ctx: Ctx, finalised: RunStore.Finalised | undefined): Promise<void> {
  if (!finalised) return;
  const { run, synced } = finalised;
  const error = firstError(run.entities);
  await SiteStore.recordRun(
    ctx,
    run.site_id,
    {
      run_id: run.run_id,
      status: run.status,
      ...(run.finished_at ? { finished_at: run.finished_at } : {}),
      ...(run.status === "failed" && error ? { error } : {}),
    },
    synced,
  );
}

/**
 * Creates runs, queued (RunStore.createMany), then, unless `siteLastRun` is false, each site's `last_run`.
 * Without it the site shows the run once its first entity starts (`startEntity`).
 */
export async function createRuns(
  ctx: Ctx,
  inputs: readonly RunStore.NewRun[],
  { siteLastRun = true }: { siteLastRun?: boolean } = {},
): Promise<Run[]> {
  const runs = await RunStore.createMany(ctx, inputs);
  if (siteLastRun) {
    await Promise.all(
      runs.map((run) => SiteStore.recordRun(ctx, run.site_id, { run_id: run.run_id, status: run.status })),
    );
  }
  return runs;
}

/**
 * Marks an entity as started, with the run as just read (RunStore.startEntity); the site shows the run running
 * when the run starts with it or the entity comes back from `retrying`. False when the run was asked to stop
 * or the entity finished already. `run`: as just read, or only its ids (then it is read).
 */
export async function startEntity(
  ctx: Ctx,
  run: Run | Pick<Run, "run_id" | "site_id">,
  entity: Entity,
): Promise<boolean> {
  const started = await RunStore.startEntity(ctx, "entities" in run ? run : run.run_id, entity);
  if (!started.started) return false;
  if (started.showRunning)
    await SiteStore.recordRun(ctx, run.site_id, { run_id: run.run_id, status: "running" });
  return true;
}

/**
 * Records an entity's final result once (RunStore.completeEntity); a run it finalised shows on its site.
 * `liveCount`: the entity's live records after a successful scan, for the site's counts.
 */
export async function completeEntity(
  ctx: Ctx,
  runId: string,
  entity: Entity,
  result: EntityResult,
  liveCount?: number,
): Promise<{ recorded: boolean; run?: Run }> {
  const done = await RunStore.completeEntity(ctx, runId, entity, result, liveCount);
  await showFinished(ctx, done.finalised);
  return done.finalised ? { recorded: done.recorded, run: done.finalised.run } : { recorded: done.recorded };
}

/** Finalises the run when every entity has reported (RunStore.finaliseIfDone), and shows it on its site. */
export async function finaliseIfDone(ctx: Ctx, runId: string): Promise<Run | undefined> {
  const finalised = await RunStore.finaliseIfDone(ctx, runId);
  await showFinished(ctx, finalised);
  return finalised?.run;
}

/**
 * An attempt failed and another is planned (RunStore.markRetrying): the site's last run says it is retrying,
 * with why (the overview counts it "à surveiller"). Ignored once the entity finished.
 */
export async function markRetrying(
  ctx: Ctx,
  run: Pick<Run, "run_id" | "site_id">,
  entity: Entity,
  notice: RunStore.RetryNotice,
): Promise<void> {
  if (!(await RunStore.markRetrying(ctx, run, entity, notice))) return;
  await SiteStore.recordRun(ctx, run.site_id, {
    run_id: run.run_id,
    status: "running",
    retrying: true,
    error: { entity, ...notice.error },
  });
}
