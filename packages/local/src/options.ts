/** What `startLocal` accepts (runtime.ts), its defaults, and the check of its numbers. */
import type { Sizes } from "@dashboard/template-sim";
import { LocalRuntimeError } from "./errors";

export const DEFAULTS = {
  port: 3000,
  dataDir: ".local",
  demoSites: 3,
  syncIntervalSeconds: 900,
  tableName: "dashboard-local",
  queueName: "dashboard-local-sync",
} as const;

export interface ConsumerOptions {
  /** Messages per invocation, 1..10. Default: the deployed batch size (10). */
  batchSize?: number;
  /** The queue's visibility timeout. Default: the deployed one (twice the consumer timeout). */
  visibilityTimeoutSeconds?: number;
  /** Receives before the DLQ; the consumer reads the same value (SYNC_MAX_RECEIVE_COUNT). Default 4. */
  maxReceiveCount?: number;
  /** The consumer's Lambda timeout. Default: the deployed one (300 s). */
  timeoutSeconds?: number;
  /**
   * Batches handled at once (concurrent invocations). Default 4: enough that one site's slow entity does
   * not hold every other site's messages back at start, few enough for a laptop (AWS allows 20).
   */
  concurrency?: number;
  /** Long-poll wait, 0..20 s. Default 20. */
  waitTimeSeconds?: number;
  /** Waits before each retry of a failed sync (SYNC_RETRY_DELAYS_SECONDS). Default: the deployed 30, 120, 480 s. */
  retryDelaysSeconds?: readonly number[];
}

export interface LocalOptions {
  /** Port on 127.0.0.1; 0 picks a free one. Default 3000. */
  port?: number;
  /** Where DynamoDB Local's data and the local secrets live. Default `.local`. */
  dataDir?: string;
  /** Simulated Template sites registered and synced at start. Default 3. */
  demoSites?: number;
  /** Overrides the demo sites' table sizes (tests keep them small). */
  demoSizes?: Partial<Sizes>;
  /** The schedule's period. Default 900. */
  syncIntervalSeconds?: number;
  /** The admin token; default: the one kept in `dataDir/admin-token`, generated on first start. */
  adminToken?: string;
  /** Use this DynamoDB (e.g. the test run's) instead of starting DynamoDB Local. */
  dynamoEndpoint?: string;
  /** Use this SQS endpoint instead of starting fauxqs. */
  sqsEndpoint?: string;
  region?: string;
  /** Default `dashboard-local`, or a unique name when `dynamoEndpoint` is given. */
  tableName?: string;
  /** Default `dashboard-local-sync` (DLQ: `<name>-dlq`), or unique when `sqsEndpoint` is given. */
  queueName?: string;
  consumer?: ConsumerOptions;
  /**
   * The UI: "auto" (default) serves packages/web/dist, built first when missing or older than its sources
   * (the API is served meanwhile); `{ distDir }` serves that directory as it is; false serves no UI.
   */
  web?: "auto" | { distDir: string } | false;
  /** Print sync progress lines. Default true. */
  progress?: boolean;
  /** Where status and progress lines go. Default console.log. */
  print?: (line: string) => void;
}

export function checkInteger(name: string, value: number, min: number, max: number): number {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new LocalRuntimeError(
      "invalid_config",
      `${name} must be an integer in ${min}..${max}, got ${value}`,
    );
  }
  return value;
}
