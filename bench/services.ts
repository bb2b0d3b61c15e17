/**
 * The local AWS stand-ins the benchmark runs on: one DynamoDB Local (in memory, loopback only) and one fauxqs,
 * started by the bench process. Each scenario gets its own table and queue pair, so scenarios do not
 * disturb each other's numbers, and drops them when done (DynamoDB Local keeps tables in its JVM heap).
 */
import { randomBytes } from "node:crypto";
import { DeleteTableCommand, DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DeleteQueueCommand, SQSClient } from "@aws-sdk/client-sqs";
import { SYNC_MAX_RECEIVES, SYNC_QUEUE_VISIBILITY_TIMEOUT_SECONDS } from "@dashboard/config";
import { type Ctx, createCtx } from "@dashboard/core/context";
import { generateKeyRingEntry } from "@dashboard/core/crypto";
import { type DynamoServer, startDynamo } from "@dashboard/local/dynamo";
import { LOCAL_CREDENTIALS, resourceEnvironment } from "@dashboard/local/resources";
import { ensureQueues, type SqsServer, startSqs } from "@dashboard/local/sqs";
import { ensureTable } from "@dashboard/local/table";

export const REGION = "us-east-1";

export interface Services {
  dynamo: DynamoServer;
  sqs: SqsServer;
  /** The admin token the HTTP child accepts (bench-only, random per run). */
  adminToken: string;
  /** The key ring every process of the run shares (sites' API keys are sealed with it). */
  encryptionKeys: string;
  stop(): Promise<void>;
}

/** One scenario's table and queues, with a core context on them for the bench process itself. */
export interface Stage {
  name: string;
  tableName: string;
  queueUrl: string;
  queueArn: string;
  dlqUrl: string;
  ctx: Ctx;
  dynamo: DynamoDBClient;
  sqs: SQSClient;
  /** The environment a linked Lambda of this stage sees (SST links and SDK endpoints). */
  env: Record<string, string>;
  drop(): Promise<void>;
}

export async function startServices(): Promise<Services> {
  const [dynamo, sqs] = await Promise.all([startDynamo(), startSqs()]);
  return {
    dynamo,
    sqs,
    adminToken: `bench-${randomBytes(18).toString("base64url")}`,
    encryptionKeys: generateKeyRingEntry("bench"),
    async stop() {
      await Promise.allSettled([dynamo.stop(), sqs.stop()]);
    },
  };
}

const clientConfig = (endpoint: string) => ({ endpoint, region: REGION, credentials: LOCAL_CREDENTIALS });

/** A fresh table (the production definition) and queue pair (the production redrive policy). */
export async function createStage(services: Services, name: string): Promise<Stage> {
  const suffix = `${name}-${Date.now().toString(36)}`;
  const dynamo = new DynamoDBClient(clientConfig(services.dynamo.endpoint));
  const sqs = new SQSClient(clientConfig(services.sqs.endpoint));
  const tableName = `bench-${suffix}`;
  // A stage's stream only where the change processor is measured (changes-scenario.ts enables it).
  await ensureTable(dynamo, tableName, { stream: false });
  const queues = await ensureQueues(sqs, {
    name: `bench-${suffix}`,
    dlqName: `bench-${suffix}-dlq`,
    maxReceiveCount: SYNC_MAX_RECEIVES,
    visibilityTimeoutSeconds: SYNC_QUEUE_VISIBILITY_TIMEOUT_SECONDS,
  });
  const ctx = createCtx({
    table: tableName,
    encryptionKeys: services.encryptionKeys,
    queueUrl: queues.queueUrl,
    dynamo,
    sqs,
  });
  const env = resourceEnvironment({
    tableName,
    queueUrl: queues.queueUrl,
    dlqUrl: queues.dlqUrl,
    adminTokens: services.adminToken,
    encryptionKeys: services.encryptionKeys,
    dynamoEndpoint: services.dynamo.endpoint,
    sqsEndpoint: services.sqs.endpoint,
    region: REGION,
    stage: "bench",
  });
  return {
    name,
    tableName,
    queueUrl: queues.queueUrl,
    queueArn: queues.queueArn,
    dlqUrl: queues.dlqUrl,
    ctx,
    dynamo,
    sqs,
    env,
    async drop() {
      await Promise.allSettled([
        dynamo.send(new DeleteTableCommand({ TableName: tableName })),
        sqs.send(new DeleteQueueCommand({ QueueUrl: queues.queueUrl })),
        sqs.send(new DeleteQueueCommand({ QueueUrl: queues.dlqUrl })),
      ]);
      dynamo.destroy();
      sqs.destroy();
    },
  };
}
