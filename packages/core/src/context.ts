/**
 * What core needs from the outside world, built once per process (STYLE.md #9): the DynamoDB client and
 * table, the encryption key ring and, for code that enqueues syncs, the SQS client and queue URL.
 * Lambda handlers build it from SST's linked resources; tests build it directly.
 */
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { SQSClient } from "@aws-sdk/client-sqs";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { Resource } from "sst/resource";
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
  /** Where alerts go (alerts/): their queue and how e-mail leaves; absent where alerts are not deployed. */
  readonly alerts?: AlertsConfig;
}

/** Alerts' resources (stacks/alerts.ts; the local runtime creates the same queue in fauxqs). */
export interface AlertsConfig {
  /** The alerts queue: one message per delivery (or pending digest). */
  readonly queueUrl: string;
  /** E-mail sender (`ALERTS_EMAIL_FROM`): e-mails go through SES v2 when it is set, else to the outbox. */
  readonly emailFrom?: string;
  /** Where the outbox also writes each e-mail as a file (locally `DATA_DIR/outbox`). */
  readonly outboxDir?: string;
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
  alerts?: AlertsConfig;
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
  ...(o.alerts ? { alerts: o.alerts } : {}),
});

/** A linked queue's URL, or undefined when this function is not linked to it. */
const linkedQueueUrl = (name: string): string | undefined => {
  try {
    return (Resource as unknown as Record<string, { url?: string } | undefined>)[name]?.url;
  } catch {
    return undefined;
  }
};

/** Alerts' configuration from the links and the environment (ALERTS_EMAIL_FROM, ALERTS_OUTBOX_DIR). */
export const alertsFromResources = (env: Record<string, string | undefined>): AlertsConfig | undefined => {
  const queueUrl = linkedQueueUrl("AlertsQueue");
  if (!queueUrl) return undefined;
  const emailFrom = env.ALERTS_EMAIL_FROM?.trim();
  const outboxDir = env.ALERTS_OUTBOX_DIR?.trim();
  return { queueUrl, ...(emailFrom ? { emailFrom } : {}), ...(outboxDir ? { outboxDir } : {}) };
};

/** The context of a deployed (or locally linked) Lambda: resources come from SST links. */
export const ctxFromResources = (): Ctx =>
  createCtx({
    table: Resource.Table.name,
    encryptionKeys: Resource.EncryptionKeys.value,
    queueUrl: Resource.SyncQueue.url,
    production: process.env.DASHBOARD_ENV === "production",
    retention: retentionFromEnv(process.env),
    alerts: alertsFromResources(process.env),
  });
