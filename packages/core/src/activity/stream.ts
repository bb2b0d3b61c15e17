/**
 * A DynamoDB stream record as the change processor reads it: the part of Lambda's `DynamoDBRecord` core uses
 * (no `aws-lambda` type in core), images in their marshalled form (`{"S": "…"}`, `{"N": "…"}`, `{"M": {…}}`).
 * The local stream poller (packages/local/src/streams.ts) builds the same shape from DynamoDB Local's stream.
 */
import type { AttributeValue } from "@aws-sdk/client-dynamodb";
import { unmarshall } from "@aws-sdk/util-dynamodb";
import * as z from "zod";

const Image = z.record(z.string(), z.record(z.string(), z.unknown()));

export const StreamRecord = z.object({
  eventID: z.string(),
  eventName: z.enum(["INSERT", "MODIFY", "REMOVE"]),
  dynamodb: z.object({
    /** Unique and ordered within a shard: the history entry's `seq`, the checkpoint of a retry. */
    SequenceNumber: z.string().min(1),
    /** Epoch seconds (Lambda's form) when the change was written. */
    ApproximateCreationDateTime: z.number().optional(),
    Keys: Image.optional(),
    NewImage: Image.optional(),
    OldImage: Image.optional(),
  }),
});
export type StreamRecord = z.infer<typeof StreamRecord>;

export type Image = Record<string, unknown>;

export interface Images {
  eventName: StreamRecord["eventName"];
  seq: string;
  /** When DynamoDB wrote the change (ISO), when the record says. */
  writtenAt?: string;
  old?: Image;
  new?: Image;
}

const read = (image: Record<string, Record<string, unknown>> | undefined): Image | undefined =>
  image ? unmarshall(image as unknown as Record<string, AttributeValue>) : undefined;

/** The old and new item of a stream record, unmarshalled. */
export function imagesOf(record: StreamRecord): Images {
  const d = record.dynamodb;
  const old = read(d.OldImage);
  const next = read(d.NewImage);
  return {
    eventName: record.eventName,
    seq: d.SequenceNumber,
    ...(d.ApproximateCreationDateTime !== undefined
      ? { writtenAt: new Date(d.ApproximateCreationDateTime * 1000).toISOString() }
      : {}),
    ...(old ? { old } : {}),
    ...(next ? { new: next } : {}),
  };
}

/**
 * The stream records the change processor is invoked for, as Lambda event filter patterns (the event source
 * mapping's filter criteria, and the local stream poller's): records and settings written, sites updated,
 * runs that failed, events inserted. The rest (run progress, log lines, leases, markers, the processor's own
 * history entries...) is most of the stream and would only cost invocations: Lambda drops it unbilled.
 * It must let through every record `process.ts` acts on (`test/pipeline/activity.test.ts` runs with it).
 */
export const CHANGE_FILTERS = [
  { dynamodb: { NewImage: { type: { S: ["record", "setting", "site"] } } } },
  { dynamodb: { NewImage: { type: { S: ["run"] }, status: { S: ["failed"] } } } },
  { eventName: ["INSERT"], dynamodb: { NewImage: { type: { S: ["event"] } } } },
] as const;
