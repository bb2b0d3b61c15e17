/**
 * What core needs from the outside world, built once per process (STYLE.md #9): the DynamoDB client and
 * table, the encryption key ring and, for code that enqueues syncs, the SQS client and queue URL.
 * Lambda handlers build it from SST's linked resources; tests build it directly.
 */
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { SQSClient } from "@aws-sdk/client-sqs";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { Resource } from "sst";
import { type KeyRing, parseKeyRing } from "./crypto";
import { DEFAULT_RETENTION, type Retention, retentionFromEnv } from "./retention";

export interface Ctx {
  readonly db: DynamoDBDocumentClient;
  readonly table: string;
  readonly keyRing: KeyRing;
  readonly sqs: SQSClient;
  readonly queueUrl: string;
  /** `production` turns on the SSRF guard for Template URLs (https only, public addresses only). */
  readonly production: boolean;
  readonly now: () => Date;
  /** How long deleted records, rejected records' raw copies and audit entries are kept (retention.ts). */
  readonly retention: Retention;
}

export const documentClient = (client: DynamoDBClient): DynamoDBDocumentClient =>
  DynamoDBDocumentClient.from(client, {
    marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: false },
  });

export interface CtxOptions {
  table: string;
  encryptionKeys: string;
  queueUrl: string;
  dynamo?: DynamoDBClient;
  sqs?: SQSClient;
  production?: boolean;
  now?: () => Date;
  retention?: Partial<Retention>;
}

export const createCtx = (o: CtxOptions): Ctx => ({
  db: documentClient(o.dynamo ?? new DynamoDBClient({})),
  table: o.table,
  keyRing: parseKeyRing(o.encryptionKeys),
  // The queue URL is used as given; its host is not taken as the endpoint (local emulators use
  // unresolvable hosts in queue URLs; in AWS the two agree anyway).
  sqs: o.sqs ?? new SQSClient({ useQueueUrlAsEndpoint: false }),
  queueUrl: o.queueUrl,
  production: o.production ?? false,
  now: o.now ?? (() => new Date()),
  retention: { ...DEFAULT_RETENTION, ...o.retention },
});

/** The context of a deployed (or locally linked) Lambda: resources come from SST links. */
export const ctxFromResources = (): Ctx =>
  createCtx({
    table: Resource.Table.name,
    encryptionKeys: Resource.EncryptionKeys.value,
    queueUrl: Resource.SyncQueue.url,
    production: process.env.DASHBOARD_ENV === "production",
    retention: retentionFromEnv(process.env),
  });
