import type { z } from "zod";

/**
 * Validate where data enters core, once: `fn(schema, impl)` parses its input with the schema and exposes
 * the schema as `.schema` so the HTTP layer can reuse it (STYLE.md #4).
 */
export function fn<S extends z.ZodType, R>(schema: S, impl: (input: z.output<S>) => R) {
  const wrapped = (input: z.input<S>): R => impl(schema.parse(input));
  wrapped.schema = schema;
  return wrapped;
}
