/**
 * The Java runtime DynamoDB Local runs on: found through JAVA_HOME or the PATH, version 17 or later, with
 * or without the compiler module (which the loopback launcher of dynamo.ts needs).
 */
import { spawn } from "node:child_process";
import { join } from "node:path";
import { LocalServiceError } from "./errors";

export const JAVA_INSTALL_HINT =
  "DynamoDB Local needs a Java 17+ runtime. Install it with `apt-get install openjdk-17-jre-headless` " +
  "(or point JAVA_HOME at an existing Java 17+ installation).";

export interface JavaInfo {
  command: string;
  major: number;
  hasCompiler: boolean;
}

function javaCommand(): string {
  const home = process.env.JAVA_HOME;
  return home ? join(home, "bin", "java") : "java";
}

/** One `java --list-modules` tells the version (java.base@17…) and whether the compiler is there. */
export async function probeJava(): Promise<JavaInfo> {
  const command = javaCommand();
  const output = await new Promise<string>((resolvePromise, reject) => {
    let text = "";
    let child: ReturnType<typeof spawn>;
    try {
      child = spawn(command, ["--list-modules"], { stdio: ["ignore", "pipe", "pipe"] });
    } catch (error) {
      reject(error);
      return;
    }
    child.stdout?.on("data", (chunk: Buffer) => {
      text += chunk.toString("utf8");
    });
    child.stderr?.on("data", (chunk: Buffer) => {
      text += chunk.toString("utf8");
    });
    child.on("error", reject);
    child.on("close", () => resolvePromise(text));
  }).catch((error: NodeJS.ErrnoException) => {
    if (error.code === "ENOENT" || error.code === "EACCES") {
      throw new LocalServiceError("java_not_found", `Java was not found (${command}). ${JAVA_INSTALL_HINT}`);
    }
    throw error;
  });
  const base = /java\.base@(\d+)/.exec(output);
  if (!base?.[1]) {
    // Java 8 has no --list-modules; anything that cannot answer it is too old for DynamoDB Local.
    throw new LocalServiceError(
      "java_too_old",
      `Could not read the Java version from \`${command} --list-modules\`. ${JAVA_INSTALL_HINT}`,
    );
  }
  const major = Number(base[1]);
  if (major < 17) {
    throw new LocalServiceError("java_too_old", `Java ${major} found at ${command}. ${JAVA_INSTALL_HINT}`);
  }
  return { command, major, hasCompiler: /^jdk\.compiler@/m.test(output) };
}

/** Fails fast, with the install hint, when there is no `java` to start DynamoDB Local with. */
export async function assertJavaPresent(): Promise<void> {
  const command = javaCommand();
  await new Promise<void>((resolvePromise, reject) => {
    const child = spawn(command, ["-version"], { stdio: "ignore" });
    child.once("error", (error: NodeJS.ErrnoException) => {
      reject(
        error.code === "ENOENT" || error.code === "EACCES"
          ? new LocalServiceError("java_not_found", `Java was not found (${command}). ${JAVA_INSTALL_HINT}`)
          : error,
      );
    });
    // Whatever it says about its version, startDynamo() checks it properly.
    child.once("exit", () => resolvePromise());
  });
}
