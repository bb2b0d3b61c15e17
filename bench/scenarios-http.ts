/**
 * The measurements through HTTP and the queue: webhook → visible, the read API, and the scheduler's fan-out.
 */
import { GetQueueAttributesCommand } from "@aws-sdk/client-sqs";
import { API_MEMORY_MB, SCHEDULER_MEMORY_MB } from "@dashboard/config";
import * as Records from "@dashboard/core/record";
import * as SiteStore from "@dashboard/core/site";
import { batchWrite, type Item, putRequest } from "@dashboard/core/store/db";
import { RECORD_SCHEMAS } from "@dashboard/core/template/schema";
import { sleep } from "@dashboard/core/util/sleep";
import { signatureHeader } from "@dashboard/core/webhook";
import { generateData, type Sim, servedRecords } from "@dashboard/template-sim";
import { addUsage, NO_USAGE, scaleUsage, type Usage, usageOf } from "./cost";
import {
  API_KEY,
  type BenchContext,
  consumeJob,
  scaled,
  siteInput,
  timedSync,
  waitForRun,
  withChild,
  withSim,
  withStage,
} from "./harness";
import type { ChildUsage } from "./protocol";
import type { BenchReport } from "./report";
import { percentile, round } from "./stats";

// ---- webhook → visible ------------------------------------------------------------------------------------

/** The site a webhook refreshes: an artist with a large catalogue, not the 90,000-record stress case. */
const webhookSizes = { paintings: 2_000, users: 1_000, orders: 500 };

export async function webhookToVisible(b: BenchContext, report: Partial<BenchReport>) {
  const n = b.scale < 1 ? 10 : 20;
  await withStage(b, "webhook", (stage) =>
    withSim(b, { apiKey: API_KEY, seed: 21, sizes: webhookSizes }, async (sim) => {
      // Webhook-triggered syncs of one site start at most once per MIN_SYNC_INTERVAL_SECONDS (a burst waits
      // for the interval's end): each sample is a site's first event, on its own site, all on one Template.
      const sites: { siteId: string; secret: string }[] = [];
      for (let i = 0; i < n; i++) {
        const siteId = `webhook-${i}`;
        const { webhook_secret } = await SiteStore.create(stage.ctx, siteInput(siteId, sim));
        sites.push({ siteId, secret: webhook_secret });
      }
      await withChild(b, stage, consumeJob(stage), () =>
        withChild(b, stage, { mode: "http" }, async (http) => {
          const base = `http://127.0.0.1:${http.port}`;
          let initial = { records: 0 };
          for (const { siteId } of sites) initial = await timedSync(stage.ctx, siteId, ["paintings"]);
          const samples: number[] = [];
          for (const [i, { siteId, secret: webhook_secret }] of sites.entries()) {
            const { id, expected } = changeOnePainting(sim);
            const body = JSON.stringify({
              event: "painting_updated",
              site_id: siteId,
              event_id: `bench-${i}`,
            });
            const started = performance.now();
            const accepted = await fetch(`${base}/api/sync/webhook/template`, {
              method: "POST",
              headers: {
                "content-type": "application/json",
                "x-template-signature": signatureHeader(webhook_secret, body),
              },
              body,
            });
            if (accepted.status !== 202)
              throw new Error(`webhook answered ${accepted.status}: ${await accepted.text()}`);
            const { run_id } = (await accepted.json()) as { run_id?: string };
            await waitVisible(base, b.services.adminToken, siteId, id, expected);
            samples.push(performance.now() - started);
            // The next event comes once this one's run is over, as edits by a person do.
            if (run_id) await waitForRun(stage.ctx, run_id, 60_000, 50);
          }
          report.webhook_to_visible_ms = {
            n: samples.length,
            p50: round(percentile(samples, 50) ?? 0, 0),
            p95: round(percentile(samples, 95) ?? 0, 0),
            max: round(Math.max(...samples), 0),
            site_records: initial.records,
          };
        }),
      );
    }),
  );
}

/**
 * Edits one painting at the Template and returns it as the Dashboard must then store it. The simulator
 * serves a few deliberately invalid paintings (quarantined, never stored): an edit that leaves one invalid
 * is followed by another.
 */
function changeOnePainting(sim: Sim): { id: number; expected: Record<string, unknown> } {
  for (let attempt = 0; attempt < 50; attempt++) {
    const [changed] = sim.change("paintings", 1);
    if (!changed) break;
    const served = servedRecords(sim.data, "paintings").find((p) => p.id === changed.id);
    const parsed = RECORD_SCHEMAS.paintings.safeParse(served);
    if (parsed.success) return { id: changed.id, expected: parsed.data as Record<string, unknown> };
  }
  throw new Error("template-sim gave no valid edited painting");
}

/** Polls the admin API until the record it returns holds every expected field. */
async function waitVisible(
  base: string,
  token: string,
  siteId: string,
  id: number,
  expected: Record<string, unknown>,
) {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const res = await fetch(`${base}/api/sites/${siteId}/paintings/${id}`, {
      headers: { authorization: `Bearer ${token}` },
    });
    if (res.status === 200) {
      const got = (await res.json()) as Record<string, unknown>;
      if (Object.keys(expected).every((k) => JSON.stringify(got[k]) === JSON.stringify(expected[k]))) return;
    } else if (res.status !== 404) {
      throw new Error(`GET painting ${id} answered ${res.status}: ${await res.text()}`);
    } else {
      await res.arrayBuffer();
    }
    if (Date.now() > deadline) throw new Error(`painting ${id} not visible after 60 s`);
    await sleep(20);
  }
}

// ---- read API ---------------------------------------------------------------------------------------------

/** Returns what one API request used (the cost model's admin requests). */
export async function readApi(b: BenchContext, report: Partial<BenchReport>): Promise<Usage> {
  let apiUsage: ChildUsage | undefined;
  const sites = 50;
  const perSite = scaled(b, 2_000);
  const n = b.scale < 1 ? 200 : 500;
  await withStage(b, "read", async (stage) => {
    b.log(`loading ${sites * perSite} paintings across ${sites} sites…`);
    // The simulator serves a few invalid paintings on purpose; generate enough valid ones for every site.
    const data = generateData({
      seed: 31,
      sizes: { paintings: Math.ceil(perSite * 1.2), users: 0, orders: 0 },
    });
    const records = servedRecords(data, "paintings")
      .flatMap((raw) => {
        const parsed = RECORD_SCHEMAS.paintings.safeParse(raw);
        return parsed.success ? [parsed.data as { id: number } & Record<string, unknown>] : [];
      })
      .slice(0, perSite);
    const url = "https://artiste.example";
    const now = new Date().toISOString();
    const items: Item[] = [];
    for (let s = 0; s < sites; s++) {
      const siteId = `site-${String(s).padStart(2, "0")}`;
      for (const record of records)
        items.push(Records.toItem(siteId, "paintings", record, url, now, Records.recordHash(record, url)));
    }
    await batchWrite(stage.ctx, items.map(putRequest), { concurrency: 8 });
    await withChild(b, stage, { mode: "http" }, async (http) => {
      const get = async (site: number) => {
        const siteId = `site-${String(site).padStart(2, "0")}`;
        const started = performance.now();
        const res = await fetch(`http://127.0.0.1:${http.port}/api/paintings?site_id=${siteId}&limit=50`, {
          headers: { authorization: `Bearer ${b.services.adminToken}` },
        });
        const body = (await res.json()) as { items?: unknown[] };
        const ms = performance.now() - started;
        if (res.status !== 200 || body.items?.length !== 50) {
          throw new Error(`GET /api/paintings answered ${res.status} with ${body.items?.length} items`);
        }
        return ms;
      };
      for (let i = 0; i < 20; i++) await get(i % sites);
      await http.snapshot(true);
      const samples: number[] = [];
      for (let i = 0; i < n; i++) samples.push(await get((i * 7) % sites));
      apiUsage = (await http.snapshot(true)).usage;
      report.read_api_ms = {
        items_in_table: items.length,
        n: samples.length,
        p50: round(percentile(samples, 50) ?? 0, 1),
        p99: round(percentile(samples, 99) ?? 0, 1),
        max: round(Math.max(...samples), 1),
      };
    });
  });
  if (!apiUsage) throw new Error("read API: no usage measured");
  const requests = apiUsage.lambda.invocations || 1;
  return scaleUsage(
    addUsage(usageOf({ ...apiUsage, lambda: { ...apiUsage.lambda, memory_mb: API_MEMORY_MB } }), {
      api_requests: apiUsage.lambda.invocations,
    }),
    1 / requests,
  );
}

// ---- fan-out -------------------------------------------------------------------------------------------

/** Returns what the scheduler's tick used for the 1,000 sites (the cost model's fleet share). */
export async function fanout(b: BenchContext, report: Partial<BenchReport>): Promise<Usage> {
  let tick: Usage = NO_USAGE;
  const sites = 1_000;
  await withStage(b, "fanout", async (stage) => {
    b.log(`registering ${sites} sites…`);
    let next = 0;
    await Promise.all(
      Array.from({ length: 16 }, async () => {
        while (next < sites) {
          const i = next++;
          await SiteStore.create(stage.ctx, {
            id: `artiste-${String(i).padStart(4, "0")}`,
            name: `Artiste ${i}`,
            template_url: `https://artiste-${i}.example`,
            api_key: `key-${i}-${API_KEY}`,
          });
        }
      }),
    );
    const result = await withChild(b, stage, { mode: "schedule" }, (c) => c.result());
    const { Attributes = {} } = await stage.sqs.send(
      new GetQueueAttributesCommand({
        QueueUrl: stage.queueUrl,
        AttributeNames: ["ApproximateNumberOfMessages"],
      }),
    );
    const queued = Number(Attributes.ApproximateNumberOfMessages ?? 0);
    if (queued !== result.messages)
      throw new Error(`scheduler reported ${result.messages} messages, queue holds ${queued}`);
    report.fanout = { sites, messages: queued, seconds: round(result.seconds), runs: result.records };
    tick = schedulerUsage(result.usage);
  });
  return tick;
}

export const schedulerUsage = (u: ChildUsage | undefined): Usage =>
  u ? usageOf({ ...u, lambda: { ...u.lambda, memory_mb: SCHEDULER_MEMORY_MB } }) : NO_USAGE;
