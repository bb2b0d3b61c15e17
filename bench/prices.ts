/**
 * The public on-demand prices the cost model uses: one region, one date, one source per line. Nothing else
 * in the bench states a price. Free tiers are left out (a fleet of sites outgrows them, and they are per
 * account, not per site).
 */

export interface Prices {
  region: string;
  as_of: string;
  lambda: { usd_per_gb_second: number; usd_per_million_requests: number };
  sqs: { usd_per_million_requests: number; billed_chunk_bytes: number };
  dynamodb: {
    usd_per_million_write_units: number;
    usd_per_million_read_units: number;
    usd_per_gb_month: number;
    item_overhead_bytes: number;
  };
  api_gateway: { usd_per_million_requests: number };
  scheduler: { usd_per_million_invocations: number };
}

export const PRICES: Prices = {
  region: "us-east-1",
  /**
   * The date these prices took effect: the last change among them, DynamoDB's on-demand prices halved on
   * 2024-11-01. They are the published list prices of that date; this machine has no internet access to
   * re-read the pages, so check them before relying on a figure.
   */
  as_of: "2024-11-01",
  /** Lambda, Arm (the stacks deploy `arm64`): https://aws.amazon.com/lambda/pricing/ */
  lambda: {
    usd_per_gb_second: 0.0000133334,
    usd_per_million_requests: 0.2,
  },
  /** SQS standard queue: https://aws.amazon.com/sqs/pricing/ (each 64 KB chunk of a payload is one request). */
  sqs: { usd_per_million_requests: 0.4, billed_chunk_bytes: 64 * 1024 },
  /** DynamoDB on-demand, Standard table class: https://aws.amazon.com/dynamodb/pricing/on-demand/ */
  dynamodb: {
    usd_per_million_write_units: 0.625,
    usd_per_million_read_units: 0.125,
    usd_per_gb_month: 0.25,
    /** Storage is billed on the item's bytes plus 100 bytes per item, for the table and for each index. */
    item_overhead_bytes: 100,
  },
  /** HTTP API, first 300 million requests a month: https://aws.amazon.com/api-gateway/pricing/ */
  api_gateway: { usd_per_million_requests: 1.0 },
  /** EventBridge Scheduler, beyond the 14 million free invocations: https://aws.amazon.com/eventbridge/pricing/ */
  scheduler: { usd_per_million_invocations: 1.0 },
};
