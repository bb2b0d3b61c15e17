import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  CreateTableCommand,
  DescribeTableCommand,
  DescribeTimeToLiveCommand,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
} from "@aws-sdk/client-dynamodb";
import { TABLE } from "@dashboard/core/store/table";
import { createDynamoClient, uniqueName } from "@dashboard/testing/aws";
import { afterAll, describe, expect, it } from "vitest";
import { startDynamo } from "../src/dynamo";
import { LocalServiceError } from "../src/errors";
import { JAVA_INSTALL_HINT } from "../src/java";
import { LOCAL_CREDENTIALS } from "../src/resources";
import { ensureTable } from "../src/table";

const clientFor = (endpoint: string) =>
  new DynamoDBClient({ endpoint, region: "us-east-1", credentials: LOCAL_CREDENTIALS });

/** Tests that start their own JVM: a cold start on a loaded 2-core machine takes tens of seconds. */
const JVM_TEST_TIMEOUT = 180_000;

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function eventually(check: () => boolean, what: string, limitMs = 60_000): Promise<void> {
  const deadline = Date.now() + limitMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`still waiting for: ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe("startDynamo", () => {
  const dirs: string[] = [];
  afterAll(() => {
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  it(
    "keeps every item across a restart with a data dir, on 127.0.0.1, and leaves no process behind",
    async () => {
      const dataDir = mkdtempSync(join(tmpdir(), "dashboard-ddb-"));
      dirs.push(dataDir);
      const tableName = "persisted";
      const key = { pk: { S: "SITE#s1" }, sk: { S: "PAINTING#1" } };

      const first = await startDynamo({ dataDir });
      expect(first.endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      const client1 = clientFor(first.endpoint);
      await ensureTable(client1, tableName);
      await client1.send(
        new PutItemCommand({ TableName: tableName, Item: { ...key, title: { S: "Nymphéas" } } }),
      );
      client1.destroy();
      await first.stop();
      expect(alive(first.pid)).toBe(false);
      await first.stop(); // idempotent

      const second = await startDynamo({ dataDir });
      try {
        const client2 = clientFor(second.endpoint);
        const { Item } = await client2.send(new GetItemCommand({ TableName: tableName, Key: key }));
        expect(Item?.title).toEqual({ S: "Nymphéas" });
        // The table kept its definition too: ensureTable finds it and creates nothing.
        expect(await ensureTable(client2, tableName)).toMatchObject({ created: false });
        client2.destroy();
      } finally {
        await second.stop();
      }
      expect(alive(second.pid)).toBe(false);
    },
    JVM_TEST_TIMEOUT,
  );

  it(
    "does not outlive a parent that is killed with SIGKILL",
    async () => {
      // A separate Node process starts DynamoDB Local, prints the JVM's pid, and is then killed hard:
      // no exit hook can run, so only the launcher's stdin watchdog can stop the JVM.
      const script = [
        'import { startDynamo } from "@dashboard/local/dynamo";',
        "const server = await startDynamo();",
        'console.log("PID " + server.pid);',
        "setInterval(() => {}, 1000);",
      ].join("\n");
      const child = spawn(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], {
        stdio: ["ignore", "pipe", "inherit"],
        cwd: process.cwd(),
      });
      const pid = await new Promise<number>((resolve, reject) => {
        let out = "";
        child.stdout.on("data", (chunk: Buffer) => {
          out += chunk.toString();
          const match = /PID (\d+)/.exec(out);
          if (match) resolve(Number(match[1]));
        });
        child.once("exit", (code) => reject(new Error(`child exited early (${code})`)));
      });
      expect(alive(pid)).toBe(true);
      child.kill("SIGKILL");
      await eventually(() => !alive(pid), `JVM ${pid} to exit after its parent died`);
    },
    JVM_TEST_TIMEOUT,
  );

  it(
    "falls back to the plain jar where Java cannot compile the launcher",
    async () => {
      const server = await startDynamo({ loopbackLauncher: false });
      try {
        expect(server.loopbackOnly).toBe(false);
        const client = clientFor(server.endpoint);
        await ensureTable(client, "fallback");
        client.destroy();
      } finally {
        await server.stop();
      }
      expect(alive(server.pid)).toBe(false);
    },
    JVM_TEST_TIMEOUT,
  );

  it("says exactly what to install when Java is missing", async () => {
    const previous = process.env.JAVA_HOME;
    process.env.JAVA_HOME = join(tmpdir(), "no-java-here");
    try {
      const error = await startDynamo().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(LocalServiceError);
      expect(error).toMatchObject({ code: "java_not_found" });
      expect((error as Error).message).toContain("apt-get install openjdk-17-jre-headless");
      expect(JAVA_INSTALL_HINT).toContain("openjdk-17-jre-headless");
    } finally {
      if (previous === undefined) delete process.env.JAVA_HOME;
      else process.env.JAVA_HOME = previous;
    }
  });
});

describe("ensureTable (on the run-wide DynamoDB Local)", () => {
  const client = createDynamoClient();
  afterAll(() => client.destroy());

  it("creates the table from TABLE once, and is idempotent", async () => {
    const tableName = uniqueName("ensure");
    const results = [await ensureTable(client, tableName), await ensureTable(client, tableName)];
    expect(results.map((r) => r.created)).toEqual([true, false]);
    expect(results[0]?.streamArn).toMatch(/^arn:aws:dynamodb:.+\/stream\//);
    expect(results[1]?.streamArn).toBe(results[0]?.streamArn);
    // Concurrent callers agree too.
    const concurrent = await Promise.all([ensureTable(client, tableName), ensureTable(client, tableName)]);
    expect(concurrent.every((r) => !r.created)).toBe(true);

    const { Table } = await client.send(new DescribeTableCommand({ TableName: tableName }));
    expect(Table?.TableStatus).toBe("ACTIVE");
    expect(Table?.BillingModeSummary?.BillingMode).toBe("PAY_PER_REQUEST");
    expect(Table?.KeySchema).toEqual([
      { AttributeName: TABLE.partitionKey, KeyType: "HASH" },
      { AttributeName: TABLE.sortKey, KeyType: "RANGE" },
    ]);
    const indexes = Object.fromEntries(
      (Table?.GlobalSecondaryIndexes ?? []).map((i) => [
        i.IndexName,
        {
          keys: i.KeySchema?.map((k) => `${k.AttributeName}:${k.KeyType}`),
          projection: i.Projection?.ProjectionType,
        },
      ]),
    );
    expect(indexes).toEqual({
      gsi1: { keys: ["gsi1pk:HASH", "gsi1sk:RANGE"], projection: "ALL" },
      gsi2: { keys: ["gsi2pk:HASH", "gsi2sk:RANGE"], projection: "ALL" },
    });
    const ttl = await client.send(new DescribeTimeToLiveCommand({ TableName: tableName }));
    expect(ttl.TimeToLiveDescription).toMatchObject({
      AttributeName: "expires_at",
      TimeToLiveStatus: "ENABLED",
    });
    expect(Table?.StreamSpecification).toEqual({ StreamEnabled: true, StreamViewType: "NEW_AND_OLD_IMAGES" });
  });

  it("enables the stream on a table created without one (a data dir of an earlier version)", async () => {
    const tableName = uniqueName("nostream");
    const attributes = ["pk", "sk", "gsi1pk", "gsi1sk", "gsi2pk", "gsi2sk"];
    await client.send(
      new CreateTableCommand({
        TableName: tableName,
        BillingMode: "PAY_PER_REQUEST",
        KeySchema: [
          { AttributeName: "pk", KeyType: "HASH" },
          { AttributeName: "sk", KeyType: "RANGE" },
        ],
        AttributeDefinitions: attributes.map((n) => ({ AttributeName: n, AttributeType: "S" })),
        GlobalSecondaryIndexes: ["gsi1", "gsi2"].map((name) => ({
          IndexName: name,
          KeySchema: [
            { AttributeName: `${name}pk`, KeyType: "HASH" as const },
            { AttributeName: `${name}sk`, KeyType: "RANGE" as const },
          ],
          Projection: { ProjectionType: "ALL" as const },
        })),
      }),
    );
    const result = await ensureTable(client, tableName);
    expect(result.created).toBe(false);
    const { Table } = await client.send(new DescribeTableCommand({ TableName: tableName }));
    expect(Table?.StreamSpecification).toEqual({ StreamEnabled: true, StreamViewType: "NEW_AND_OLD_IMAGES" });
    expect(result.streamArn).toBe(Table?.LatestStreamArn);
  });

  it("refuses a table that lacks an index of TABLE, rather than reshaping it", async () => {
    const tableName = uniqueName("older");
    await client.send(
      new CreateTableCommand({
        TableName: tableName,
        BillingMode: "PAY_PER_REQUEST",
        KeySchema: [
          { AttributeName: "pk", KeyType: "HASH" },
          { AttributeName: "sk", KeyType: "RANGE" },
        ],
        AttributeDefinitions: ["pk", "sk", "gsi1pk", "gsi1sk"].map((n) => ({
          AttributeName: n,
          AttributeType: "S",
        })),
        GlobalSecondaryIndexes: [
          {
            IndexName: "gsi1",
            KeySchema: [
              { AttributeName: "gsi1pk", KeyType: "HASH" },
              { AttributeName: "gsi1sk", KeyType: "RANGE" },
            ],
            Projection: { ProjectionType: "ALL" },
          },
        ],
      }),
    );
    const error = await ensureTable(client, tableName).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "table_schema_mismatch" });
    expect(String(error)).toMatch(/index gsi2 is missing/);
  });

  it("refuses a table whose key schema differs", async () => {
    const tableName = uniqueName("wrong");
    await client.send(
      new CreateTableCommand({
        TableName: tableName,
        BillingMode: "PAY_PER_REQUEST",
        KeySchema: [{ AttributeName: "id", KeyType: "HASH" }],
        AttributeDefinitions: [{ AttributeName: "id", AttributeType: "S" }],
      }),
    );
    await expect(ensureTable(client, tableName)).rejects.toMatchObject({ code: "table_schema_mismatch" });
  });
});
