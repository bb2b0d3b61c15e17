/** Sync (API-CONTRACT.md "Sync"): the manual sync (the seed's route) and the runs it and others create. */
import type { Ctx } from "@dashboard/core/context";
import * as Control from "@dashboard/core/control";
import { VisibleError } from "@dashboard/core/error";
import { maskPersonalData } from "@dashboard/core/privacy";
import { seesPersonalData } from "@dashboard/core/role";
import * as RunStore from "@dashboard/core/run";
import * as Sync from "@dashboard/core/sync";
import type { Context } from "hono";
import { type ApiApp, errors, json, routesOf } from "../openapi";
import {
  InvalidQuery,
  InvalidRecord,
  page,
  Run,
  RunParams,
  RunsQuery,
  SiteParams,
  SyncAccepted,
  SyncBody,
  SyncQuery,
  SyncSummary,
} from "../schemas";
import { summarise, type WaitOptions, waitForRun } from "../sync-summary";

const route = routesOf("Sync");

export const manualSyncRoute = route(
  { role: "operator", audit: "sync.started" },
  "POST /api/sync/template/{site_id}",
  {
    summary: "Sync a site now",
    description:
      "Queues one sync per entity. With `wait`, waits up to that many seconds for the run to end (finished or cancelled): 200 with the seed's summary when it did, 202 otherwise.",
    request: {
      params: SiteParams,
      query: SyncQuery,
      body: { required: false, ...json(SyncBody, "Which entities (default: all)") },
    },
    responses: {
      200: json(SyncSummary, "The run ended (finished or cancelled) within `wait`"),
      202: json(SyncAccepted, "The run is queued or running; follow it at /api/sync/runs/{run_id}"),
      ...errors(400, 404, 413),
    },
  },
);

export const listRunsRoute = route({ role: "viewer" }, "GET /api/sync/runs", {
  summary: "Sync runs, newest first",
  request: { query: RunsQuery },
  responses: { 200: json(page(Run), "A page of runs"), ...errors(400) },
});

export const getRunRoute = route({ role: "viewer" }, "GET /api/sync/runs/{run_id}", {
  summary: "One run with its log",
  request: { params: RunParams },
  responses: { 200: json(Run, "The run"), ...errors(404) },
});

export const cancelRunRoute = route(
  { role: "operator", audit: "sync.cancelled" },
  "POST /api/sync/runs/{run_id}/cancel",
  {
    summary: "Stop a run",
    description:
      "Entities not finished end `cancelled`; a scan in progress stops at its next page. Nothing is deleted. A run already finished is a 409.",
    request: { params: RunParams },
    responses: { 200: json(Run, "The run, cancelled"), ...errors(404, 409) },
  },
);

export const runInvalidRoute = route({ role: "viewer" }, "GET /api/sync/runs/{run_id}/invalid", {
  summary: "The records a run rejected, with why",
  description: "E-mail addresses in the raw copies come masked to a viewer.",
  request: { params: RunParams, query: InvalidQuery },
  responses: { 200: json(page(InvalidRecord), "A page of rejected records"), ...errors(400, 404) },
});

/** Time kept back, in Lambda, to answer 202 before the function's own timeout. */
const ANSWER_MARGIN_MS = 3_000;

/** `wait` in ms, cut to what the Lambda invocation has left (the local runtime has no such limit). */
function waitBudgetMs(c: Context, waitSeconds: number): number {
  const lambda = (c.env as { lambdaContext?: { getRemainingTimeInMillis?: () => number } } | undefined)
    ?.lambdaContext;
  const remaining = lambda?.getRemainingTimeInMillis?.();
  const asked = waitSeconds * 1000;
  return typeof remaining === "number" ? Math.min(asked, remaining - ANSWER_MARGIN_MS) : asked;
}

export function registerSyncRoutes(app: ApiApp, ctx: Ctx, waitOptions: WaitOptions = {}): void {
  app.openapi(manualSyncRoute, async (c) => {
    const { site_id } = c.req.valid("param");
    const { wait } = c.req.valid("query");
    const { entities } = c.req.valid("json");
    const started = await Sync.start(ctx, { siteId: site_id, trigger: "manual", entities });
    // A manual sync does not coalesce, so it always creates a run.
    const run = started.run;
    if (!run) throw new Error("a manual sync created no run");
    const finished = await waitForRun(ctx, run.run_id, waitBudgetMs(c, wait), waitOptions);
    if (finished) return c.json(summarise(finished), 200);
    const current = wait > 0 ? await RunStore.get(ctx, run.run_id) : run;
    return c.json(
      {
        run_id: run.run_id,
        status: current.status === "queued" ? ("queued" as const) : ("running" as const),
        entities: started.entities,
      },
      202,
    );
  });

  app.openapi(listRunsRoute, async (c) => {
    const { site_id, limit, cursor } = c.req.valid("query");
    return c.json(await RunStore.list(ctx, { siteId: site_id, limit, cursor }), 200);
  });

  app.openapi(getRunRoute, async (c) =>
    c.json(await RunStore.get(ctx, c.req.valid("param").run_id, { withLog: true }), 200),
  );

  app.openapi(cancelRunRoute, async (c) => {
    const { run, cancelled } = await Control.cancelRun(ctx, c.req.valid("param").run_id);
    if (!cancelled) {
      throw new VisibleError(
        "conflict",
        "run_finished",
        `Run ${run.run_id} already finished (${run.status})`,
      );
    }
    return c.json(run, 200);
  });

  app.openapi(runInvalidRoute, async (c) => {
    const { entity, limit, cursor } = c.req.valid("query");
    const found = await RunStore.invalidRecords(ctx, c.req.valid("param").run_id, { entity, limit, cursor });
    // Raw copies of rejected records may hold e-mail addresses: a viewer sees them masked.
    return c.json(seesPersonalData(c.get("actor").role) ? found : maskPersonalData(found), 200);
  });
}
