/**
 * 100,000 orders through the export's stream, in constant memory: the same generator as the API's route
 * (`csvStream`, the orders' columns), fed pages of 1,000 synthetic stored orders (the route's page size),
 * each page made when asked for. Every 10th chunk (100 samples), the live heap is measured after a full
 * collection; its growth over the baseline stays under the bound whatever the number of orders (holding
 * the 40 MB of CSV text, or the 100,000 parsed orders, would not).
 * The same route over orders stored in DynamoDB Local: packages/functions/test/http/export.test.ts.
 */
import { heapMeter, syntheticOrderPages } from "@dashboard/testing/exports";
import { describe, expect, it } from "vitest";
import { csvStream, EXPORT_PAGE_SIZE, LISTS } from "../../src/export";

/** The stated bound: heap growth while streaming 100,000 orders. */
const HEAP_BOUND_MB = 16;

describe("exporting 100,000 orders", () => {
  it(`streams them with the heap growing less than ${HEAP_BOUND_MB} MB`, async () => {
    const total = 100_000;
    const meter = heapMeter();
    const started = performance.now();
    let bytes = 0;
    let lines = 0;
    const chunks = await csvStream(LISTS.orders, syntheticOrderPages(total, EXPORT_PAGE_SIZE), {
      separator: ";",
      mask: false,
    });
    let n = 0;
    for await (const chunk of chunks) {
      if (++n % 10 === 0) meter.sample();
      bytes += Buffer.byteLength(chunk);
      for (let i = chunk.indexOf("\r\n"); i !== -1; i = chunk.indexOf("\r\n", i + 2)) lines++;
    }
    const ms = performance.now() - started;
    const peak = meter.peakMb();
    console.info(
      `exports.orders_100k: ${Math.round(ms)} ms, ${(bytes / 1024 / 1024).toFixed(1)} MB of CSV, heap +${peak.toFixed(1)} MB`,
    );
    expect(lines).toBe(1 + total * 2);
    expect(bytes).toBeGreaterThan(total * 2 * 150);
    expect(peak).toBeLessThan(HEAP_BOUND_MB);
  });
});
