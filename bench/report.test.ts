import { describe, expect, it } from "vitest";
import { type BenchReport, checkTargets, renderReport } from "./report";

const meta: BenchReport["meta"] = {
  size: "small",
  started_at: "2026-01-01T00:00:00.000Z",
  duration_s: 1,
  node: "v24",
  machine: "test",
  scenarios: [],
  load_average: { start: 0, end: 0 },
};

const met = (r: BenchReport, metric: string) => checkTargets(r).find((c) => c.metric === metric)?.met;

describe("checkTargets", () => {
  it("holds every measured figure to its target, at the boundary too", () => {
    const r: BenchReport = {
      meta,
      speedup_vs_naive: 5,
      limit: {
        fetch_only_s: 1,
        write_only_s: 7,
        efficiency: 0.69,
        fetch_pages: 1,
        write_requests: 1,
        fetch_cpu_s: { dynamodb_local: 0, consumer: 0, bench: 0 },
        write_cpu_s: { dynamodb_local: 0, consumer: 0, bench: 0 },
      },
      resync_unchanged: {
        records: 1,
        write_requests: 1,
        seconds: 1,
        stats_history_writes: 1,
        bookkeeping_writes: 9,
      },
      webhook_to_visible_ms: { n: 1, p50: 1, p95: 1999, max: 1999, site_records: 1 },
      read_api_ms: { items_in_table: 1, n: 1, p50: 1, p99: 50, max: 50 },
      fanout: { sites: 1000, messages: 7000, seconds: 2.99, runs: 1000 },
      bundles: {
        api: {
          bytes: 400 * 1024,
          init_ms: 150.1,
          bytes_all_inside: 1,
          init_ratio: 3.01,
          process_ms: 180.6,
          empty_process_ms: 60,
        },
      },
      latency_aws: {
        profile: {
          dynamodb: { median_ms: 5, p99_ms: 20 },
          sqs: { median_ms: 20, p99_ms: 100 },
          template_ms: 100,
          seed: 1,
        },
        speedup_vs_naive: 20,
        efficiency: 0.79,
      },
      large_entity: {
        records: 100_000,
        peak_rss_mb: 256,
        seconds: 1,
        idle_rss_mb: 80,
        peak_heap_used_mb: 100,
        peak_heap_total_mb: 120,
        peak_external_mb: 10,
        with_node_options: { node_options: "--x", peak_rss_mb: 257, seconds: 1, peak_heap_total_mb: 1 },
      },
    };
    expect(met(r, "speedup vs naive")).toBe(true);
    expect(met(r, "efficiency")).toBe(false);
    expect(met(r, "resync write requests")).toBe(false);
    expect(met(r, "webhook → visible p95 (ms)")).toBe(true);
    expect(met(r, "read API p99 (ms)")).toBe(false);
    expect(met(r, "fan-out, 1,000 sites (s)")).toBe(true);
    expect(met(r, "bundle api (KB)")).toBe(true);
    expect(met(r, "bundle api init (ms)")).toBe(false);
    expect(met(r, "bundle api init ratio")).toBe(false);
    expect(met(r, "AWS latency: speedup vs naive")).toBe(true);
    expect(met(r, "AWS latency: efficiency")).toBe(false);
    expect(met(r, "large entity peak RSS (MB)")).toBe(true);
    expect(met(r, "  with NODE_OPTIONS (MB)")).toBe(false);
  });

  it("leaves unmeasured targets undecided and prints them as such", () => {
    const r: BenchReport = { meta };
    expect(checkTargets(r).every((c) => c.met === undefined)).toBe(true);
    expect(renderReport(r)).toContain("speedup vs naive");
    expect(renderReport(r)).not.toMatch(/ NO$/m);
  });
});
