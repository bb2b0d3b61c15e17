/**
 * SQS on one machine: fauxqs (an in-process SQS emulator speaking the real JSON wire protocol, with
 * visibility timeouts, long polling, batches and DLQ redrive) served on 127.0.0.1, and `ensureQueues`,
 * which creates the sync queue and its dead-letter queue the way `stacks/` does with SST's `dlq.retry`.
 */
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  SetQueueAttributesCommand,
  type SQSClient,
} from "@aws-sdk/client-sqs";
import { buildApp } from "fauxqs";

/**
 * fauxqs' SQS store, with `host` cleared so queue URLs are built from the request's Host header:
 * `http://127.0.0.1:<port>/000000000000/<name>`. Its default, `http://sqs.<region>.localhost:<port>/…`,
 * does not resolve here, and the SDK's SQS client sends each request to its queue URL's origin
 * (`useQueueUrlAsEndpoint`) unless given an explicit `endpoint`, which a Lambda's client is not.
 * The class is not in fauxqs' package exports, so it is loaded from the package's own files.
 */
type FauxqsStores = NonNullable<Parameters<typeof buildApp>[0]>["stores"];
async function sqsStoreWithRequestHost(): Promise<NonNullable<FauxqsStores>["sqsStore"]> {
  const candidates = (createRequire(import.meta.url).resolve.paths("fauxqs") ?? []).map((dir) =>
    join(dir, "fauxqs", "dist", "sqs", "sqsStore.js"),
  );
  const file = candidates.find((candidate) => existsSync(candidate));
  const module: { SqsStore?: new () => NonNullable<FauxqsStores>["sqsStore"] } | undefined = file
    ? await import(pathToFileURL(file).href)
    : undefined;
  if (!module?.SqsStore) {
    throw new Error(
      "fauxqs' layout changed (dist/sqs/sqsStore.js not found); update packages/local/src/sqs.ts",
    );
  }
  const store = new module.SqsStore();
  store.host = "";
  return store;
}

export interface StartSqsOptions {
  /** Port on 127.0.0.1; 0 or absent lets the OS choose a free one. */
  port?: number;
}

export interface SqsServer {
  /** `http://127.0.0.1:<port>`, for `AWS_ENDPOINT_URL_SQS` or a client's `endpoint`. */
  readonly endpoint: string;
  readonly port: number;
  /** Closes the listener and every open connection. All messages are lost (fauxqs is in-memory). */
  stop(): Promise<void>;
}

/** Starts fauxqs in this process, listening on 127.0.0.1 only. */
export async function startSqs(options: StartSqsOptions = {}): Promise<SqsServer> {
  // buildApp + our own listen, rather than fauxqs' startFauxqs, which binds 0.0.0.0. The SNS and S3
  // stores are left to fauxqs' defaults (each store is optional at run time).
  const stores = { sqsStore: await sqsStoreWithRequestHost() } as NonNullable<FauxqsStores>;
  const app = buildApp({ logger: false, stores });
  await app.listen({ port: options.port ?? 0, host: "127.0.0.1" });
  const address = app.server.address();
  if (!address || typeof address === "string") {
    await app.close();
    throw new Error("fauxqs did not report a TCP address");
  }
  const port = address.port;
  let stopped: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopped ??= (async () => {
      await app.close();
    })();
    return stopped;
  };
  return { endpoint: `http://127.0.0.1:${port}`, port, stop };
}

export interface QueueSpec {
  /** Name of the work queue. */
  name: string;
  /** Name of its dead-letter queue. */
  dlqName: string;
  /** Receives before a message moves to the DLQ (SST's `dlq.retry`). */
  maxReceiveCount: number;
  /** Visibility timeout of the work queue; AWS advises at least 6× the consumer's timeout. */
  visibilityTimeoutSeconds: number;
  /** Retention of the DLQ; default 14 days, the maximum, so failures stay inspectable. */
  dlqRetentionSeconds?: number;
}

export interface Queues {
  queueUrl: string;
  queueArn: string;
  dlqUrl: string;
  dlqArn: string;
}

/** Matches "QueueNameExists" and the query-compatible "AWS.SimpleQueueService.QueueNameExists". */
function isNamed(error: unknown, ...names: string[]): boolean {
  return error instanceof Error && names.includes(error.name.slice(error.name.lastIndexOf(".") + 1));
}

/** Creates the queue, or brings an existing one to these attributes; returns its URL. */
async function upsertQueue(
  client: SQSClient,
  name: string,
  attributes: Record<string, string>,
): Promise<string> {
  try {
    const created = await client.send(new CreateQueueCommand({ QueueName: name, Attributes: attributes }));
    if (created.QueueUrl) return created.QueueUrl;
  } catch (error) {
    // AWS says QueueNameExists (older: QueueAlreadyExists) when the attributes differ.
    if (!isNamed(error, "QueueNameExists", "QueueAlreadyExists")) throw error;
  }
  const { QueueUrl } = await client.send(new GetQueueUrlCommand({ QueueName: name }));
  if (!QueueUrl) throw new Error(`GetQueueUrl returned no URL for ${name}`);
  await client.send(new SetQueueAttributesCommand({ QueueUrl, Attributes: attributes }));
  return QueueUrl;
}

async function queueArn(client: SQSClient, queueUrl: string): Promise<string> {
  const { Attributes } = await client.send(
    new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ["QueueArn"] }),
  );
  const arn = Attributes?.QueueArn;
  if (!arn) throw new Error(`GetQueueAttributes returned no QueueArn for ${queueUrl}`);
  return arn;
}

/**
 * Creates (or updates) the dead-letter queue and the work queue with a real RedrivePolicy
 * `{"deadLetterTargetArn": <dlq arn>, "maxReceiveCount": n}`, the JSON SST's `dlq.retry` writes.
 * Idempotent; changing `maxReceiveCount` or the visibility timeout updates the existing queue.
 */
export async function ensureQueues(client: SQSClient, spec: QueueSpec): Promise<Queues> {
  if (!Number.isInteger(spec.maxReceiveCount) || spec.maxReceiveCount < 1 || spec.maxReceiveCount > 1000) {
    throw new RangeError(`maxReceiveCount must be an integer in 1..1000, got ${spec.maxReceiveCount}`);
  }
  const visibility = spec.visibilityTimeoutSeconds;
  if (!Number.isInteger(visibility) || visibility < 0 || visibility > 43_200) {
    throw new RangeError(`visibilityTimeoutSeconds must be an integer in 0..43200, got ${visibility}`);
  }
  const dlqUrl = await upsertQueue(client, spec.dlqName, {
    MessageRetentionPeriod: String(spec.dlqRetentionSeconds ?? 1_209_600),
  });
  const dlqArn = await queueArn(client, dlqUrl);
  const queueUrl = await upsertQueue(client, spec.name, {
    VisibilityTimeout: String(visibility),
    RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlqArn, maxReceiveCount: spec.maxReceiveCount }),
  });
  return { queueUrl, queueArn: await queueArn(client, queueUrl), dlqUrl, dlqArn };
}

/** How many messages a queue holds: ready, in flight (received, not yet deleted) and delayed. */
export interface QueueDepth {
  visible: number;
  inFlight: number;
  delayed: number;
}

export async function queueDepth(client: SQSClient, queueUrl: string): Promise<QueueDepth> {
  const { Attributes = {} } = await client.send(
    new GetQueueAttributesCommand({
      QueueUrl: queueUrl,
      AttributeNames: [
        "ApproximateNumberOfMessages",
        "ApproximateNumberOfMessagesNotVisible",
        "ApproximateNumberOfMessagesDelayed",
      ],
    }),
  );
  return {
    visible: Number(Attributes.ApproximateNumberOfMessages ?? 0),
    inFlight: Number(Attributes.ApproximateNumberOfMessagesNotVisible ?? 0),
    delayed: Number(Attributes.ApproximateNumberOfMessagesDelayed ?? 0),
  };
}
