/** The core context of a Lambda, built once per container from SST's linked resources. */
import { ctxFromResources } from "@dashboard/core/context";
import { parseRetryDelays } from "@dashboard/core/retry";

export const ctx = ctxFromResources();

/** The queue's redrive limit (SST `dlq.retry`): on this delivery a failure is recorded before the DLQ. */
export const MAX_RECEIVE_COUNT = Number(process.env.SYNC_MAX_RECEIVE_COUNT ?? 4);

/** The wait before each retry of a failed sync message (SYNC_RETRY_DELAYS_SECONDS, default "30,120,480"). */
export const RETRY_DELAYS_SECONDS = parseRetryDelays(process.env.SYNC_RETRY_DELAYS_SECONDS);
