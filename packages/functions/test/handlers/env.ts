/**
 * The deployed configuration of a queue or schedule handler, locally: a table and queues of its own on the
 * test run's DynamoDB Local and fauxqs, linked the way SST links them (`linkResources`, before the handler
 * module is imported), and the real AWS event samples of /work/shared/fixtures/aws-events.
 */
import { readFileSync } from "node:fs";
import { generateKeyRingEntry } from "@dashboard/core/crypto";
import { linkResources } from "@dashboard/local/resources";
import {
  createTestQueues,
  createTestTable,
  localAws,
  type TestQueues,
  type TestTable,
} from "@dashboard/testing/aws";

const FIXTURES = "/work/shared/fixtures/aws-events";

export const fixture = <T>(name: string): T => JSON.parse(readFileSync(`${FIXTURES}/${name}`, "utf8")) as T;

export interface LinkedEnv {
  table: TestTable;
  queues: TestQueues;
  /** The alerts queue and its DLQ, when asked for (`alerts: true`). */
  alertQueues?: TestQueues;
  close(): Promise<void>;
}

/** Creates the resources and links them; import the handler (dynamically) after this resolves. */
export async function linkTestResources(
  prefix: string,
  opts: { maxReceiveCount?: number; alerts?: boolean } = {},
): Promise<LinkedEnv> {
  const table = await createTestTable(prefix);
  const queues = await createTestQueues(prefix, { maxReceiveCount: opts.maxReceiveCount ?? 3 });
  const alertQueues = opts.alerts
    ? await createTestQueues(`${prefix}-alerts`, { maxReceiveCount: 10 })
    : undefined;
  const { dynamoEndpoint, sqsEndpoint, region } = localAws();
  linkResources({
    tableName: table.tableName,
    queueUrl: queues.queueUrl,
    dlqUrl: queues.dlqUrl,
    ...(alertQueues ? { alertsQueueUrl: alertQueues.queueUrl } : {}),
    adminTokens: "adm_handlers_test_token_0123456789",
    encryptionKeys: generateKeyRingEntry(),
    dynamoEndpoint,
    sqsEndpoint,
    region,
    stage: "test",
  });
  process.env.SYNC_MAX_RECEIVE_COUNT = String(opts.maxReceiveCount ?? 3);
  process.env.POWERTOOLS_LOG_LEVEL = "SILENT";
  process.env.POWERTOOLS_METRICS_DISABLED = "true";
  return {
    table,
    queues,
    ...(alertQueues ? { alertQueues } : {}),
    close: async () => {
      await Promise.allSettled([table.drop(), queues.drop(), alertQueues?.drop()]);
    },
  };
}
