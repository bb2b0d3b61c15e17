/**
 * For the export measurements: a page source of synthetic stored orders (made page by page, never held
 * together), and heap sampling with a real garbage collection before the baseline and at the end.
 */
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { csvStream, EXPORT_PAGE_SIZE, LISTS } from "@dashboard/core/export";

/** The same page of orders as `Records.list` gives (stored `data`), numbered from `first`. */
function orders(first: number, count: number): Record<string, unknown>[] {
  return Array.from({ length: count }, (_, i) => {
    const id = first + i;
    return {
      id,
      customer_name: `Élodie Dupré ${id}`,
      email: `client.${id}@example.fr`,
      total_price: 1250.5,
      order_date: "2025-03-01 10:11:12",
      status: id % 3 === 0 ? "Livrée" : "En attente",
      items: [
        { painting_id: id, name: "Étude en bleu, n°2", image: "Images/a.jpg", price: 1000, quantity: 1 },
        { painting_id: id + 1, name: 'Nu "assis"', image: null, price: 250.5, quantity: 1 },
      ],
      site_name: "Atelier Synthétique",
      site_id: "synthetic",
      template_url: "https://synthetic.example",
      sync_timestamp: "2026-12-07T10:00:00.000Z",
      quality: [],
    };
  });
}

/** `total` orders served in pages of `pageSize`, each page made when it is asked for. */
export const syntheticOrderPages =
  (total: number, pageSize: number) =>
  async (cursor: string | undefined): Promise<{ items: unknown[]; next_cursor?: string }> => {
    const start = cursor ? Number(cursor) : 0;
    const items = orders(start + 1, Math.min(pageSize, total - start));
    const next = start + pageSize;
    return next < total ? { items, next_cursor: String(next) } : { items };
  };

/** A full garbage collection (`--expose-gc` set at run time: the test runner's workers start without it). */
export const gc: () => void = (() => {
  setFlagsFromString("--expose-gc");
  return runInNewContext("gc") as () => void;
})();

/**
 * Heap growth over a baseline, both taken after a full collection: what the work holds on to (live
 * objects), not the garbage V8 lets pile up before it collects. `sample()` as often as wanted (each one
 * collects first, so not after every small step), `peakMb()` at the end.
 */
export function heapMeter() {
  gc();
  const baseline = process.memoryUsage().heapUsed;
  let peak = baseline;
  return {
    sample() {
      gc();
      const used = process.memoryUsage().heapUsed;
      if (used > peak) peak = used;
    },
    /** The highest heap seen above the baseline, in MB. */
    peakMb: () => (peak - baseline) / (1024 * 1024),
  };
}

export interface ExportMeasure {
  ms: number;
  /** The live heap's highest growth over the baseline, sampled after a full collection every 10 chunks. */
  peak_heap_mb: number;
  bytes: number;
  lines: number;
}

/**
 * `total` synthetic orders through the export's stream exactly as the route writes them (`csvStream`, the
 * orders' columns, pages of `EXPORT_PAGE_SIZE`), the text counted and dropped chunk by chunk.
 */
export async function measureOrdersExport(total: number): Promise<ExportMeasure> {
  const meter = heapMeter();
  const started = performance.now();
  let bytes = 0;
  let lines = 0;
  let n = 0;
  const chunks = await csvStream(LISTS.orders, syntheticOrderPages(total, EXPORT_PAGE_SIZE), {
    separator: ";",
    mask: false,
  });
  for await (const chunk of chunks) {
    if (++n % 10 === 0) meter.sample();
    bytes += Buffer.byteLength(chunk);
    for (let i = chunk.indexOf("\r\n"); i !== -1; i = chunk.indexOf("\r\n", i + 2)) lines++;
  }
  meter.sample();
  return { ms: performance.now() - started, peak_heap_mb: meter.peakMb(), bytes, lines };
}
