/**
 * Finds the Lambda handlers that `stacks/*.ts` name (`handler: "<path>.<export>"`, resolved from the repository
 * root as SST does) and checks that each one is a real module exporting a function of that name.
 * Stacks cannot be imported outside `sst` (they use its globals), so they are read as text.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";

export interface HandlerRef {
  /** The stack file, relative to the root. */
  stack: string;
  line: number;
  /** The handler string as written, e.g. `packages/functions/src/api.handler`. */
  spec: string;
  /** `packages/functions/src/api` */
  module: string;
  /** `handler` */
  exportName: string;
}

export interface Problem {
  ref: Pick<HandlerRef, "stack" | "line" | "spec">;
  message: string;
}

/** The extensions SST's Node.js bundling accepts for a handler module, in its order of preference. */
const HANDLER_EXTENSIONS = [".ts", ".tsx", ".mts", ".cts", ".js", ".jsx", ".mjs", ".cjs"] as const;

const HANDLER_PROPERTY = /\bhandler\s*:\s*(["'`])((?:(?!\1)[^\n])*)\1/g;
/** Any string literal that looks like a handler path, however it is passed (property or argument). */
const HANDLER_LIKE_LITERAL = /(["'`])((?:packages|src)\/[\w./-]*\.[A-Za-z_$][\w$]*)\1/g;
const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;

const lineOf = (source: string, index: number) => source.slice(0, index).split("\n").length;

/** Splits `<module path>.<export>` at its last dot, as SST does. */
export function parseHandlerSpec(spec: string): { module: string; exportName: string } | undefined {
  const dot = spec.lastIndexOf(".");
  if (dot <= 0) return undefined;
  const module = spec.slice(0, dot);
  const exportName = spec.slice(dot + 1);
  if (!IDENTIFIER.test(exportName) || module.endsWith("/") || module.includes("${")) return undefined;
  return { module, exportName };
}

/**
 * Every handler a stack source names. A handler-like string that is not written as `handler: "..."` (e.g. a
 * positional `queue.subscribe("path.handler")`) is reported as a problem, so no handler escapes the check.
 */
export function findHandlers(source: string, stack: string): { refs: HandlerRef[]; problems: Problem[] } {
  const refs: HandlerRef[] = [];
  const problems: Problem[] = [];
  const seenAt = new Set<number>();
  for (const match of source.matchAll(HANDLER_PROPERTY)) {
    const spec = match[2] ?? "";
    const line = lineOf(source, match.index);
    seenAt.add(match.index + match[0].indexOf(match[1] ?? ""));
    const parsed = parseHandlerSpec(spec);
    if (!parsed) {
      problems.push({
        ref: { stack, line, spec },
        message: `"${spec}" is not "<module path>.<export name>"`,
      });
      continue;
    }
    refs.push({ stack, line, spec, ...parsed });
  }
  for (const match of source.matchAll(HANDLER_LIKE_LITERAL)) {
    if (seenAt.has(match.index)) continue;
    const spec = match[2] ?? "";
    problems.push({
      ref: { stack, line: lineOf(source, match.index), spec },
      message: `"${spec}" looks like a handler but is not written as \`handler: "${spec}"\``,
    });
  }
  return { refs, problems };
}

/** The stack files (`stacks/*.ts`), relative to `root`, sorted. */
function stackFiles(root: string): string[] {
  return readdirSync(path.join(root, "stacks"))
    .filter((name) => name.endsWith(".ts") && !name.endsWith(".d.ts"))
    .sort()
    .map((name) => path.posix.join("stacks", name));
}

export function findStackHandlers(root: string): { refs: HandlerRef[]; problems: Problem[] } {
  const refs: HandlerRef[] = [];
  const problems: Problem[] = [];
  for (const stack of stackFiles(root)) {
    const found = findHandlers(readFileSync(path.join(root, stack), "utf8"), stack);
    refs.push(...found.refs);
    problems.push(...found.problems);
  }
  return { refs, problems };
}

/** The file SST would bundle for a handler module path, or undefined when there is none. */
function resolveHandlerModule(root: string, module: string): string | undefined {
  for (const extension of HANDLER_EXTENSIONS) {
    const file = path.join(root, `${module}${extension}`);
    if (existsSync(file)) return file;
  }
  return undefined;
}

/**
 * Checks one handler: the module exists, loads (module-scope code runs, as at a Lambda cold start) and
 * exports a function under the name. Returns the problem, or undefined when the handler is sound.
 */
export async function checkHandler(root: string, ref: HandlerRef): Promise<Problem | undefined> {
  const problem = (message: string): Problem => ({
    ref: { stack: ref.stack, line: ref.line, spec: ref.spec },
    message,
  });
  const file = resolveHandlerModule(root, ref.module);
  if (!file) {
    return problem(`no module ${ref.module}{${HANDLER_EXTENSIONS.join(",")}}`);
  }
  // The Lambda runtime gives response-streaming functions the global `awslambda` (`streamifyResponse`, which
  // Hono's `streamHandle` calls when the module loads); outside Lambda a stand-in returns the handler as is.
  const runtime = globalThis as { awslambda?: { streamifyResponse: (handler: unknown) => unknown } };
  runtime.awslambda ??= { streamifyResponse: (handler) => handler };
  let loaded: Record<string, unknown>;
  try {
    loaded = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
  } catch (error) {
    return problem(`${path.relative(root, file)} fails to load: ${(error as Error).message}`);
  }
  const exported = loaded[ref.exportName];
  if (typeof exported !== "function") {
    const actual = exported === undefined ? "does not export it" : `exports a ${typeof exported}`;
    return problem(
      `${path.relative(root, file)} ${actual}; a function named "${ref.exportName}" is required`,
    );
  }
  return undefined;
}

export const formatProblem = (p: Problem) => `${p.ref.stack}:${p.ref.line} ${p.ref.spec}: ${p.message}`;

/** The components a stack declares that SST can link, by the name code reads as `Resource.<name>`. */
export interface LinkableComponents {
  tables: string[];
  queues: string[];
  secrets: string[];
}

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/** A top-level function of a stack, its first parameter and its body. */
const STACK_FUNCTION =
  /^(?:export\s+)?function\s+([A-Za-z_$][\w$]*)\s*\(\s*([A-Za-z_$][\w$]*)\b[\s\S]*?\{([\s\S]*?)^\}/gm;

/**
 * The names under which the sources declare a component: `new sst.<component>("Name"`, and the calls
 * `helper("Name"` of a stack function that declares one from its first parameter (`deadLetterQueue(name)`
 * in stacks/dead-letter.ts), in the order written.
 */
function declared(sources: string[], component: string): string[] {
  const create = `new\\s+sst\\.${escapeRegExp(component)}\\(\\s*`;
  const helpers = sources.flatMap((source) =>
    [...source.matchAll(STACK_FUNCTION)]
      .filter(([, , param, body]) => new RegExp(`${create}${param}\\b`).test(body ?? ""))
      .map(([, name]) => name ?? ""),
  );
  const call = new RegExp(
    `(?:${[create, ...helpers.map((h) => `\\b${h}\\(\\s*`)].join("|")})"([A-Za-z][\\w]*)"`,
    "g",
  );
  return sources.flatMap((source) => [...source.matchAll(call)].map((m) => m[1] ?? ""));
}

/** The linkable components `sources` (the stack files' text) declare. */
export function declaredComponents(sources: string[]): LinkableComponents {
  return {
    tables: declared(sources, "aws.Dynamo"),
    queues: declared(sources, "aws.Queue"),
    secrets: declared(sources, "Secret"),
  };
}

export function linkableComponents(root: string): LinkableComponents {
  return declaredComponents(stackFiles(root).map((stack) => readFileSync(path.join(root, stack), "utf8")));
}

/**
 * The environment SST gives a linked function (`SST_RESOURCE_<Name>` = JSON of the link properties, see
 * `getSSTLink()` in the platform's aws/dynamo.ts, aws/queue.ts and secret.ts), with stand-in values.
 * Secrets need a value in the right format, from `secretValues`; a secret without one is an error.
 */
export function linkedEnvironment(
  components: LinkableComponents,
  secretValues: Record<string, string>,
  stage = "infra-test",
): Record<string, string> {
  const env: Record<string, string> = {
    SST_RESOURCE_App: JSON.stringify({ name: "artworksdigital-dashboard", stage }),
  };
  for (const name of components.tables) {
    env[`SST_RESOURCE_${name}`] = JSON.stringify({ name: `${stage}-${name}`, type: "sst.aws.Dynamo" });
  }
  for (const name of components.queues) {
    env[`SST_RESOURCE_${name}`] = JSON.stringify({
      url: `https://sqs.eu-west-3.amazonaws.com/123456789012/${stage}-${name}`,
      type: "sst.aws.Queue",
    });
  }
  for (const name of components.secrets) {
    const value = secretValues[name];
    if (value === undefined) throw new Error(`no stand-in value for the secret "${name}"`);
    env[`SST_RESOURCE_${name}`] = JSON.stringify({ value, type: "sst.sst.Secret" });
  }
  return env;
}
