/**
 * Bench child processes: the worker (worker.ts) bundled once per run by esbuild, then forked per job with a
 * stage's linked environment. Its output goes to a log file, never to the bench's table.
 */
import { type ChildProcess, fork } from "node:child_process";
import { closeSync, openSync } from "node:fs";
import { join } from "node:path";
import { build } from "esbuild";
import { FromChild, type Job, type Snapshot, type TimedResult, type ToChild } from "./protocol";

const ROOT = join(import.meta.dirname, "..");

/** Bundles the worker for Node 24 (the Lambda handlers inside it are bundled the same way SST does). */
export async function buildWorker(outDir: string): Promise<string> {
  const outfile = join(outDir, "worker.mjs");
  await build({
    entryPoints: [join(ROOT, "bench/worker.ts")],
    outfile,
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node24",
    mainFields: ["module", "main"],
    banner: {
      js: "import { createRequire as __benchRequire } from 'module'; const require = __benchRequire(import.meta.url);",
    },
    sourcemap: "linked",
    logLevel: "error",
  });
  return outfile;
}

/** Variables that would point the SDK at something other than the local services. */
const CONFLICTING = ["AWS_SESSION_TOKEN", "AWS_PROFILE", "AWS_ENDPOINT_URL"];

export interface ChildOptions {
  workerFile: string;
  job: Job;
  /** The stage's linked environment. */
  env: Record<string, string>;
  logFile: string;
  /** Directory for a V8 CPU profile of the child (`--cpu-prof`); none when absent. */
  cpuProfileDir?: string;
  /** Extra Node/V8 flags for the child (e.g. a Lambda's NODE_OPTIONS). */
  nodeFlags?: string[];
}

type Message = FromChild;

export class Child {
  readonly #process: ChildProcess;
  readonly #inbox: Message[] = [];
  #waiter: ((m: Message | Error) => void) | undefined;
  #exit: Error | undefined;
  port: number | undefined;

  get running(): boolean {
    return this.#process.exitCode === null && this.#process.signalCode === null;
  }

  get pid(): number {
    return this.#process.pid ?? -1;
  }

  private constructor(process: ChildProcess) {
    this.#process = process;
    process.on("message", (raw) => this.#deliver(FromChild.parse(raw)));
    process.on("exit", (code, signal) => {
      this.#exit = new Error(`bench child exited (${signal ?? code})`);
      this.#waiter?.(this.#exit);
    });
  }

  static async start(o: ChildOptions): Promise<Child> {
    const env: Record<string, string> = {};
    for (const [k, v] of Object.entries(process.env))
      if (v !== undefined && !CONFLICTING.includes(k)) env[k] = v;
    Object.assign(env, o.env, { BENCH_JOB: JSON.stringify(o.job), NODE_ENV: "production" });
    const log = openSync(o.logFile, "a");
    const execArgv = [
      ...(o.nodeFlags ?? []),
      ...(o.cpuProfileDir ? ["--cpu-prof", "--cpu-prof-dir", o.cpuProfileDir] : []),
    ];
    const child = new Child(
      fork(o.workerFile, [], { env, execArgv, stdio: ["ignore", log, log, "ipc"], serialization: "json" }),
    );
    closeSync(log);
    const ready = await child.#next("ready");
    child.port = ready.port;
    return child;
  }

  #deliver(message: Message) {
    if (this.#waiter) this.#waiter(message);
    else this.#inbox.push(message);
  }

  #next<T extends Message["type"]>(type: T): Promise<Extract<Message, { type: T }>> {
    return new Promise((resolve, reject) => {
      const take = (m: Message | Error) => {
        this.#waiter = undefined;
        if (m instanceof Error) return reject(m);
        if (m.type === "error") return reject(new Error(`bench child failed: ${m.message}`));
        if (m.type !== type) return reject(new Error(`bench child sent ${m.type}, expected ${type}`));
        resolve(m as Extract<Message, { type: T }>);
      };
      const queued = this.#inbox.shift();
      if (queued) return take(queued);
      if (this.#exit) return reject(this.#exit);
      this.#waiter = take;
    });
  }

  #send(message: ToChild) {
    this.#process.send(message);
  }

  async snapshot(reset = false): Promise<Snapshot> {
    this.#send({ type: "snapshot", reset });
    return (await this.#next("snapshot")).snapshot;
  }

  /** For one-shot jobs: waits for the result; the child exits by itself. */
  async result(): Promise<TimedResult> {
    const { result } = await this.#next("result");
    await this.#exited();
    return result;
  }

  /** For serving jobs: stops the child and returns its last snapshot. */
  async stop(): Promise<Snapshot> {
    this.#send({ type: "stop" });
    const { snapshot } = await this.#next("snapshot");
    await this.#exited();
    return snapshot;
  }

  /** Ends the child at once (after a failure elsewhere). */
  kill() {
    if (this.running) this.#process.kill("SIGKILL");
  }

  #exited(): Promise<void> {
    if (!this.running) return Promise.resolve();
    return new Promise((resolve) => this.#process.once("exit", () => resolve()));
  }
}
