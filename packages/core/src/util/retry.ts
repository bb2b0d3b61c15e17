/**
 * The one retry loop of core: bounded attempts, exponential backoff with full jitter between them
 * (AWS Architecture Blog, "Exponential Backoff And Jitter"). Callers decide what is worth another attempt
 * and may replace the wait (the Template client honours `Retry-After` on top of it).
 */
import { sleep as realSleep } from "./sleep";

export interface Backoff {
  baseMs: number;
  maxMs: number;
}

/** Full jitter: a uniform delay in [0, min(maxMs, baseMs × 2^(attempt-1))). `attempt` is 1-based. */
export const backoffDelay = (attempt: number, backoff: Backoff, random: () => number = Math.random) => {
  const ceiling = Math.min(backoff.maxMs, backoff.baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.floor(Math.min(Math.max(random(), 0), 1) * ceiling);
};

export interface RetryOptions {
  /** Attempts in all, the first included. */
  attempts: number;
  backoff: Backoff;
  /** Whether a failure is worth another attempt; default: every failure. */
  retryable?: (error: unknown) => boolean;
  /** The wait before the next attempt, given the failure and the jittered backoff; default the backoff. */
  delayMs?: (error: unknown, backoffMs: number) => number;
  /** Told before each wait, with the attempt that failed (1-based). */
  onRetry?: (error: unknown, attempt: number, delayMs: number) => void;
  sleep?: (ms: number) => Promise<void>;
  /** In [0, 1), like Math.random. */
  random?: () => number;
}

/** Runs `work` until it resolves, or rejects with its last failure once retrying is over. */
export async function retry<T>(work: (attempt: number) => Promise<T>, opts: RetryOptions): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await work(attempt);
    } catch (error) {
      if (attempt >= opts.attempts || !(opts.retryable?.(error) ?? true)) throw error;
      const backoffMs = backoffDelay(attempt, opts.backoff, opts.random);
      const delayMs = opts.delayMs ? opts.delayMs(error, backoffMs) : backoffMs;
      opts.onRetry?.(error, attempt, delayMs);
      await (opts.sleep ?? realSleep)(delayMs);
    }
  }
}
