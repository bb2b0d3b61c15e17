/**
 * The deployed shape of the exports: the export function's handler (`export.ts`, Hono's `streamHandle`) fed
 * a Lambda function URL event (payload 2.0, the API Gateway sample with the URL's `$default` route), writing
 * to a response stream as Lambda's response streaming does: the status and headers first
 * (`awslambda.HttpResponseStream.from`), then the file in several writes, against DynamoDB Local.
 * The Lambda runtime's `awslambda` global is stood in for here: it only wraps the handler and the stream.
 */
import { readFileSync } from "node:fs";
import { Writable } from "node:stream";
import { generateKeyRingEntry } from "@dashboard/core/crypto";
import { toItem } from "@dashboard/core/record";
import { batchWrite, putRequest } from "@dashboard/core/store/db";
import { contentHash } from "@dashboard/core/util/hash";
import { createTestStage, type TestStage } from "@dashboard/testing/aws";
import type { APIGatewayProxyEventV2, Context } from "aws-lambda";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ADMIN_TOKEN } from "./client";

const FIXTURE = "/work/shared/fixtures/aws-events/apigw-http-no-auth.json";
const ORDERS = 1_500;

interface Metadata {
  statusCode: number;
  headers: Record<string, string>;
}

/** What the function wrote: the metadata, then each write of the body. */
class ResponseStream extends Writable {
  metadata?: Metadata;
  writes: Buffer[] = [];
  override _write(chunk: Buffer, _encoding: BufferEncoding, done: () => void) {
    this.writes.push(Buffer.from(chunk));
    done();
  }
}

type StreamingHandler = (event: APIGatewayProxyEventV2, stream: Writable, context: Context) => Promise<void>;
let handler: StreamingHandler;
let stage: TestStage;

/** A function URL event for a GET of `path?query`. */
function urlEvent(path: string, query: string, token: string | null): APIGatewayProxyEventV2 {
  const sample = JSON.parse(readFileSync(FIXTURE, "utf8")) as APIGatewayProxyEventV2;
  const headers: Record<string, string | undefined> = { ...sample.headers };
  delete headers.authorization;
  if (token) headers.authorization = `Bearer ${token}`;
  return {
    ...sample,
    routeKey: "$default",
    rawPath: path,
    rawQueryString: query,
    headers,
    requestContext: {
      ...sample.requestContext,
      routeKey: "$default",
      http: { ...sample.requestContext.http, method: "GET", path },
    },
  };
}

async function invoke(path: string, query: string, token: string | null = ADMIN_TOKEN) {
  const stream = new ResponseStream();
  const finished = new Promise((resolve) => stream.on("finish", resolve));
  await handler(urlEvent(path, query, token), stream, { awsRequestId: "req-export" } as Context);
  await finished;
  return { metadata: stream.metadata, writes: stream.writes, body: Buffer.concat(stream.writes) };
}

beforeAll(async () => {
  stage = await createTestStage("export-lambda");
  const runtime = globalThis as { awslambda?: unknown };
  runtime.awslambda = {
    streamifyResponse: (h: unknown) => h,
    HttpResponseStream: {
      from: (stream: ResponseStream, metadata: Metadata) => {
        stream.metadata = metadata;
        return stream;
      },
    },
  };
  process.env.SST_RESOURCE_App = JSON.stringify({ name: "artworksdigital-dashboard", stage: "test" });
  process.env.SST_RESOURCE_Table = JSON.stringify({ name: stage.table.tableName, type: "sst.aws.Dynamo" });
  process.env.SST_RESOURCE_SyncQueue = JSON.stringify({ url: stage.queues.queueUrl, type: "sst.aws.Queue" });
  process.env.SST_RESOURCE_AdminTokens = JSON.stringify({ value: ADMIN_TOKEN, type: "sst.sst.Secret" });
  process.env.SST_RESOURCE_EncryptionKeys = JSON.stringify({
    value: generateKeyRingEntry(),
    type: "sst.sst.Secret",
  });
  process.env.POWERTOOLS_LOG_LEVEL = "ERROR";
  handler = (await import("@dashboard/functions/export")).handler as unknown as StreamingHandler;

  const at = new Date().toISOString();
  await batchWrite(
    stage.ctx,
    Array.from({ length: ORDERS }, (_, i) => {
      const record = {
        id: i + 1,
        customer_name: `Hélène ${i + 1}`,
        email: `h.${i + 1}@example.fr`,
        total_price: 10,
        order_date: "2025-05-01 09:00:00",
        status: "Payée",
        items: [],
        site_name: "Atelier Lambda",
      };
      return putRequest(
        toItem("atelier-lambda", "orders", record, "https://l.example", at, contentHash(record)),
      );
    }),
  );
});

afterAll(async () => {
  await stage?.drop();
});

describe("the export function behind its URL (response streaming)", () => {
  it("streams the CSV: status and headers first, then the file in several writes", async () => {
    const res = await invoke("/api/export/orders.csv", "site_id=atelier-lambda&separator=%3B");
    expect(res.metadata?.statusCode).toBe(200);
    expect(res.metadata?.headers["content-type"]).toBe("text/csv; charset=utf-8");
    expect(res.metadata?.headers["content-disposition"]).toMatch(
      /^attachment; filename="orders-\d{4}-\d{2}-\d{2}\.csv"$/,
    );
    // The header line, then one write per page of 1,000 orders.
    expect(res.writes.length).toBeGreaterThanOrEqual(3);
    expect([...res.body.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const text = res.body.toString("utf8");
    expect(text.split("\r\n").filter(Boolean)).toHaveLength(1 + ORDERS);
    expect(text).toContain(";Hélène 1;");
  });

  it("answers a refused request with its JSON error, not a stream", async () => {
    const res = await invoke("/api/export/orders.csv", "", null);
    expect(res.metadata?.statusCode).toBe(401);
    expect(JSON.parse(res.body.toString("utf8")).error.code).toBe("unauthorized");
  });
});
