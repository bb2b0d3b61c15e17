/**
 * Every Lambda handler the stacks name must exist and export a function under that name: a typo there
 * type-checks, bundles nothing useful and only fails on AWS at the first invocation.
 */
import { createHash, randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  checkHandler,
  declaredComponents,
  findHandlers,
  findStackHandlers,
  formatProblem,
  type HandlerRef,
  linkableComponents,
  linkedEnvironment,
  parseHandlerSpec,
} from "./stack-handlers";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

/** Stand-in secret values in the formats core parses at start-up (see stacks/secrets.ts). */
const SECRET_VALUES: Record<string, string> = {
  AdminTokens: `sha256:${createHash("sha256").update("infra-test-admin-token").digest("hex")}`,
  EncryptionKeys: `infra-test:${randomBytes(32).toString("base64")}`,
};

describe("parseHandlerSpec", () => {
  it("splits at the last dot, as SST does", () => {
    expect(parseHandlerSpec("packages/functions/src/api.handler")).toEqual({
      module: "packages/functions/src/api",
      exportName: "handler",
    });
    expect(parseHandlerSpec("src/v1.2/job.main")).toEqual({ module: "src/v1.2/job", exportName: "main" });
  });

  it("refuses a spec without an export name", () => {
    expect(parseHandlerSpec("packages/functions/src/api")).toBeUndefined();
    expect(parseHandlerSpec("packages/functions/src/api.")).toBeUndefined();
    expect(parseHandlerSpec("packages/functions/src/api.1x")).toBeUndefined();
    expect(parseHandlerSpec(".handler")).toBeUndefined();
  });
});

describe("findHandlers", () => {
  it("finds handler properties with their line, in any quoting", () => {
    const source = [
      'new sst.aws.Function("A", {',
      '  handler: "packages/functions/src/a.handler",',
      "});",
      "q.subscribe({ handler: 'packages/functions/src/b.main' });",
    ].join("\n");
    const { refs, problems } = findHandlers(source, "stacks/x.ts");
    expect(problems).toEqual([]);
    expect(refs).toEqual([
      {
        stack: "stacks/x.ts",
        line: 2,
        spec: "packages/functions/src/a.handler",
        module: "packages/functions/src/a",
        exportName: "handler",
      },
      {
        stack: "stacks/x.ts",
        line: 4,
        spec: "packages/functions/src/b.main",
        module: "packages/functions/src/b",
        exportName: "main",
      },
    ]);
  });

  it("reports a handler passed positionally, which would escape the check", () => {
    const source = 'queue.subscribe("packages/functions/src/consumer.handler");';
    const { refs, problems } = findHandlers(source, "stacks/q.ts");
    expect(refs).toEqual([]);
    expect(problems.map(formatProblem)).toEqual([
      expect.stringContaining("stacks/q.ts:1 packages/functions/src/consumer.handler: "),
    ]);
  });

  it("reports a handler property that names no export", () => {
    const { problems } = findHandlers('fn({ handler: "packages/functions/src/api" })', "stacks/a.ts");
    expect(problems).toHaveLength(1);
    expect(problems[0]?.message).toContain("<module path>.<export name>");
  });
});

describe("checkHandler", () => {
  let dir: string;
  const ref = (spec: string): HandlerRef => {
    const parsed = parseHandlerSpec(spec);
    if (!parsed) throw new Error(`bad spec ${spec}`);
    return { stack: "stacks/fake.ts", line: 7, spec, ...parsed };
  };

  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), "infra-handlers-"));
    writeFileSync(path.join(dir, "good.mjs"), "export const handler = async () => ({ ok: true });\n");
    writeFileSync(path.join(dir, "value.mjs"), "export const handler = 42;\n");
    writeFileSync(path.join(dir, "crash.mjs"), 'throw new Error("Resource.Table is not linked");\n');
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("accepts a module that exports a function under the name", async () => {
    expect(await checkHandler(dir, ref("good.handler"))).toBeUndefined();
  });

  it("fails when the named module does not exist", async () => {
    const problem = await checkHandler(dir, ref("missing.handler"));
    expect(problem?.message).toMatch(/^no module missing\{\.ts,/);
    expect(problem && formatProblem(problem)).toMatch(/^stacks\/fake\.ts:7 missing\.handler: /);
  });

  it("fails when the module lacks the named export", async () => {
    const problem = await checkHandler(dir, ref("good.main"));
    expect(problem?.message).toBe('good.mjs does not export it; a function named "main" is required');
  });

  it("fails when the export is not a function", async () => {
    const problem = await checkHandler(dir, ref("value.handler"));
    expect(problem?.message).toBe('value.mjs exports a number; a function named "handler" is required');
  });

  it("fails when the module throws while loading, as it would at a cold start", async () => {
    const problem = await checkHandler(dir, ref("crash.handler"));
    expect(problem?.message).toBe("crash.mjs fails to load: Resource.Table is not linked");
  });
});

describe("declaredComponents", () => {
  const helper = [
    "export function deadLetterQueue(name: string): sst.aws.Queue {",
    "  return new sst.aws.Queue(name, { transform: {} });",
    "}",
  ].join("\n");

  it("finds components created directly and through a stack's helper, in the order written", () => {
    const queue = [
      'export const dlq = deadLetterQueue("SyncDeadLetterQueue");',
      'export const q = new sst.aws.Queue("SyncQueue", { dlq: { queue: dlq.arn } });',
      'new sst.Secret("AdminTokens");',
    ].join("\n");
    expect(declaredComponents([helper, queue])).toEqual({
      tables: [],
      queues: ["SyncDeadLetterQueue", "SyncQueue"],
      secrets: ["AdminTokens"],
    });
  });

  it("does not take a function that creates something else from its parameter for a queue helper", () => {
    const other = "function table(name: string) {\n  return new sst.aws.Dynamo(name, {});\n}";
    expect(declaredComponents([other, 'table("Table");', 'deadLetterQueue("Missing");'])).toEqual({
      tables: ["Table"],
      queues: [],
      secrets: [],
    });
  });
});

describe("the stacks' handlers", () => {
  const saved: Record<string, string | undefined> = {};
  const setEnv = (values: Record<string, string>) => {
    for (const [key, value] of Object.entries(values)) {
      saved[key] = process.env[key];
      process.env[key] = value;
    }
  };

  beforeAll(() => {
    // What a deployed function sees: its links, the stage's region, production mode. No request leaves the
    // process: handlers only build SDK clients at module scope.
    setEnv({
      ...linkedEnvironment(linkableComponents(ROOT), SECRET_VALUES),
      AWS_REGION: "eu-west-3",
      AWS_ACCESS_KEY_ID: "infra-test",
      AWS_SECRET_ACCESS_KEY: "infra-test",
      DASHBOARD_ENV: "production",
    });
  });
  afterAll(() => {
    for (const [key, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
  });

  it("declare the components the functions read through Resource", () => {
    expect(linkableComponents(ROOT)).toEqual({
      tables: ["Table"],
      queues: [
        "AlertsDeadLetterQueue",
        "AlertsQueue",
        "ChangesDeadLetterQueue",
        "SyncDeadLetterQueue",
        "SyncQueue",
      ],
      secrets: ["AdminTokens", "EncryptionKeys"],
    });
  });

  it("name the five entry points, each written as handler: ...", () => {
    const { refs, problems } = findStackHandlers(ROOT);
    expect(problems.map(formatProblem)).toEqual([]);
    expect(new Set(refs.map((r) => r.spec))).toEqual(
      new Set([
        "packages/functions/src/api.handler",
        "packages/functions/src/export.handler",
        "packages/functions/src/webhook.handler",
        "packages/functions/src/scheduler.handler",
        "packages/functions/src/consumer.handler",
        "packages/functions/src/changes.handler",
        "packages/functions/src/alerts.handler",
      ]),
    );
  });

  it("exist and export a function under the named export", async () => {
    const { refs } = findStackHandlers(ROOT);
    const problems = [];
    for (const ref of refs) {
      const problem = await checkHandler(ROOT, ref);
      if (problem) problems.push(formatProblem(problem));
    }
    expect(problems).toEqual([]);
  });
});
