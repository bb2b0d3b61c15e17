/**
 * The sizing in @dashboard/config (packages/config) against the limits AWS enforces only at deploy time, and against each
 * other (a visibility timeout shorter than the consumer's timeout would deliver a message twice at once).
 */

import {
  API_THROTTLE_BURST,
  API_THROTTLE_RATE_PER_SECOND,
  CONSUMER_BATCH_SIZE,
  CONSUMER_BATCH_WINDOW_SECONDS,
  CONSUMER_MAX_CONCURRENCY,
  CONSUMER_TIMEOUT_SECONDS,
  contentSecurityPolicy,
  DLQ_RETENTION_SECONDS,
  isProtectedStage,
  RETENTION_ENVIRONMENT,
  SYNC_MAX_RECEIVES,
  SYNC_QUEUE_RETENTION_SECONDS,
  SYNC_QUEUE_VISIBILITY_TIMEOUT_SECONDS,
  SYNC_SCHEDULE,
  uiSecurityHeaders,
  WEBHOOK_PREFIX,
  WEBHOOK_ROUTE_KEY,
  WEBHOOK_THROTTLE_BURST,
  WEBHOOK_THROTTLE_RATE_PER_SECOND,
} from "@dashboard/config";
import { retentionFromEnv } from "@dashboard/core/retention";
import { WEBHOOK_PATH } from "@dashboard/functions/http/webhook-app";
import { describe, expect, it } from "vitest";

describe("@dashboard/config", () => {
  it("hides a received message for longer than the consumer may run", () => {
    expect(CONSUMER_TIMEOUT_SECONDS).toBeLessThanOrEqual(15 * 60); // Lambda's maximum
    expect(SYNC_QUEUE_VISIBILITY_TIMEOUT_SECONDS).toBeGreaterThan(CONSUMER_TIMEOUT_SECONDS + 60);
    expect(SYNC_QUEUE_VISIBILITY_TIMEOUT_SECONDS).toBeLessThanOrEqual(12 * 60 * 60); // SQS maximum
  });

  it("keeps the batch within what an SQS event source mapping accepts", () => {
    expect(Number.isInteger(CONSUMER_BATCH_SIZE)).toBe(true);
    expect(CONSUMER_BATCH_SIZE).toBeGreaterThanOrEqual(1);
    expect(CONSUMER_BATCH_SIZE).toBeLessThanOrEqual(10_000);
    if (CONSUMER_BATCH_SIZE > 10) expect(CONSUMER_BATCH_WINDOW_SECONDS).toBeGreaterThanOrEqual(1);
    expect(CONSUMER_BATCH_WINDOW_SECONDS).toBeGreaterThanOrEqual(0);
    expect(CONSUMER_BATCH_WINDOW_SECONDS).toBeLessThanOrEqual(300);
    // scalingConfig.maximumConcurrency must lie in 2..1000.
    expect(CONSUMER_MAX_CONCURRENCY).toBeGreaterThanOrEqual(2);
    expect(CONSUMER_MAX_CONCURRENCY).toBeLessThanOrEqual(1000);
  });

  it("retries a failing message a few times, then keeps it in the DLQ longer than the queue would", () => {
    expect(Number.isInteger(SYNC_MAX_RECEIVES)).toBe(true);
    expect(SYNC_MAX_RECEIVES).toBeGreaterThanOrEqual(2);
    expect(SYNC_MAX_RECEIVES).toBeLessThanOrEqual(1000); // SQS maxReceiveCount
    expect(SYNC_QUEUE_RETENTION_SECONDS).toBeGreaterThanOrEqual(60);
    expect(DLQ_RETENTION_SECONDS).toBeGreaterThan(SYNC_QUEUE_RETENTION_SECONDS);
    expect(DLQ_RETENTION_SECONDS).toBeLessThanOrEqual(14 * 24 * 60 * 60); // SQS maximum
  });

  it("gives every queued unit of work time to be tried before the next schedule outdates it", () => {
    const rate = /^rate\((\d+) (minute|minutes|hour|hours)\)$/.exec(SYNC_SCHEDULE);
    expect(rate).not.toBeNull();
    const every = Number(rate?.[1]) * (rate?.[2]?.startsWith("hour") ? 3600 : 60);
    expect(every).toBeGreaterThanOrEqual(CONSUMER_TIMEOUT_SECONDS);
  });

  it("throttles the API with a burst at least as large as the steady rate", () => {
    expect(API_THROTTLE_RATE_PER_SECOND).toBeGreaterThan(0);
    expect(API_THROTTLE_BURST).toBeGreaterThanOrEqual(API_THROTTLE_RATE_PER_SECOND);
  });

  it("throttles the public webhook route on its own, below the admin API", () => {
    expect(WEBHOOK_ROUTE_KEY).toBe(`POST ${WEBHOOK_PATH}`);
    // The Router sends the webhook's path, and only it, to the webhook's own API.
    expect(WEBHOOK_PATH.startsWith(`${WEBHOOK_PREFIX}/`)).toBe(true);
    expect(WEBHOOK_PREFIX.startsWith("/api/")).toBe(true);
    expect(WEBHOOK_THROTTLE_RATE_PER_SECOND).toBeGreaterThan(0);
    expect(WEBHOOK_THROTTLE_RATE_PER_SECOND).toBeLessThan(API_THROTTLE_RATE_PER_SECOND);
    expect(WEBHOOK_THROTTLE_BURST).toBeGreaterThanOrEqual(WEBHOOK_THROTTLE_RATE_PER_SECOND);
    expect(WEBHOOK_THROTTLE_BURST).toBeLessThan(API_THROTTLE_BURST);
  });

  it("sets retention variables core reads, with the documented defaults", () => {
    expect(retentionFromEnv(RETENTION_ENVIRONMENT)).toEqual({
      deletedRecordsDays: 30,
      rejectedRecordsDays: 14,
      auditDays: 365,
      activityDays: 400,
    });
    expect(retentionFromEnv(RETENTION_ENVIRONMENT).rejectedRecordsDays).toBeLessThan(
      retentionFromEnv(RETENTION_ENVIRONMENT).deletedRecordsDays,
    );
  });

  it("serves the UI with a CSP that allows https images only besides its own, and forbids framing", () => {
    const csp = contentSecurityPolicy();
    const directives = Object.fromEntries(
      csp.split(";").map((d) => {
        const [name = "", ...values] = d.trim().split(/\s+/);
        return [name, values];
      }),
    );
    expect(directives["frame-ancestors"]).toEqual(["'none'"]);
    expect(directives["img-src"]).toEqual(["'self'", "data:", "https:"]);
    expect(directives["script-src"]).toEqual(["'self'"]);
    expect(directives["default-src"]).toEqual(["'self'"]);
    expect(csp).not.toContain("unsafe");
    expect(uiSecurityHeaders()).toMatchObject({
      "Strict-Transport-Security": expect.stringMatching(/^max-age=\d{8,}; includeSubDomains$/),
      "Referrer-Policy": "same-origin",
      "X-Frame-Options": "DENY",
    });
  });

  it("protects only the production stage", () => {
    expect(isProtectedStage("production")).toBe(true);
    expect(isProtectedStage("dev")).toBe(false);
    expect(isProtectedStage("ci")).toBe(false);
  });
});
