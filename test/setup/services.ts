/**
 * vitest globalSetup: ONE DynamoDB Local (in memory) and ONE fauxqs for the whole run, started in
 * parallel, stopped at teardown. Tests reach them over HTTP like any AWS client would.
 *
 * The endpoints reach the test workers two ways: `inject("dynamoEndpoint")` (vitest's provide/inject)
 * and the standard SDK variables (`AWS_ENDPOINT_URL_DYNAMODB`, `AWS_ENDPOINT_URL_SQS`, `AWS_REGION`,
 * dummy credentials) set here before the worker processes fork, so code that builds its clients from
 * the environment — as the Lambda handlers do — talks to the local services too.
 * packages/local/test/harness.test.ts checks both.
 */

import { startDynamo } from "@dashboard/local/dynamo";
import { LOCAL_CREDENTIALS } from "@dashboard/local/resources";
import { startSqs } from "@dashboard/local/sqs";
import type { TestProject } from "vitest/node";

export const TEST_REGION = "us-east-1";

declare module "vitest" {
  export interface ProvidedContext {
    dynamoEndpoint: string;
    sqsEndpoint: string;
    awsRegion: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const [dynamo, sqs] = await Promise.allSettled([startDynamo(), startSqs()]);
  if (dynamo.status === "rejected" || sqs.status === "rejected") {
    await Promise.allSettled([
      dynamo.status === "fulfilled" ? dynamo.value.stop() : undefined,
      sqs.status === "fulfilled" ? sqs.value.stop() : undefined,
    ]);
    throw dynamo.status === "rejected" ? dynamo.reason : (sqs as PromiseRejectedResult).reason;
  }

  const env = {
    AWS_ENDPOINT_URL_DYNAMODB: dynamo.value.endpoint,
    AWS_ENDPOINT_URL_SQS: sqs.value.endpoint,
    AWS_REGION: TEST_REGION,
    AWS_DEFAULT_REGION: TEST_REGION,
    AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
  };
  const previous = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]));
  // Real credentials of the developer's shell must never be used by a test.
  delete process.env.AWS_SESSION_TOKEN;
  delete process.env.AWS_PROFILE;
  Object.assign(process.env, env);

  project.provide("dynamoEndpoint", dynamo.value.endpoint);
  project.provide("sqsEndpoint", sqs.value.endpoint);
  project.provide("awsRegion", TEST_REGION);

  return async () => {
    await Promise.allSettled([dynamo.value.stop(), sqs.value.stop()]);
    for (const [key, value] of Object.entries(previous)) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
  };
}
