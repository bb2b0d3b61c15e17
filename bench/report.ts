/**
 * The benchmark's result: the JSON the issue fixes (keys of issue 6, plus a few more), the targets it is
 * held to, and the table printed at the end. Sections are optional only so that `--only` runs can report
 * what they measured; a full run fills every one.
 */
import { z } from "zod";
import { type Breakdown, CostReport } from "./cost";
import { LatencyProfile } from "./latency";
import { renderTable } from "./stats";

export const CpuSplit = z.object({ dynamodb_local: z.number(), consumer: z.number(), bench: z.number() });
export type CpuSplit = z.infer<typeof CpuSplit>;

const FullSync = z.object({
  records: z.number().int(),
  seconds: z.number(),
  records_per_s: z.number(),
  peak_rss_mb: z.number(),
  /** Records per entity, and the write requests the sync sent for them. */
  entities: z.record(z.string(), z.number().int()),
  record_write_requests: z.number().int(),
  /** DynamoDB commands the consumer sent, by operation. */
  dynamodb_requests: z.record(z.string(), z.number().int()),
  /** DynamoDB requests the consumer had in flight, on average over the sync, and the share of time with none. */
  dynamodb_occupancy: z.object({ mean_in_flight: z.number(), idle_share: z.number() }),
  /** Seconds each paged entity took inside the consumer. */
  entity_seconds: z.record(z.string(), z.number()),
  /** CPU seconds used meanwhile by DynamoDB Local, the consumer and the bench process (sim, SQS). */
  cpu_s: CpuSplit,
});

export const BenchReport = z.object({
  full_sync: FullSync.optional(),
  naive_baseline: z
    .object({
      records: z.number().int(),
      seconds: z.number(),
      records_per_s: z.number(),
      write_requests: z.number().int(),
    })
    .optional(),
  speedup_vs_naive: z.number().optional(),
  limit: z
    .object({
      fetch_only_s: z.number(),
      write_only_s: z.number(),
      efficiency: z.number(),
      fetch_pages: z.number().int(),
      write_requests: z.number().int(),
      fetch_cpu_s: CpuSplit,
      write_cpu_s: CpuSplit,
    })
    .optional(),
  resync_unchanged: z
    .object({
      records: z.number().int(),
      write_requests: z.number().int(),
      seconds: z.number(),
      /** Writes that are not records: one stats history item, and the run's own bookkeeping. */
      stats_history_writes: z.number().int(),
      bookkeeping_writes: z.number().int(),
    })
    .optional(),
  webhook_to_visible_ms: z
    .object({
      n: z.number().int(),
      p50: z.number(),
      p95: z.number(),
      max: z.number(),
      site_records: z.number().int(),
    })
    .optional(),
  read_api_ms: z
    .object({
      items_in_table: z.number().int(),
      n: z.number().int(),
      p50: z.number(),
      p99: z.number(),
      max: z.number(),
    })
    .optional(),
  fanout: z
    .object({
      sites: z.number().int(),
      messages: z.number().int(),
      seconds: z.number(),
      runs: z.number().int(),
    })
    .optional(),
  bundles: z
    .record(
      z.string(),
      z.object({
        bytes: z.number().int(),
        init_ms: z.number(),
        bytes_all_inside: z.number().int(),
        /** A fresh process that loads the bundle, from spawn to exit, over an empty one started the same way. */
        init_ratio: z.number(),
        process_ms: z.number(),
        empty_process_ms: z.number(),
      }),
    )
    .optional(),
  /** The full sync, the naive baseline and the halves of the pipeline with AWS's round trips injected. */
  latency_aws: z
    .object({
      profile: LatencyProfile,
      records: z.number().int().optional(),
      full_sync_s: z.number().optional(),
      naive_s: z.number().optional(),
      speedup_vs_naive: z.number().optional(),
      fetch_only_s: z.number().optional(),
      write_only_s: z.number().optional(),
      efficiency: z.number().optional(),
      dynamodb_occupancy: z.object({ mean_in_flight: z.number(), idle_share: z.number() }).optional(),
    })
    .optional(),
  cost: CostReport.optional(),
  large_entity: z
    .object({
      records: z.number().int(),
      peak_rss_mb: z.number(),
      seconds: z.number(),
      /** RSS of the consumer process before the sync (code, SDK clients: the floor). */
      idle_rss_mb: z.number(),
      peak_heap_used_mb: z.number(),
      peak_heap_total_mb: z.number(),
      peak_external_mb: z.number(),
      /** The same sync by a consumer run with NODE_OPTIONS that bound V8's young generation. */
      with_node_options: z.object({
        node_options: z.string(),
        peak_rss_mb: z.number(),
        seconds: z.number(),
        peak_heap_total_mb: z.number(),
      }),
    })
    .optional(),
  /** The change processor per 1,000 changed records (bench/changes-scenario.ts). */
  changes: z
    .object({
      changed_records: z.number(),
      history_entries: z.number(),
      events: z.number(),
      per_1000: z.object({
        invocations: z.number(),
        billed_ms: z.number(),
        read_units: z.number(),
        write_units: z.number(),
        usd: z.number(),
      }),
    })
    .optional(),
  /** CSV exports: 100,000 orders through the export's stream (bench/scenarios-exports.ts). */
  exports: z
    .object({
      orders_100k: z.object({ ms: z.number(), peak_heap_mb: z.number(), mb: z.number() }),
    })
    .optional(),
  meta: z.object({
    size: z.enum(["small", "default"]),
    started_at: z.string(),
    duration_s: z.number(),
    node: z.string(),
    machine: z.string(),
    /** 1-minute load average at the start and the end: other work on the machine skews every figure. */
    load_average: z.object({ start: z.number(), end: z.number() }),
    scenarios: z.array(z.string()),
  }),
});
export type BenchReport = z.infer<typeof BenchReport>;

export interface TargetCheck {
  metric: string;
  value: string;
  target: string;
  met: boolean | undefined;
}

const fmt = (n: number, digits = 0) => n.toLocaleString("en-US", { maximumFractionDigits: digits });

/** Every target of issue 6 against a report; `met` is undefined where the section was not measured. */
export function checkTargets(r: BenchReport): TargetCheck[] {
  const checks: TargetCheck[] = [];
  const add = (
    metric: string,
    target: string,
    value: number | undefined,
    ok: (v: number) => boolean,
    digits = 0,
  ) =>
    checks.push({
      metric,
      target,
      value: value === undefined ? "—" : fmt(value, digits),
      met: value === undefined ? undefined : ok(value),
    });
  add("speedup vs naive", "≥ 5", r.speedup_vs_naive, (v) => v >= 5, 1);
  add("efficiency", "≥ 0.7", r.limit?.efficiency, (v) => v >= 0.7, 2);
  add("resync write requests", "= 0", r.resync_unchanged?.write_requests, (v) => v === 0);
  add("webhook → visible p95 (ms)", "< 2,000", r.webhook_to_visible_ms?.p95, (v) => v < 2000);
  add("read API p99 (ms)", "< 50", r.read_api_ms?.p99, (v) => v < 50, 1);
  add("fan-out, 1,000 sites (s)", "< 3", r.fanout?.seconds, (v) => v < 3, 2);
  for (const [name, b] of Object.entries(r.bundles ?? {})) {
    add(`bundle ${name} (KB)`, "≤ 400", b.bytes / 1024, (v) => v <= 400, 1);
    add(`bundle ${name} init (ms)`, "≤ 150", b.init_ms, (v) => v <= 150, 1);
    add(`bundle ${name} init ratio`, "≤ 3", b.init_ratio, (v) => v <= 3, 2);
  }
  add("AWS latency: speedup vs naive", "≥ 20", r.latency_aws?.speedup_vs_naive, (v) => v >= 20, 1);
  add("AWS latency: efficiency", "≥ 0.8", r.latency_aws?.efficiency, (v) => v >= 0.8, 2);
  add("cost per site-month (USD)", "≤ 0.10", r.cost?.per_site_month_usd, (v) => v <= 0.1, 4);
  add("large entity peak RSS (MB)", "≤ 256", r.large_entity?.peak_rss_mb, (v) => v <= 256, 1);
  add("  with NODE_OPTIONS (MB)", "≤ 256", r.large_entity?.with_node_options.peak_rss_mb, (v) => v <= 256, 1);
  add("export 100k orders, heap (MB)", "< 16", r.exports?.orders_100k.peak_heap_mb, (v) => v < 16, 1);
  return checks;
}

/** The table printed at the end of a run: the measurements, then the targets. */
export function renderReport(r: BenchReport): string {
  const rows: string[][] = [];
  const row = (name: string, value: string, detail = "") => rows.push([name, value, detail]);
  if (r.full_sync) {
    const f = r.full_sync;
    row(
      "full sync",
      `${fmt(f.seconds, 1)} s`,
      `${fmt(f.records)} records, ${fmt(f.records_per_s)} rec/s, peak RSS ${fmt(f.peak_rss_mb)} MB`,
    );
    row(
      "  CPU meanwhile",
      `${fmt(f.cpu_s.dynamodb_local + f.cpu_s.consumer + f.cpu_s.bench, 1)} s`,
      `DynamoDB Local ${fmt(f.cpu_s.dynamodb_local, 1)} s, consumer ${fmt(f.cpu_s.consumer, 1)} s, sim+SQS ${fmt(f.cpu_s.bench, 1)} s`,
    );
  }
  if (r.naive_baseline) {
    const n = r.naive_baseline;
    row(
      "naive baseline",
      `${fmt(n.seconds, 1)} s`,
      `${fmt(n.records)} records, ${fmt(n.records_per_s)} rec/s`,
    );
  }
  if (r.speedup_vs_naive !== undefined) row("speedup vs naive", `${fmt(r.speedup_vs_naive, 1)}×`);
  if (r.limit) {
    const l = r.limit;
    row(
      "fetch only",
      `${fmt(l.fetch_only_s, 1)} s`,
      `${fmt(l.fetch_pages)} pages; CPU: fetcher ${fmt(l.fetch_cpu_s.consumer, 1)} s, sim ${fmt(l.fetch_cpu_s.bench, 1)} s`,
    );
    row(
      "write only",
      `${fmt(l.write_only_s, 1)} s`,
      `${fmt(l.write_requests)} BatchWriteItem requests; CPU: DynamoDB Local ${fmt(l.write_cpu_s.dynamodb_local, 1)} s, writer ${fmt(l.write_cpu_s.consumer, 1)} s`,
    );
    row("efficiency", fmt(l.efficiency, 2), "max(fetch, write) / full sync");
  }
  if (r.resync_unchanged) {
    const s = r.resync_unchanged;
    row(
      "resync, unchanged",
      `${fmt(s.seconds, 1)} s`,
      `${fmt(s.write_requests)} record writes (${fmt(s.stats_history_writes)} stats history, ${fmt(s.bookkeeping_writes)} bookkeeping)`,
    );
  }
  if (r.webhook_to_visible_ms) {
    const w = r.webhook_to_visible_ms;
    row("webhook → visible", `p95 ${fmt(w.p95)} ms`, `p50 ${fmt(w.p50)} ms, max ${fmt(w.max)} ms, n=${w.n}`);
  }
  if (r.read_api_ms) {
    const a = r.read_api_ms;
    row(
      "read API, 50 paintings",
      `p99 ${fmt(a.p99, 1)} ms`,
      `p50 ${fmt(a.p50, 1)} ms, n=${a.n}, ${fmt(a.items_in_table)} in table`,
    );
  }
  if (r.fanout) {
    const f = r.fanout;
    row("fan-out", `${fmt(f.seconds, 2)} s`, `${fmt(f.sites)} sites, ${fmt(f.messages)} messages`);
  }
  for (const [name, b] of Object.entries(r.bundles ?? {})) {
    row(
      `bundle ${name}`,
      `${fmt(b.bytes / 1024, 1)} KB`,
      `init ${fmt(b.init_ms, 1)} ms, ratio ${fmt(b.init_ratio, 2)} (${fmt(b.process_ms)} / ${fmt(b.empty_process_ms)} ms); ${fmt(b.bytes_all_inside / 1024, 1)} KB with the AWS SDK and every zod locale inside`,
    );
  }
  if (r.latency_aws) {
    const a = r.latency_aws;
    const s = (v: number | undefined) => (v === undefined ? "—" : `${fmt(v, 1)} s`);
    row(
      "AWS latency: full sync",
      s(a.full_sync_s),
      `DynamoDB ${a.profile.dynamodb.median_ms}/${a.profile.dynamodb.p99_ms} ms, SQS ${a.profile.sqs.median_ms}/${a.profile.sqs.p99_ms} ms (median/p99), Template ${a.profile.template_ms} ms`,
    );
    row("AWS latency: naive", s(a.naive_s));
    if (a.speedup_vs_naive !== undefined) row("AWS latency: speedup", `${fmt(a.speedup_vs_naive, 1)}×`);
    row("AWS latency: fetch / write only", `${s(a.fetch_only_s)} / ${s(a.write_only_s)}`);
    if (a.efficiency !== undefined) row("AWS latency: efficiency", fmt(a.efficiency, 2));
  }
  if (r.cost) {
    const c = r.cost;
    const usd = (v: number) => `$${fmt(v, 4)}`;
    const lines = (b: Breakdown) =>
      `Lambda ${usd(b.lambda)}, SQS ${usd(b.sqs)}, DynamoDB reads ${usd(b.dynamodb_reads)}, writes ${usd(b.dynamodb_writes)}, storage ${usd(b.dynamodb_storage)}, API Gateway ${usd(b.api_gateway)}, Scheduler ${usd(b.scheduler)}`;
    row(
      `cost per site-month (${fmt(c.sites)} sites)`,
      usd(c.per_site_month_usd),
      `${lines(c.breakdown)}; most: ${c.dominant} (${c.region}, prices of ${c.prices_as_of})`,
    );
    row(
      "cost, one site alone",
      usd(c.alone.per_site_month_usd),
      `${lines(c.alone.breakdown)}; most: ${c.alone.dominant}`,
    );
    const t = c.unchanged_sync;
    row(
      "  unchanged sync",
      `${fmt(t.dynamodb_requests)} req`,
      `${fmt(t.dynamodb_read_units, 1)} RRU, ${fmt(t.dynamodb_write_units, 1)} WRU, ${fmt(t.sqs_requests)} SQS, ${fmt(t.consumer_invocations)} invocations ${fmt(t.consumer_billed_ms)} ms, ${fmt(t.consumer_billed_ms_at_memory)} ms at its memory (CPU ${fmt(t.consumer_cpu_s, 2)} s, peak RSS ${fmt(t.consumer_peak_rss_mb)} MB)`,
    );
  }
  if (r.large_entity) {
    const l = r.large_entity;
    row(
      "large entity",
      `${fmt(l.peak_rss_mb)} MB`,
      `${fmt(l.records)} records in ${fmt(l.seconds, 1)} s; idle ${fmt(l.idle_rss_mb)} MB, heap ≤ ${fmt(l.peak_heap_used_mb)} MB used / ${fmt(l.peak_heap_total_mb)} MB, off-heap ≤ ${fmt(l.peak_external_mb)} MB`,
    );
    row(
      "  with NODE_OPTIONS",
      `${fmt(l.with_node_options.peak_rss_mb)} MB`,
      `${l.with_node_options.node_options}: ${fmt(l.with_node_options.seconds, 1)} s, heap ≤ ${fmt(l.with_node_options.peak_heap_total_mb)} MB`,
    );
  }
  if (r.changes) {
    const c = r.changes;
    row(
      "change processor, per 1,000 changed records",
      `$${fmt(c.per_1000.usd, 5)}`,
      `${fmt(c.per_1000.invocations, 1)} invocations, ${fmt(c.per_1000.billed_ms)} billed ms, ${fmt(c.per_1000.write_units)} WCU, ${fmt(c.per_1000.read_units)} RCU (${c.changed_records} changed: ${c.history_entries} history entries, ${c.events} events)`,
    );
  }
  if (r.exports) {
    const e = r.exports.orders_100k;
    row(
      "export, 100,000 orders",
      `${fmt(e.ms)} ms`,
      `${fmt(e.mb, 1)} MB of CSV, live heap +${fmt(e.peak_heap_mb, 1)} MB`,
    );
  }
  const measured = renderTable(["measure", "value", "detail"], rows);
  const targets = renderTable(
    ["target", "value", "goal", "met"],
    checkTargets(r).map((c) => [
      c.metric,
      c.value,
      c.target,
      c.met === undefined ? "—" : c.met ? "yes" : "NO",
    ]),
  );
  return `${measured}\n\n${targets}`;
}
