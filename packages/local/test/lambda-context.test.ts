import { describe, expect, it } from "vitest";
import { createLambdaContext, parseArn } from "../src/lambda-context";

describe("createLambdaContext", () => {
  it("has the fields the Lambda Node.js runtime sets", () => {
    const context = createLambdaContext({
      functionName: "SyncConsumer",
      timeoutMs: 60_000,
      memoryLimitInMB: 512,
    });
    expect(context).toMatchObject({
      callbackWaitsForEmptyEventLoop: true,
      functionName: "SyncConsumer",
      functionVersion: "$LATEST",
      invokedFunctionArn: "arn:aws:lambda:us-east-1:000000000000:function:SyncConsumer",
      memoryLimitInMB: "512",
      logGroupName: "/aws/lambda/SyncConsumer",
    });
    expect(context.awsRequestId).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
    expect(context.logStreamName).toMatch(/^\d{4}\/\d{2}\/\d{2}\/\[\$LATEST\][0-9a-f]{32}$/);
    expect(createLambdaContext({ functionName: "f", timeoutMs: 1 }).awsRequestId).not.toBe(
      context.awsRequestId,
    );
  });

  it("counts getRemainingTimeInMillis down from the timeout, never below zero", () => {
    const started = Date.now() - 10_000;
    const running = createLambdaContext({ functionName: "f", timeoutMs: 60_000, startedAt: started });
    const remaining = running.getRemainingTimeInMillis();
    expect(remaining).toBeLessThanOrEqual(50_000);
    expect(remaining).toBeGreaterThan(0);
    const late = createLambdaContext({ functionName: "f", timeoutMs: 5_000, startedAt: started });
    expect(late.getRemainingTimeInMillis()).toBe(0);
  });

  it("rejects callback-style completion, which nodejs24.x no longer supports", () => {
    const context = createLambdaContext({ functionName: "f", timeoutMs: 1_000 });
    expect(() => context.done()).toThrow(/nodejs24\.x/);
    expect(() => context.succeed("x")).toThrow(/nodejs24\.x/);
    expect(() => context.fail("x")).toThrow(/nodejs24\.x/);
  });

  it("refuses a non-positive timeout", () => {
    expect(() => createLambdaContext({ functionName: "f", timeoutMs: 0 })).toThrow(RangeError);
  });
});

describe("parseArn", () => {
  it("splits an ARN, keeping colons in the resource", () => {
    expect(parseArn("arn:aws:sqs:eu-west-3:123456789012:sync")).toEqual({
      service: "sqs",
      region: "eu-west-3",
      accountId: "123456789012",
      resource: "sync",
    });
    expect(parseArn("arn:aws:events:us-east-1:1:rule/a:b").resource).toBe("rule/a:b");
    expect(() => parseArn("https://example.com")).toThrow(/Not an ARN/);
  });
});
