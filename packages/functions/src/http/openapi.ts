/** Small helpers for route definitions: JSON content, documented error responses, bearer security. */
import { type OpenAPIHono, z } from "@hono/zod-openapi";
import { ErrorBody } from "./errors";
import type { RequestIdVariables } from "./logging";

type OpenApiMethod = (this: z.ZodType, refId: string) => z.ZodType;

/**
 * A core schema, named as an OpenAPI component. zod 4 copies prototype methods onto each schema when it is
 * built, so a schema core built before `@hono/zod-openapi` extended zod has no `.openapi` of its own (it
 * depends on import order); the extended prototype's method works on any schema.
 */
export const named = <T extends z.ZodType>(schema: T, refId: string): T =>
  (z.ZodType.prototype as unknown as { openapi: OpenApiMethod }).openapi.call(schema, refId) as T;

export const SECURITY_SCHEME = "bearerAuth";
/** Admin routes: `Authorization: Bearer <admin token>`. */
export const BEARER = [{ [SECURITY_SCHEME]: [] }];

export const json = <T extends z.ZodType>(schema: T, description: string) => ({
  content: { "application/json": { schema } },
  description,
});

const ERROR_DESCRIPTIONS = {
  400: "Invalid request (`invalid_request`): a bad parameter, body or cursor",
  401: "Missing or wrong credentials (`unauthorized`)",
  404: "Not found (`not_found`)",
  409: "Conflict (`conflict`)",
  413: "Body too large (`payload_too_large`)",
  429: "Too many requests (`rate_limited`)",
  500: "Internal error (`internal`); never carries internals",
} as const;
type ErrorStatus = keyof typeof ERROR_DESCRIPTIONS;

/** Documented error responses; 401 and 500 can happen on every admin route, so they are always added. */
export const errors = <S extends ErrorStatus>(...statuses: S[]) =>
  Object.fromEntries(
    [...new Set<ErrorStatus>([...statuses, 401, 500])].map((s) => [
      s,
      json(ErrorBody, ERROR_DESCRIPTIONS[s]),
    ]),
  ) as Record<S | 401 | 500, ReturnType<typeof json<typeof ErrorBody>>>;

/** Error responses of a public route (no 401 unless asked). */
export const publicErrors = <S extends ErrorStatus>(...statuses: S[]) =>
  Object.fromEntries(
    [...new Set<ErrorStatus>([...statuses, 500])].map((s) => [s, json(ErrorBody, ERROR_DESCRIPTIONS[s])]),
  ) as Record<S | 500, ReturnType<typeof json<typeof ErrorBody>>>;

export type ApiEnv = { Variables: RequestIdVariables };
export type ApiApp = OpenAPIHono<ApiEnv>;
