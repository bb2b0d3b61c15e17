/**
 * The deployed shape: the exported Lambda handlers of `api.ts` and `webhook.ts`, configured from SST's
 * resource variables as in AWS, fed a real API Gateway HTTP API (payload 2.0) event sample and answering
 * in API Gateway's response shape, against DynamoDB Local and fauxqs.
 */
import { readFileSync } from "node:fs";
import { ReceiveMessageCommand, type SQSClient } from "@aws-sdk/client-sqs";
import { generateKeyRingEntry } from "@dashboard/core/crypto";
import { sign } from "@dashboard/core/webhook";
import { createTestQueues, createTestTable } from "@dashboard/testing/aws";
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from "aws-lambda";
import { interceptLocalhostDns } from "fauxqs";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { ADMIN_TOKEN } from "./client";

const FIXTURE = "/work/shared/fixtures/aws-events/apigw-http-no-auth.json";

type Handler = (
  event: APIGatewayProxyEventV2,
  context: Context,
) => Promise<APIGatewayProxyStructuredResultV2>;
let apiHandler: Handler;
let webhookHandler: Handler;
let sqs: SQSClient;
let queueUrl: string;
let restoreDns: () => void;

/** The API Gateway sample, adapted to one of our routes. */
function apiGatewayEvent(
  method: string,
  path: string,
  opts: { body?: string; headers?: Record<string, string>; query?: string } = {},
): APIGatewayProxyEventV2 {
  const sample = JSON.parse(readFileSync(FIXTURE, "utf8")) as APIGatewayProxyEventV2;
  const headers: Record<string, string | undefined> = { ...sample.headers, ...opts.headers };
  delete headers.authorization;
  if (opts.headers?.authorization) headers.authorization = opts.headers.authorization;
  headers["content-length"] = String(Buffer.byteLength(opts.body ?? ""));
  return {
    ...sample,
    routeKey: "ANY /api/{proxy+}",
    rawPath: path,
    rawQueryString: opts.query ?? "",
    headers,
    requestContext: {
      ...sample.requestContext,
      routeKey: "ANY /api/{proxy+}",
      http: { ...sample.requestContext.http, method, path },
    },
    ...(opts.body !== undefined ? { body: opts.body, isBase64Encoded: false } : {}),
  };
}

const lambdaContext = (awsRequestId: string, remainingMs = 29_000) =>
  ({
    awsRequestId,
    functionName: "dashboard-api",
    getRemainingTimeInMillis: vi.fn(() => remainingMs),
  }) as unknown as Context;

beforeAll(async () => {
  const { tableName } = await createTestTable("api-lambda");
  const queues = await createTestQueues("api-lambda");
  sqs = queues.sqs;
  queueUrl = queues.queueUrl;
  // fauxqs names its queues `http://sqs.<region>.localhost:<port>/...`, and an SQS client built from the
  // environment, as in Lambda, sends to the queue URL's host: make `*.localhost` resolve in this worker.
  restoreDns = interceptLocalhostDns();
  // What SST puts in a linked function's environment.
  process.env.SST_RESOURCE_App = JSON.stringify({ name: "artworksdigital-dashboard", stage: "test" });
  process.env.SST_RESOURCE_Table = JSON.stringify({ name: tableName, type: "sst.aws.Dynamo" });
  process.env.SST_RESOURCE_SyncQueue = JSON.stringify({ url: queueUrl, type: "sst.aws.Queue" });
  process.env.SST_RESOURCE_AdminTokens = JSON.stringify({ value: ADMIN_TOKEN, type: "sst.sst.Secret" });
  process.env.SST_RESOURCE_EncryptionKeys = JSON.stringify({
    value: generateKeyRingEntry(),
    type: "sst.sst.Secret",
  });
  process.env.POWERTOOLS_LOG_LEVEL = "ERROR";
  apiHandler = (await import("@dashboard/functions/api")).handler as unknown as Handler;
  webhookHandler = (await import("@dashboard/functions/webhook")).handler as unknown as Handler;
});

afterAll(() => {
  restoreDns?.();
});

describe("Lambda handlers behind API Gateway (HTTP API, payload 2.0)", () => {
  it("answers the health check in API Gateway's response shape", async () => {
    const res = await apiHandler(apiGatewayEvent("GET", "/api/health"), lambdaContext("req-health-1"));
    expect(res.statusCode).toBe(200);
    expect(res.isBase64Encoded).toBe(false);
    expect(res.headers?.["content-type"]).toMatch(/^application\/json/);
    expect(res.headers?.["x-request-id"]).toBe("req-health-1");
    expect(JSON.parse(String(res.body))).toEqual({ status: "ok" });
  });

  it("refuses an admin route without the right token", async () => {
    const res = await apiHandler(
      apiGatewayEvent("GET", "/api/sites", { headers: { authorization: "Bearer foo" } }),
      lambdaContext("req-401"),
    );
    expect(res.statusCode).toBe(401);
    expect(JSON.parse(String(res.body)).error.code).toBe("unauthorized");
  });

  it("creates a site through the API handler, then accepts its signed webhook through the webhook handler", async () => {
    const created = await apiHandler(
      apiGatewayEvent("POST", "/api/sites", {
        headers: { authorization: `Bearer ${ADMIN_TOKEN}`, "content-type": "application/json" },
        body: JSON.stringify({
          id: "atelier-lambda",
          name: "Atelier Lambda",
          template_url: "https://l.example.com",
          api_key: "k-1234",
        }),
      }),
      lambdaContext("req-create"),
    );
    expect(created.statusCode).toBe(201);
    const { webhook_secret } = JSON.parse(String(created.body)) as { webhook_secret: string };

    const listed = await apiHandler(
      apiGatewayEvent("GET", "/api/sites", { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } }),
      lambdaContext("req-list"),
    );
    expect(listed.statusCode).toBe(200);
    expect(JSON.parse(String(listed.body)).items.map((s: { id: string }) => s.id)).toContain(
      "atelier-lambda",
    );

    const body = JSON.stringify({
      event: "settings_updated",
      site_id: "atelier-lambda",
      event_id: "evt-lambda",
    });
    const t = Math.floor(Date.now() / 1000);
    const accepted = await webhookHandler(
      {
        ...apiGatewayEvent("POST", "/api/sync/webhook/template", {
          headers: {
            "content-type": "application/json",
            "x-template-signature": `t=${t},v1=${sign(webhook_secret, t, body)}`,
          },
          body,
        }),
        routeKey: "POST /api/sync/webhook/template",
      },
      lambdaContext("req-webhook"),
    );
    expect(accepted.statusCode).toBe(202);
    expect(JSON.parse(String(accepted.body))).toMatchObject({ accepted: true, entities: ["settings"] });
    const received = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10 }),
    );
    expect((received.Messages ?? []).map((m) => JSON.parse(m.Body ?? "{}").entity)).toEqual(["settings"]);
  });

  it("never waits for a manual sync past the invocation's remaining time", { timeout: 15_000 }, async () => {
    // 2 s left: less than the margin kept to answer, so `wait=25` must not wait at all.
    const context = lambdaContext("req-sync", 2_000);
    const res = await apiHandler(
      apiGatewayEvent("POST", "/api/sync/template/atelier-lambda", {
        headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
        query: "wait=25",
      }),
      context,
    );
    expect(res.statusCode).toBe(202);
    expect(JSON.parse(String(res.body))).toMatchObject({ status: "queued" });
    expect(context.getRemainingTimeInMillis).toHaveBeenCalled();
  });
});
