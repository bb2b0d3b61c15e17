/** Lambda entry point of the admin API: configuration at module scope (fails fast), then the shared app. */
import { parseAdminTokens } from "@dashboard/core/auth";
import { handle } from "hono/aws-lambda";
import { Resource } from "sst/resource";
import { createApiApp } from "./http/app";
import { createLogger } from "./http/logging";
import { ctx } from "./shared/ctx";

export const app = createApiApp({
  ctx,
  tokens: parseAdminTokens(Resource.AdminTokens.value),
  logger: createLogger("dashboard-api"),
});

export const handler = handle(app);
