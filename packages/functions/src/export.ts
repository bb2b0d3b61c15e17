/**
 * Lambda entry point of the CSV exports (`/api/export/*`, routed here by the Router): the same admin API
 * app, answered as a stream through the function's URL (response streaming), so an export of any size
 * starts at once and never sits whole in memory or in API Gateway's buffer (which caps answers at 10 MB).
 */
import { parseAdminTokens } from "@dashboard/core/auth";
import { streamHandle } from "hono/aws-lambda";
import { Resource } from "sst/resource";
import { createApiApp } from "./http/app";
import { createLogger } from "./http/logging";
import { ctx } from "./shared/ctx";

const app = createApiApp({
  ctx,
  tokens: parseAdminTokens(Resource.AdminTokens.value),
  logger: createLogger("dashboard-export"),
});

export const handler = streamHandle(app);
