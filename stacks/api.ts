import {
  API_MEMORY_MB,
  API_THROTTLE_BURST,
  API_THROTTLE_RATE_PER_SECOND,
  WEBHOOK_ROUTE_KEY,
  WEBHOOK_THROTTLE_BURST,
  WEBHOOK_THROTTLE_RATE_PER_SECOND,
} from "@dashboard/config";
import { alertsEnvironment, alertsPermissions } from "./alerts";
import { backendLinks } from "./queue";

/**
 * The admin API behind one HTTP API (the Template webhook has its own, below). Routes carry the `/api` prefix
 * so that the Router can send `/api/*` here unchanged while the web UI is served from the same origin.
 * CORS is off: the UI calls the API on its own origin, and no other origin has any business calling it.
 */
export const api = new sst.aws.ApiGatewayV2("Api", {
  cors: false,
  transform: {
    stage: (args) => {
      args.defaultRouteSettings = {
        throttlingRateLimit: API_THROTTLE_RATE_PER_SECOND,
        throttlingBurstLimit: API_THROTTLE_BURST,
      };
    },
  },
});

/** One function serves the whole admin API (a single Hono app); every `/api` route below points to it. */
const apiFunction = new sst.aws.Function("ApiFunction", {
  handler: "packages/functions/src/api.handler",
  description: "Admin HTTP API",
  timeout: "29 seconds",
  memory: `${API_MEMORY_MB} MB`,
  link: backendLinks,
  // The alerts test button sends at once.
  permissions: alertsPermissions,
  environment: alertsEnvironment,
});

const webhookFunction = new sst.aws.Function("WebhookFunction", {
  handler: "packages/functions/src/webhook.handler",
  description: "Signed Template webhook: verifies the HMAC and enqueues a sync",
  timeout: "10 seconds",
  memory: "512 MB",
  link: backendLinks,
});

/**
 * CSV exports stream (`/api/export/*`, packages/functions/src/http/routes/export.ts): API Gateway buffers
 * an answer and refuses one over its size limit, so they are served by this function's URL with response
 * streaming, which the Router sends `/api/export` to (stacks/web.ts). Same app, same bearer tokens and
 * roles; the URL itself needs no AWS signature (the app authenticates every request).
 */
export const exportFunction = new sst.aws.Function("ExportFunction", {
  handler: "packages/functions/src/export.handler",
  description: "Admin API: streamed CSV exports",
  streaming: true,
  url: { cors: false },
  timeout: "10 minutes",
  memory: `${API_MEMORY_MB} MB`,
  link: backendLinks,
});

api.route("GET /api/health", apiFunction.arn);
api.route("ANY /api/{proxy+}", apiFunction.arn);

/**
 * The public Template webhook has an HTTP API of its own, so its stage carries its own, lower throttle: a
 * flood on it is stopped at the edge before it costs a Lambda invocation, and cannot use up the admin API's
 * rate. (A per-route setting on the admin API's stage is not possible with SST: the stage is created before
 * its routes, and API Gateway refuses settings for a route that does not exist yet.) The Router sends the
 * webhook's path here, its prefix being longer than `/api` (stacks/web.ts).
 */
export const webhookApi = new sst.aws.ApiGatewayV2("WebhookApi", {
  cors: false,
  transform: {
    stage: (args) => {
      args.defaultRouteSettings = {
        throttlingRateLimit: WEBHOOK_THROTTLE_RATE_PER_SECOND,
        throttlingBurstLimit: WEBHOOK_THROTTLE_BURST,
      };
    },
  },
});

webhookApi.route(WEBHOOK_ROUTE_KEY, webhookFunction.arn);
