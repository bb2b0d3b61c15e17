/**
 * Counts the write requests DynamoDB accepted, by operation, on a client (middleware). A conditional write
 * that DynamoDB refused (ConditionalCheckFailedException) changed nothing and is not counted, unlike
 * aws.ts' `countingMiddleware`, which counts every request sent: "a duplicate changes
 * nothing" may still try an idempotent, guarded clean-up.
 */
import { type AnyClient, WRITE_OPERATIONS } from "./aws";

export interface AcceptedWrites {
  /** Accepted write requests, by operation. */
  all(): Record<string, number>;
  total(): number;
  remove(): void;
}

let seq = 0;

export function acceptedWrites<I extends object, O extends object>(client: AnyClient<I, O>): AcceptedWrites {
  const counts = new Map<string, number>();
  const name = `pipeline-accepted-writes-${++seq}`;
  const writes = new Set<string>(WRITE_OPERATIONS);
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const result = await next(args);
      const operation = (context.commandName ?? "").replace(/Command$/, "");
      if (writes.has(operation)) counts.set(operation, (counts.get(operation) ?? 0) + 1);
      return result;
    },
    { step: "initialize", priority: "high", name },
  );
  return {
    all: () => Object.fromEntries(counts),
    total: () => [...counts.values()].reduce((a, b) => a + b, 0),
    remove: () => client.middlewareStack.remove(name),
  };
}
