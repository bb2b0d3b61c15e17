import {
  GetQueueAttributesCommand,
  ListQueuesCommand,
  SendMessageCommand,
  SQSClient,
} from "@aws-sdk/client-sqs";
import { createSqsClient, localAws, uniqueName } from "@dashboard/testing/aws";
import { afterAll, describe, expect, it } from "vitest";
import { LOCAL_CREDENTIALS } from "../src/resources";
import { ensureQueues, startSqs } from "../src/sqs";

describe("startSqs", () => {
  it("serves the SQS wire protocol on 127.0.0.1 and stops", async () => {
    const server = await startSqs();
    expect(server.endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const sqs = new SQSClient({
      endpoint: server.endpoint,
      region: "us-east-1",
      credentials: LOCAL_CREDENTIALS,
    });
    const queues = await ensureQueues(sqs, {
      name: "q",
      dlqName: "q-dlq",
      maxReceiveCount: 3,
      visibilityTimeoutSeconds: 5,
    });
    expect(queues.queueUrl.startsWith(server.endpoint)).toBe(true);
    await server.stop();
    await server.stop(); // idempotent
    await expect(sqs.send(new ListQueuesCommand({}))).rejects.toThrow();
    sqs.destroy();
  });
});

describe("ensureQueues (on the run-wide fauxqs)", () => {
  const sqs = createSqsClient();
  afterAll(() => sqs.destroy());

  const attributes = async (queueUrl: string) =>
    (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ["All"] })))
      .Attributes ?? {};

  it("creates the queue and its DLQ with a real RedrivePolicy, idempotently", async () => {
    const name = uniqueName("sync");
    const spec = { name, dlqName: `${name}-dlq`, maxReceiveCount: 4, visibilityTimeoutSeconds: 180 };
    const first = await ensureQueues(sqs, spec);
    expect(first.queueArn).toBe(`arn:aws:sqs:us-east-1:000000000000:${name}`);
    expect(first.dlqArn).toBe(`arn:aws:sqs:us-east-1:000000000000:${name}-dlq`);

    const queue = await attributes(first.queueUrl);
    expect(queue.VisibilityTimeout).toBe("180");
    expect(JSON.parse(queue.RedrivePolicy ?? "null")).toEqual({
      deadLetterTargetArn: first.dlqArn,
      maxReceiveCount: 4,
    });
    expect((await attributes(first.dlqUrl)).MessageRetentionPeriod).toBe("1209600");

    expect(await ensureQueues(sqs, spec)).toEqual(first);
  });

  it("names queues with a reachable URL, so a client configured like a Lambda's (no endpoint) works", async () => {
    const name = uniqueName("reach");
    const { queueUrl } = await ensureQueues(sqs, {
      name,
      dlqName: `${name}-dlq`,
      maxReceiveCount: 3,
      visibilityTimeoutSeconds: 30,
    });
    expect(queueUrl).toBe(`${localAws().sqsEndpoint}/000000000000/${name}`);
    // The SDK sends to the queue URL's origin when the client has no explicit endpoint; with no
    // endpoint variable either, only the URL can lead it to fauxqs.
    const saved = process.env.AWS_ENDPOINT_URL_SQS;
    delete process.env.AWS_ENDPOINT_URL_SQS;
    try {
      const lambdaLike = new SQSClient({ region: "us-east-1", credentials: LOCAL_CREDENTIALS });
      const sent = await lambdaLike.send(
        new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: "hello" }),
      );
      expect(sent.MessageId).toBeTruthy();
      lambdaLike.destroy();
    } finally {
      process.env.AWS_ENDPOINT_URL_SQS = saved;
    }
  });

  it("updates an existing queue to a new retry count and visibility, keeping its messages", async () => {
    const name = uniqueName("change");
    const first = await ensureQueues(sqs, {
      name,
      dlqName: `${name}-dlq`,
      maxReceiveCount: 3,
      visibilityTimeoutSeconds: 30,
    });
    await sqs.send(new SendMessageCommand({ QueueUrl: first.queueUrl, MessageBody: "kept" }));
    const second = await ensureQueues(sqs, {
      name,
      dlqName: `${name}-dlq`,
      maxReceiveCount: 7,
      visibilityTimeoutSeconds: 60,
    });
    expect(second).toEqual(first);
    const queue = await attributes(first.queueUrl);
    expect(queue.VisibilityTimeout).toBe("60");
    expect(JSON.parse(queue.RedrivePolicy ?? "null")).toMatchObject({ maxReceiveCount: 7 });
    expect(queue.ApproximateNumberOfMessages).toBe("1");
  });

  it("rejects impossible settings before touching SQS", async () => {
    const name = uniqueName("bad");
    await expect(
      ensureQueues(sqs, { name, dlqName: `${name}-dlq`, maxReceiveCount: 0, visibilityTimeoutSeconds: 30 }),
    ).rejects.toThrow(RangeError);
    await expect(
      ensureQueues(sqs, {
        name,
        dlqName: `${name}-dlq`,
        maxReceiveCount: 3,
        visibilityTimeoutSeconds: 50_000,
      }),
    ).rejects.toThrow(RangeError);
    const { QueueUrls = [] } = await sqs.send(new ListQueuesCommand({ QueueNamePrefix: name }));
    expect(QueueUrls).toEqual([]);
  });
});
