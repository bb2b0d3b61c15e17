/** Lambda entry point of the signed Template webhook. */
import { handle } from "hono/aws-lambda";
import { createLogger } from "./http/logging";
import { createWebhookApp } from "./http/webhook-app";
import { ctx } from "./shared/ctx";

export const app = createWebhookApp({ ctx, logger: createLogger("dashboard-webhook") });

export const handler = handle(app);
