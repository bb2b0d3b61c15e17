import { DynamoDBClient, ListTablesCommand } from "@aws-sdk/client-dynamodb";
import { createTestQueues, createTestTable, localAws } from "@dashboard/testing/aws";
import { afterAll, describe, expect, it } from "vitest";
import { linkResources, resourceEnvironment } from "../src/resources";

const saved = { ...process.env };
afterAll(() => {
  for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key];
  Object.assign(process.env, saved);
});

describe("linkResources", () => {
  it("sets the environment SST gives a linked function, read back through Resource from sst", async () => {
    const table = await createTestTable("linked");
    const queues = await createTestQueues("linked");
    const { dynamoEndpoint, sqsEndpoint } = localAws();
    process.env.AWS_SESSION_TOKEN = "a-real-looking-session-token";
    linkResources({
      tableName: table.tableName,
      queueUrl: queues.queueUrl,
      dlqUrl: queues.dlqUrl,
      adminTokens: "token-hash-1,token-hash-2",
      encryptionKeys: "k1:c2VjcmV0",
      dynamoEndpoint,
      sqsEndpoint,
      region: "us-east-1",
    });

    expect(process.env.SST_RESOURCE_Table).toBe(
      JSON.stringify({ name: table.tableName, type: "sst.aws.Dynamo" }),
    );
    expect(process.env.SST_RESOURCE_App).toBe('{"name":"dashboard","stage":"local"}');
    expect(process.env.AWS_ENDPOINT_URL_DYNAMODB).toBe(dynamoEndpoint);
    expect(process.env.AWS_ENDPOINT_URL_SQS).toBe(sqsEndpoint);
    expect(process.env.AWS_REGION).toBe("us-east-1");
    expect(process.env.AWS_ACCESS_KEY_ID).toBe("local");
    expect(process.env.AWS_SESSION_TOKEN).toBeUndefined();

    // What handler code does: the sst SDK, imported after linking.
    const { Resource } = await import("sst");
    const linked = Resource as unknown as Record<string, Record<string, string>>;
    expect(linked.App).toEqual({ name: "dashboard", stage: "local" });
    expect(linked.Table).toEqual({ name: table.tableName, type: "sst.aws.Dynamo" });
    expect(linked.SyncQueue).toEqual({ url: queues.queueUrl, type: "sst.aws.Queue" });
    expect(linked.SyncDeadLetterQueue).toEqual({ url: queues.dlqUrl, type: "sst.aws.Queue" });
    expect(linked.AdminTokens).toEqual({ value: "token-hash-1,token-hash-2", type: "sst.sst.Secret" });
    expect(linked.EncryptionKeys).toEqual({ value: "k1:c2VjcmV0", type: "sst.sst.Secret" });
    expect(() => linked.Missing).toThrow(/not linked/);

    // And an SDK client configured like a handler's, from the environment alone, reaches DynamoDB Local.
    const fromEnv = new DynamoDBClient({});
    const { TableNames = [] } = await fromEnv.send(new ListTablesCommand({}));
    expect(TableNames).toContain(table.tableName);
    fromEnv.destroy();

    // Linking again now would leave code reading stale values.
    expect(() =>
      linkResources({
        tableName: "other",
        queueUrl: queues.queueUrl,
        dlqUrl: queues.dlqUrl,
        adminTokens: "x",
        encryptionKeys: "y",
        dynamoEndpoint,
        sqsEndpoint,
        region: "us-east-1",
      }),
    ).toThrow(/before importing/);

    await table.drop();
    await queues.drop();
  });

  it("refuses an empty value rather than linking a broken resource", () => {
    expect(() =>
      resourceEnvironment({
        tableName: "",
        queueUrl: "q",
        dlqUrl: "d",
        adminTokens: "a",
        encryptionKeys: "e",
        dynamoEndpoint: "http://127.0.0.1:1",
        sqsEndpoint: "http://127.0.0.1:2",
        region: "us-east-1",
      }),
    ).toThrow(/tableName/);
  });
});
