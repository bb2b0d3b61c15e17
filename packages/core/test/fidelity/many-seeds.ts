/**
 * Randomised fidelity over many seeds (issue 5): `npx tsx packages/core/test/fidelity/many-seeds.ts --seeds 200`.
 *
 * Starts its own DynamoDB Local and fauxqs on 127.0.0.1 (packages/local), gives each worker its own table
 * and queue pair (with the production redrive limit), runs packages/core/test/fidelity/scenario.ts for each
 * seed, prints every failing seed with its history, and ends with `fidelity: <n> passed, <m> failed`.
 * Exit code 1 when a seed failed.
 *
 *   --seeds <n>        how many seeds (default 200)
 *   --from <s>         first seed (default 1): seeds s, s+1, ... s+n-1
 *   --seed <s>         just this seed (a replay; with --verbose to follow each step)
 *   --concurrency <c>  seeds run at once (default 2)
 *   --verbose          print every step of every seed as it happens
 */
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { SQSClient } from "@aws-sdk/client-sqs";
import { SYNC_MAX_RECEIVES } from "@dashboard/config";
import { createCtx } from "@dashboard/core/context";
import { generateKeyRingEntry } from "@dashboard/core/crypto";
import { startDynamo } from "@dashboard/local/dynamo";
import { LOCAL_CREDENTIALS } from "@dashboard/local/resources";
import { ensureQueues, startSqs } from "@dashboard/local/sqs";
import { ensureTable } from "@dashboard/local/table";
import { describeFailure, runSeed } from "./scenario";

const REGION = "us-east-1";

interface Args {
  seeds: number[];
  concurrency: number;
  verbose: boolean;
}

function parseArgs(argv: string[]): Args {
  const value = (name: string): string | undefined => {
    const at = argv.indexOf(`--${name}`);
    if (at < 0) return undefined;
    const v = argv[at + 1];
    if (v === undefined || v.startsWith("--")) throw new Error(`--${name} needs a value`);
    return v;
  };
  const integer = (name: string, fallback: number, min: number): number => {
    const raw = value(name);
    const n = raw === undefined ? fallback : Number(raw);
    if (!Number.isInteger(n) || n < min) throw new Error(`--${name} must be an integer ≥ ${min}, got ${raw}`);
    return n;
  };
  const known = new Set(["--seeds", "--from", "--seed", "--concurrency", "--verbose", "--help"]);
  for (const arg of argv) {
    if (arg.startsWith("--") && !known.has(arg)) throw new Error(`unknown option ${arg} (see --help)`);
  }
  if (argv.includes("--help")) {
    console.log(
      "usage: npx tsx packages/core/test/fidelity/many-seeds.ts [--seeds 200] [--from 1] [--seed s] [--concurrency 2] [--verbose]",
    );
    process.exit(0);
  }
  const single = value("seed");
  const seeds =
    single !== undefined
      ? [integer("seed", 0, 0)]
      : Array.from({ length: integer("seeds", 200, 1) }, (_, i) => integer("from", 1, 0) + i);
  return { seeds, concurrency: integer("concurrency", 2, 1), verbose: argv.includes("--verbose") };
}

async function main(): Promise<number> {
  const args = parseArgs(process.argv.slice(2));
  const started = Date.now();
  const [dynamo, sqsServer] = await Promise.all([startDynamo(), startSqs()]);
  const clients: { destroy(): void }[] = [];
  try {
    const workers = Math.min(args.concurrency, args.seeds.length);
    const contexts = await Promise.all(
      Array.from({ length: workers }, async (_, w) => {
        const db = new DynamoDBClient({
          endpoint: dynamo.endpoint,
          region: REGION,
          credentials: LOCAL_CREDENTIALS,
        });
        const sqs = new SQSClient({
          endpoint: sqsServer.endpoint,
          region: REGION,
          credentials: LOCAL_CREDENTIALS,
        });
        clients.push(db, sqs);
        const name = `fidelity-${process.pid}-${w}`;
        await ensureTable(db, name, { stream: false });
        const { queueUrl } = await ensureQueues(sqs, {
          name,
          dlqName: `${name}-dlq`,
          maxReceiveCount: SYNC_MAX_RECEIVES,
          visibilityTimeoutSeconds: 30,
        });
        return createCtx({ table: name, encryptionKeys: generateKeyRingEntry(), queueUrl, dynamo: db, sqs });
      }),
    );

    let next = 0;
    let passed = 0;
    const failed: number[] = [];
    await Promise.all(
      contexts.map(async (ctx) => {
        while (next < args.seeds.length) {
          const seed = args.seeds[next++] as number;
          const result = await runSeed(
            ctx,
            seed,
            args.verbose ? { onStep: (line) => console.log(line) } : {},
          );
          if (result.ok) passed++;
          else {
            failed.push(seed);
            console.log(
              describeFailure(
                result,
                `npx tsx packages/core/test/fidelity/many-seeds.ts --seed ${seed} --verbose`,
              ),
            );
          }
          const done = passed + failed.length;
          if (!args.verbose && (done % 20 === 0 || done === args.seeds.length)) {
            console.error(
              `  ${done}/${args.seeds.length} seeds (${Math.round((Date.now() - started) / 1000)} s)`,
            );
          }
        }
      }),
    );
    console.log(`fidelity: ${passed} passed, ${failed.length} failed`);
    console.log(
      `  seeds ${args.seeds[0]}..${args.seeds.at(-1)}, ${args.concurrency} at once, ${Math.round((Date.now() - started) / 1000)} s` +
        (failed.length ? `; failed seeds: ${failed.sort((a, b) => a - b).join(", ")}` : ""),
    );
    return failed.length === 0 ? 0 : 1;
  } finally {
    for (const client of clients) client.destroy();
    await Promise.allSettled([dynamo.stop(), sqsServer.stop()]);
  }
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exitCode = 2;
  },
);
