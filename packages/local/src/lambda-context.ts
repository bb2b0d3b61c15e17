/**
 * The `context` object the Lambda Node.js runtime passes as a handler's second argument, built locally
 * so handlers (and Powertools' logger, which reads it) behave as in AWS.
 */
import { randomBytes, randomUUID } from "node:crypto";
import type { Context } from "aws-lambda";

/** The account id of every local ARN (fauxqs uses the same). */
export const LOCAL_ACCOUNT_ID = "000000000000";
export const LOCAL_REGION = "us-east-1";

export interface LambdaContextOptions {
  functionName: string;
  /** The function's configured timeout; `getRemainingTimeInMillis()` counts down from it. */
  timeoutMs: number;
  region?: string;
  accountId?: string;
  memoryLimitInMB?: number;
  functionVersion?: string;
  /** Defaults to a fresh UUID, as Lambda assigns one per invocation. */
  awsRequestId?: string;
  /** Start of the invocation (ms since epoch); defaults to now. */
  startedAt?: number;
}

const removedInNode24 = (name: string) => () => {
  throw new Error(
    `context.${name}() is not available in the nodejs24.x runtime; return a value or throw from an async handler.`,
  );
};

function logStreamName(now: Date, version: string): string {
  const day = now.toISOString().slice(0, 10).replaceAll("-", "/");
  return `${day}/[${version}]${randomBytes(16).toString("hex")}`;
}

/** A Lambda `Context` for one invocation. */
export function createLambdaContext(options: LambdaContextOptions): Context {
  if (!Number.isFinite(options.timeoutMs) || options.timeoutMs <= 0) {
    throw new RangeError(`timeoutMs must be a positive number, got ${options.timeoutMs}`);
  }
  const region = options.region ?? LOCAL_REGION;
  const accountId = options.accountId ?? LOCAL_ACCOUNT_ID;
  const version = options.functionVersion ?? "$LATEST";
  const startedAt = options.startedAt ?? Date.now();
  const deadline = startedAt + options.timeoutMs;
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName: options.functionName,
    functionVersion: version,
    invokedFunctionArn: `arn:aws:lambda:${region}:${accountId}:function:${options.functionName}`,
    memoryLimitInMB: String(options.memoryLimitInMB ?? 1024),
    awsRequestId: options.awsRequestId ?? randomUUID(),
    logGroupName: `/aws/lambda/${options.functionName}`,
    logStreamName: logStreamName(new Date(startedAt), version),
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    // Callback-style completion was removed from the nodejs24.x runtime; fail loudly, as it does.
    done: removedInNode24("done"),
    fail: removedInNode24("fail"),
    succeed: removedInNode24("succeed"),
  };
}

/** Splits `arn:aws:<service>:<region>:<account>:<resource>`. */
export function parseArn(arn: string): {
  service: string;
  region: string;
  accountId: string;
  resource: string;
} {
  const parts = arn.split(":");
  if (parts.length < 6 || parts[0] !== "arn") throw new Error(`Not an ARN: ${arn}`);
  return {
    service: parts[2] ?? "",
    region: parts[3] ?? "",
    accountId: parts[4] ?? "",
    resource: parts.slice(5).join(":"),
  };
}
