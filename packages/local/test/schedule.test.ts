import type { Context, ScheduledEvent } from "aws-lambda";
import { describe, expect, it } from "vitest";
import { startSchedule } from "../src/schedule";

/** Top-level fields of an EventBridge event as AWS delivers it (Powertools' eventbridge-base.json sample). */
const EVENTBRIDGE_FIELDS = [
  "version",
  "id",
  "detail-type",
  "source",
  "account",
  "time",
  "region",
  "resources",
  "detail",
];

describe("startSchedule", () => {
  it("invokes the handler with an EventBridge Scheduled Event and a Lambda context", async () => {
    const calls: { event: ScheduledEvent; context: Context }[] = [];
    const schedule = startSchedule({
      intervalSeconds: 3600,
      ruleName: "SyncSchedule",
      functionName: "Scheduler",
      handler: (event, context) => {
        calls.push({ event, context });
        return "done";
      },
    });
    const before = Date.now();
    await expect(schedule.tick()).resolves.toBe("done");
    await schedule.stop();

    expect(calls).toHaveLength(1);
    const { event, context } = calls[0]!;
    // Same fields as AWS's sample event ("replay-name" only exists on replayed events).
    expect(Object.keys(event).sort()).toEqual([...EVENTBRIDGE_FIELDS].sort());
    expect(event).toMatchObject({
      version: "0",
      "detail-type": "Scheduled Event",
      source: "aws.events",
      account: "000000000000",
      region: "us-east-1",
      resources: ["arn:aws:events:us-east-1:000000000000:rule/SyncSchedule"],
      detail: {},
    });
    expect(event.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(event.time).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
    expect(Date.parse(event.time)).toBeGreaterThanOrEqual(Math.floor(before / 1000) * 1000);
    expect(context.functionName).toBe("Scheduler");
    expect(context.getRemainingTimeInMillis()).toBeGreaterThan(0);
  });

  it("fires on its own every interval, one event id per invocation, and stops", async () => {
    const ids: string[] = [];
    let reachedThree: () => void = () => {};
    const three = new Promise<void>((r) => {
      reachedThree = r;
    });
    const schedule = startSchedule({
      intervalSeconds: 0.02,
      handler: (event) => {
        ids.push(event.id);
        if (ids.length === 3) reachedThree();
      },
    });
    await three;
    await schedule.stop();
    const afterStop = ids.length;
    await new Promise((r) => setTimeout(r, 100));
    expect(ids.length).toBe(afterStop);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it("skips a period while the previous invocation still runs, and stop() waits for it", async () => {
    let running = 0;
    let maxRunning = 0;
    let release: () => void = () => {};
    const gate = new Promise<void>((r) => {
      release = r;
    });
    let started: () => void = () => {};
    const firstStarted = new Promise<void>((r) => {
      started = r;
    });
    const order: string[] = [];
    const schedule = startSchedule({
      intervalSeconds: 0.01,
      handler: async () => {
        running += 1;
        maxRunning = Math.max(maxRunning, running);
        started();
        await gate;
        running -= 1;
        order.push("invocation done");
      },
    });
    await firstStarted;
    // Several periods pass while the first invocation is blocked.
    await new Promise((r) => setTimeout(r, 80));
    const stopped = schedule.stop().then(() => order.push("stopped"));
    release();
    await stopped;
    expect(maxRunning).toBe(1);
    expect(order).toEqual(["invocation done", "stopped"]);
  });

  it("reports a failing timer invocation and keeps going; tick() rejects with the error", async () => {
    const errors: unknown[] = [];
    let calls = 0;
    let twoErrors: () => void = () => {};
    const reported = new Promise<void>((r) => {
      twoErrors = r;
    });
    const schedule = startSchedule({
      intervalSeconds: 0.02,
      onError: (error) => {
        errors.push(error);
        if (errors.length === 2) twoErrors();
      },
      handler: () => {
        calls += 1;
        throw new Error(`tick ${calls}`);
      },
    });
    await reported;
    await schedule.stop();
    expect(String(errors[0])).toMatch(/tick \d/);
    await expect(schedule.tick()).rejects.toThrow(/tick/);
  });

  it("refuses a non-positive interval", () => {
    expect(() => startSchedule({ intervalSeconds: 0, handler: () => {} })).toThrow(RangeError);
  });
});
