/**
 * The CSV export's cost: 100,000 orders through the export's stream, as the route writes them, with the
 * live heap sampled (packages/testing/src/exports.ts; the test holds it under 16 MB).
 */
import { measureOrdersExport } from "@dashboard/testing/exports";
import type { BenchReport } from "./report";
import { round } from "./stats";

export async function exportsScenario(report: Partial<BenchReport>): Promise<void> {
  const m = await measureOrdersExport(100_000);
  report.exports = {
    orders_100k: {
      ms: round(m.ms, 0),
      peak_heap_mb: round(m.peak_heap_mb, 1),
      mb: round(m.bytes / 1024 / 1024, 1),
    },
  };
}
