/**
 * Acceptance (d): a message that always fails reaches the dead-letter queue through SQS's own redrive (the
 * poller only leaves failed messages undeleted), and its run says why. The runtime's queue has a short
 * visibility timeout and a redrive limit of 2 so that this takes seconds, not the deployed 10 minutes × 4.
 */
import { GetQueueAttributesCommand, ReceiveMessageCommand } from "@aws-sdk/client-sqs";
import { SyncMessage } from "@dashboard/core/sync";
import { type Sim, startSim } from "@dashboard/template-sim";
import { createSqsClient } from "@dashboard/testing/aws";
import { afterAll, beforeAll, expect, it } from "vitest";
import { finishedRun, startTestRuntime, type TestRuntime, waitFor } from "./support";

const MAX_RECEIVES = 2;
let t: TestRuntime;
let sim: Sim;

beforeAll(async () => {
  t = await startTestRuntime({
    demoSites: 0,
    consumer: { visibilityTimeoutSeconds: 4, maxReceiveCount: MAX_RECEIVES, retryDelaysSeconds: [1] },
  });
  sim = await startSim({ apiKey: "key-failing-site-0001", seed: 21, sizes: { paintings: 10 } });
});

afterAll(async () => {
  await t?.close();
  await sim?.close();
});

it("(d) a message that always fails reaches the DLQ, and its run says why", async () => {
  expect(t.runtime.maxReceiveCount).toBe(MAX_RECEIVES);
  // The Template's paintings export is down for good (its database answers 503).
  sim.faults.set("paintings", { status: 503, times: 100_000 });
  const created = await t.api.post("/api/sites", {
    id: "failing-site",
    name: "Atelier en panne",
    template_url: sim.url,
    api_key: "key-failing-site-0001",
  });
  expect(created.status).toBe(201);

  const started = await t.api.post<{ run_id: string }>("/api/sync/template/failing-site", {
    entities: ["paintings"],
  });
  expect(started.status).toBe(202);
  const runId = started.json.run_id;

  const sqs = createSqsClient();
  try {
    const dlqUrl = t.runtime.queues.dlqUrl;
    await waitFor(
      "the message in the dead-letter queue",
      async () => {
        const { Attributes } = await sqs.send(
          new GetQueueAttributesCommand({
            QueueUrl: dlqUrl,
            AttributeNames: ["ApproximateNumberOfMessages"],
          }),
        );
        return Number(Attributes?.ApproximateNumberOfMessages ?? 0) > 0 ? true : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 250 },
    );
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: dlqUrl,
        MaxNumberOfMessages: 10,
        MessageSystemAttributeNames: ["ApproximateReceiveCount"],
      }),
    );
    expect(Messages).toHaveLength(1);
    const dead = SyncMessage.parse(JSON.parse(Messages[0]?.Body ?? ""));
    expect(dead).toMatchObject({ run_id: runId, site_id: "failing-site", entity: "paintings" });
  } finally {
    sqs.destroy();
  }

  // The run recorded the failure on the last delivery, before SQS moved the message.
  const run = await finishedRun(t.api, runId);
  expect(run.status).toBe("failed");
  expect(run.success).toBe(false);
  const paintings = run.entities.paintings;
  expect(paintings?.status).toBe("failed");
  expect(paintings?.error?.message).toMatch(/503/);
  const log = run.log ?? [];
  expect(log.filter((l) => l.level === "WARNING" && /nouvel essai 2\/2 à/.test(l.message))).not.toHaveLength(
    0,
  );
  expect(log.some((l) => l.level === "ERROR" && /503/.test(l.message))).toBe(true);

  // The Template was asked once per delivery (each with the client's own retries), and no more after.
  const attempts = sim.requests.filter((r) => r.path === "/api/export/paintings").length;
  expect(attempts).toBeGreaterThanOrEqual(MAX_RECEIVES);
  await t.runtime.idle();
  expect(sim.requests.filter((r) => r.path === "/api/export/paintings").length).toBe(attempts);

  // The console says it, as the DLQ alarm does in AWS.
  await waitFor("the console's DLQ line", async () =>
    t.lines.find((l) => l.startsWith("[dlq] 1 message(s)")),
  );
  // The progress line comes from its own poller (every second), not in step with the DLQ watcher's.
  await waitFor("the progress line of the failed entity", async () =>
    t.lines.find((l) => /^\[sync\] Atelier en panne \(failing-site\): paintings failed \(.*503/.test(l)),
  );
}, 120_000);
