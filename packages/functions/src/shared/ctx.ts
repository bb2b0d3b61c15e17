/** The core context of a Lambda, built once per container from SST's linked resources. */
import { ctxFromResources } from "@dashboard/core/context";

export const ctx = ctxFromResources();

/** The queue's redrive limit (SST `dlq.retry`): on this delivery a failure is recorded before the DLQ. */
export const MAX_RECEIVE_COUNT = Number(process.env.SYNC_MAX_RECEIVE_COUNT ?? 4);
