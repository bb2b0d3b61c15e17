import { describe, expect, it } from "vitest";
import {
  ASSUMPTIONS,
  addUsage,
  durationAtMemory,
  gbSeconds,
  idlePollsPerMonth,
  type Measured,
  marginalUsage,
  monthlyCost,
  NO_USAGE,
  price,
  ticksPerMonth,
  usageOf,
} from "./cost";
import { billedSqsRequests, capacityUnits } from "./meter";
import { PRICES } from "./prices";

describe("price", () => {
  it("gives a known request mix its known price, line by line", () => {
    const bill = price({
      lambda_requests: 1_000_000,
      lambda_gb_seconds: 100_000,
      sqs_requests: 2_000_000,
      dynamodb_read_units: 8_000_000,
      dynamodb_write_units: 1_600_000,
      dynamodb_gb_months: 4,
      api_requests: 3_000_000,
      scheduler_invocations: 2_920,
    });
    // us-east-1: $0.20/M Lambda requests + $0.0000133334/GB-s (Arm); $0.40/M SQS; $0.125/M RRU;
    // $0.625/M WRU; $0.25/GB-month; $1.00/M HTTP API requests; $1.00/M Scheduler invocations.
    expect(bill.lambda).toBeCloseTo(0.2 + 1.33334, 8);
    expect(bill.sqs).toBeCloseTo(0.8, 10);
    expect(bill.dynamodb_reads).toBeCloseTo(1.0, 10);
    expect(bill.dynamodb_writes).toBeCloseTo(1.0, 10);
    expect(bill.dynamodb_storage).toBeCloseTo(1.0, 10);
    expect(bill.api_gateway).toBeCloseTo(3.0, 10);
    expect(bill.scheduler).toBeCloseTo(0.00292, 10);
    expect(bill.total).toBeCloseTo(8.33626, 8);
  });

  it("uses the prices it is given", () => {
    const doubled = {
      ...PRICES,
      dynamodb: { ...PRICES.dynamodb, usd_per_million_write_units: 1.25 },
    };
    expect(price({ ...NO_USAGE, dynamodb_write_units: 1e6 }, doubled).total).toBeCloseTo(1.25, 10);
  });
});

describe("usage", () => {
  it("bills Lambda per GB-second at the configured memory", () => {
    expect(gbSeconds(1000, 1024)).toBe(1);
    expect(gbSeconds(1000, 512)).toBe(0.5);
    const u = usageOf({
      dynamodb: { requests: { Query: 3 }, read_units: 12.5, write_units: 4, units_by_kind: {} },
      sqs: { requests: { SendMessageBatch: 2 }, billed_requests: 3 },
      lambda: { invocations: 2, billed_ms: 1500, memory_mb: 2048 },
    });
    expect(u).toEqual({
      ...NO_USAGE,
      dynamodb_read_units: 12.5,
      dynamodb_write_units: 4,
      sqs_requests: 3,
      lambda_requests: 2,
      lambda_gb_seconds: 3,
    });
  });

  it("stretches the CPU time of an invocation by the share of a vCPU its memory buys", () => {
    // 600 ms of CPU in 1,000 ms: at 512 MB the CPU part takes 1769/512 times as long.
    expect(durationAtMemory(1000, 600, 512)).toBeCloseTo(400 + 600 * (1769 / 512), 6);
    expect(durationAtMemory(1000, 600, 1769)).toBe(1000);
    expect(durationAtMemory(1000, 600, 3008)).toBe(1000);
    // Never more CPU than wall time on one core (a measure that overlaps another process's CPU).
    expect(durationAtMemory(100, 300, 884.5)).toBeCloseTo(200, 6);
    // Waiting is cheaper at less memory; CPU costs the same GB-seconds below one vCPU.
    expect(gbSeconds(durationAtMemory(1000, 0, 512), 512)).toBe(0.5);
    expect(gbSeconds(durationAtMemory(1000, 1000, 512), 512)).toBeCloseTo(1769 / 1024, 6);
  });

  it("never makes a marginal cost a saving", () => {
    const a = { ...NO_USAGE, dynamodb_write_units: 10, lambda_gb_seconds: 1 };
    const b = { ...NO_USAGE, dynamodb_write_units: 4, lambda_gb_seconds: 2 };
    expect(marginalUsage(a, b)).toEqual({ ...NO_USAGE, dynamodb_write_units: 6 });
    expect(addUsage(a, b).dynamodb_write_units).toBe(14);
  });

  it("sums consumed capacity of one table or of several, and bills SQS per started 64 KB", () => {
    expect(capacityUnits({ TableName: "t", CapacityUnits: 6 })).toBe(6);
    expect(capacityUnits([{ CapacityUnits: 18 }, { CapacityUnits: 1.5 }])).toBe(19.5);
    expect(capacityUnits(undefined)).toBe(0);
    expect(billedSqsRequests(0)).toBe(1);
    expect(billedSqsRequests(64 * 1024)).toBe(1);
    expect(billedSqsRequests(64 * 1024 + 1)).toBe(2);
  });
});

describe("monthlyCost", () => {
  const measured: Measured = {
    records: 4_000,
    unchanged_sync: { ...NO_USAGE, dynamodb_write_units: 10, dynamodb_read_units: 40 },
    per_changed_record: { ...NO_USAGE, dynamodb_write_units: 3 },
    scheduler_tick_alone: { ...NO_USAGE, lambda_requests: 1 },
    scheduler_tick_fleet_share: { ...NO_USAGE, lambda_requests: 0.001 },
    cold_start: { ...NO_USAGE, lambda_gb_seconds: 0.2 },
    cold_starts_alone: 1,
    cold_starts_fleet: 1,
    storage_bytes: 1024 ** 3 / 100,
    api_request: { ...NO_USAGE, api_requests: 1 },
  };

  it("adds a month of ticks, a month of changes, storage, the admin's day and the idle polls", () => {
    expect(ticksPerMonth()).toBe(2_920);
    expect(idlePollsPerMonth()).toBe(657_000);
    const changes = 4_000 * 0.01 * (730 / 24); // 1,216.67 records a month
    const alone = monthlyCost(measured, 1);
    expect(alone.usage.dynamodb_write_units).toBeCloseTo(2_920 * 10 + changes * 3, 6);
    expect(alone.usage.dynamodb_read_units).toBeCloseTo(2_920 * 40, 6);
    expect(alone.usage.lambda_requests).toBeCloseTo(2_920, 6);
    expect(alone.usage.lambda_gb_seconds).toBeCloseTo(2_920 * 0.2, 6);
    expect(alone.usage.api_requests).toBe(ASSUMPTIONS.admin_day_api_requests);
    expect(alone.usage.sqs_requests).toBe(657_000);
    expect(alone.usage.scheduler_invocations).toBe(2_920);
    const expected =
      ((2_920 * 10 + changes * 3) / 1e6) * 0.625 +
      ((2_920 * 40) / 1e6) * 0.125 +
      (2_920 / 1e6) * 0.2 +
      2_920 * 0.2 * 0.0000133334 +
      0.01 * 0.25 +
      (2_000 / 1e6) * 1 +
      (657_000 / 1e6) * 0.4 +
      (2_920 / 1e6) * 1;
    expect(alone.per_site_month_usd).toBeCloseTo(expected, 10);
    expect(alone.dominant).toBe("sqs");
  });

  it("shares the deployment's fixed costs among the sites of a fleet", () => {
    const fleet = monthlyCost(measured, 1_000);
    expect(fleet.usage.sqs_requests).toBeCloseTo(657, 6);
    expect(fleet.usage.lambda_requests).toBeCloseTo(2_920 * 0.001, 6);
    expect(fleet.usage.lambda_gb_seconds).toBeCloseTo((2_920 * 0.2) / 1_000, 6);
    expect(fleet.usage.scheduler_invocations).toBeCloseTo(2.92, 6);
    expect(fleet.per_site_month_usd).toBeLessThan(monthlyCost(measured, 1).per_site_month_usd);
    expect(fleet.dominant).toBe("dynamodb_writes");
  });
});
