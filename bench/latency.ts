/**
 * The AWS-latency mode of the bench (`--latency aws`): every DynamoDB and SQS request a bench child sends
 * (the naive baseline's and the pipeline's alike) waits for a round trip drawn from the distribution AWS
 * states for same-region calls, and every Template request pays a fixed latency. On this machine the local
 * services answer in a fraction of a millisecond; on AWS each request pays the network, which is what the
 * pipeline's batching and overlap win against. The sources of the figures are in docs/performance.md.
 */
import { setTimeout as sleepMs } from "node:timers/promises";
import type { MiddlewareStack } from "@smithy/types";
import { z } from "zod";

/** A log-normal round trip: half the requests take less than `median_ms`, 1% more than `p99_ms`. */
export const RoundTrip = z
  .object({ median_ms: z.number().positive(), p99_ms: z.number().positive() })
  .refine((d) => d.p99_ms >= d.median_ms, { message: "p99_ms must be at least median_ms" });
export type RoundTrip = z.infer<typeof RoundTrip>;

export const LatencyProfile = z.object({
  dynamodb: RoundTrip,
  sqs: RoundTrip,
  /** Every request to the Template (a page, or one of the small endpoints). */
  template_ms: z.number().int().nonnegative(),
  /** Seed of the draws, so two runs inject the same sequence. */
  seed: z.number().int(),
});
export type LatencyProfile = z.infer<typeof LatencyProfile>;

/**
 * Same-region calls from a Lambda function. DynamoDB: "single-digit millisecond" latency, typically
 * 2–10 ms per request seen from a client in the region (median 5 ms, p99 20 ms here). SQS: "typical
 * latencies for SendMessage, ReceiveMessage and DeleteMessage are in the tens or low hundreds of
 * milliseconds" (median 20 ms, p99 100 ms here). The Template: a small Flask app on the artist's host,
 * reached over the internet, 100 ms per request (network and the page's query), on top of template-sim's
 * own serving time.
 */
export const AWS_LATENCY: LatencyProfile = {
  dynamodb: { median_ms: 5, p99_ms: 20 },
  sqs: { median_ms: 20, p99_ms: 100 },
  template_ms: 100,
  seed: 42,
};

/** z of the 99th percentile of the standard normal distribution. */
const Z99 = 2.3263478740408408;

/** A seeded uniform generator in [0, 1) (mulberry32): the same seed gives the same draws. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Draws of a round trip (Box–Muller on `random`), in milliseconds. */
export function roundTrips(d: RoundTrip, random: () => number): () => number {
  const mu = Math.log(d.median_ms);
  const sigma = Math.log(d.p99_ms / d.median_ms) / Z99;
  return () => {
    const u = 1 - random(); // (0, 1]: log(u) is finite
    const v = random();
    const normal = Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
    return Math.exp(mu + sigma * normal);
  };
}

/** Any AWS SDK v3 client (a document client shares its base client's stack). */
export interface SdkClient<I extends object, O extends object> {
  middlewareStack: MiddlewareStack<I, O>;
}

export type Sleep = (ms: number) => Promise<unknown>;

/**
 * Makes every attempt a client sends (retries too: each is a round trip) wait for a drawn delay before it
 * goes out. Added after the retry middleware of the finalizeRequest step, so it sits on the wire side.
 */
export function injectLatency<I extends object, O extends object>(
  client: SdkClient<I, O>,
  draw: () => number,
  sleep: Sleep = sleepMs,
): void {
  client.middlewareStack.add(
    (next) => async (args) => {
      await sleep(draw());
      return next(args);
    },
    { step: "finalizeRequest", priority: "low", name: "benchInjectLatency" },
  );
}

/**
 * The delays of a profile for one process: DynamoDB and SQS draw from their own seeded sequences (`stream`
 * keeps the processes of a run apart), so the same run injects the same delays.
 */
export function latencyDraws(profile: LatencyProfile, stream = 0) {
  return {
    dynamodb: roundTrips(profile.dynamodb, seededRandom(profile.seed * 1000 + stream * 2)),
    sqs: roundTrips(profile.sqs, seededRandom(profile.seed * 1000 + stream * 2 + 1)),
  };
}

/** The environment variable a bench child reads its latency profile from. */
export const LATENCY_ENV = "BENCH_LATENCY";

/** The profile a bench child was given, if any. */
export function latencyFromEnv(env: NodeJS.ProcessEnv = process.env): LatencyProfile | undefined {
  const raw = env[LATENCY_ENV];
  return raw ? LatencyProfile.parse(JSON.parse(raw)) : undefined;
}
