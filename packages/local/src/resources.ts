/**
 * Links the local resources the way SST links them to a deployed function, so the handlers and core
 * read them through `import { Resource } from "sst"` and the AWS SDK's standard endpoint variables,
 * with no second code path for local runs.
 *
 * SST passes each link as `SST_RESOURCE_<Name>` holding the JSON of the component's link properties
 * followed by its type with ":" turned into "." (`{"name":"…","type":"sst.aws.Dynamo"}`), and
 * `SST_RESOURCE_App` holding `{"name":…,"stage":…}`: see `Link.build` / `Link.propertiesToEnv` in
 * .sst/platform/src/components/link.ts, and `getSSTLink()` in aws/dynamo.ts (`name`), aws/queue.ts
 * (`url`) and secret.ts (`value`). The `sst` SDK's `Resource` parses them on first access
 * (node_modules/sst/dist/resource/shared.js).
 */

export const APP_NAME = "dashboard";
export const LOCAL_STAGE = "local";

export interface LocalResources {
  tableName: string;
  queueUrl: string;
  dlqUrl: string;
  /** The alerts queue (stacks/alerts.ts), when the runtime runs the alerts consumer. */
  alertsQueueUrl?: string;
  /** Value of the `AdminTokens` secret, as `sst secret set AdminTokens …` would hold it. */
  adminTokens: string;
  /** Value of the `EncryptionKeys` secret. */
  encryptionKeys: string;
  dynamoEndpoint: string;
  sqsEndpoint: string;
  region: string;
  /** Default "local". */
  stage?: string;
}

/** The link names, as `stacks/` declares the components; `Resource.<name>` in code. */
export const LINK_NAMES = {
  table: "Table",
  queue: "SyncQueue",
  deadLetterQueue: "SyncDeadLetterQueue",
  alertsQueue: "AlertsQueue",
  adminTokens: "AdminTokens",
  encryptionKeys: "EncryptionKeys",
} as const;

/** Dummy credentials: DynamoDB Local and fauxqs accept any; real ones must never reach them. */
export const LOCAL_CREDENTIALS = { accessKeyId: "local", secretAccessKey: "local" } as const;

const link = (value: Record<string, string>) => JSON.stringify(value);

/** The environment a linked Lambda sees, for these local resources. Pure. */
export function resourceEnvironment(resources: LocalResources): Record<string, string> {
  for (const [key, value] of Object.entries(resources)) {
    if (key === "alertsQueueUrl" && value === undefined) continue;
    if (key !== "stage" && (typeof value !== "string" || value === "")) {
      throw new TypeError(`linkResources: ${key} must be a non-empty string`);
    }
  }
  return {
    SST_RESOURCE_App: link({ name: APP_NAME, stage: resources.stage ?? LOCAL_STAGE }),
    [`SST_RESOURCE_${LINK_NAMES.table}`]: link({ name: resources.tableName, type: "sst.aws.Dynamo" }),
    [`SST_RESOURCE_${LINK_NAMES.queue}`]: link({ url: resources.queueUrl, type: "sst.aws.Queue" }),
    [`SST_RESOURCE_${LINK_NAMES.deadLetterQueue}`]: link({ url: resources.dlqUrl, type: "sst.aws.Queue" }),
    ...(resources.alertsQueueUrl
      ? {
          [`SST_RESOURCE_${LINK_NAMES.alertsQueue}`]: link({
            url: resources.alertsQueueUrl,
            type: "sst.aws.Queue",
          }),
        }
      : {}),
    [`SST_RESOURCE_${LINK_NAMES.adminTokens}`]: link({
      value: resources.adminTokens,
      type: "sst.sst.Secret",
    }),
    [`SST_RESOURCE_${LINK_NAMES.encryptionKeys}`]: link({
      value: resources.encryptionKeys,
      type: "sst.sst.Secret",
    }),
    AWS_ENDPOINT_URL_DYNAMODB: resources.dynamoEndpoint,
    AWS_ENDPOINT_URL_SQS: resources.sqsEndpoint,
    AWS_REGION: resources.region,
    AWS_DEFAULT_REGION: resources.region,
    AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
  };
}

/** Variables that would make the SDK use something other than the dummy credentials above. */
const CONFLICTING = ["AWS_SESSION_TOKEN", "AWS_PROFILE", "AWS_ENDPOINT_URL"] as const;

/**
 * SST's `Resource` reads the environment once, on first access, into a global. Linking after that
 * would leave code reading stale values, so it is refused.
 */
function resourceAlreadyRead(): boolean {
  const loaded = (globalThis as { __SST_RESOURCE_ENVIRONMENT__?: Record<string, unknown> })
    .__SST_RESOURCE_ENVIRONMENT__;
  return loaded !== undefined && Object.keys(loaded).length > 0;
}

/**
 * Sets the environment a linked Lambda sees. Call it before any handler or core module is imported
 * (they create SDK clients and may read `Resource` at module scope).
 */
export function linkResources(resources: LocalResources, env: NodeJS.ProcessEnv = process.env): void {
  const values = resourceEnvironment(resources);
  if (env === process.env && resourceAlreadyRead()) {
    throw new Error(
      'linkResources() ran after `Resource` from "sst" was first read; call it before importing handlers or core.',
    );
  }
  for (const name of CONFLICTING) delete env[name];
  Object.assign(env, values);
}
