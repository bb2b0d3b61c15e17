import { backendLinks } from "./queue";
import { API_MEMORY_MB, API_THROTTLE_BURST, API_THROTTLE_RATE_PER_SECOND } from "./settings";

/**
 * The admin API and the Template webhook, behind one HTTP API. Routes carry the `/api` prefix so that the
 * Router can send `/api/*` here unchanged while the web UI is served from the same origin.
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
export const apiFunction = new sst.aws.Function("ApiFunction", {
  handler: "packages/functions/src/api.handler",
  description: "Admin HTTP API",
  timeout: "29 seconds",
  memory: `${API_MEMORY_MB} MB`,
  link: backendLinks,
});

export const webhookFunction = new sst.aws.Function("WebhookFunction", {
  handler: "packages/functions/src/webhook.handler",
  description: "Signed Template webhook: verifies the HMAC and enqueues a sync",
  timeout: "10 seconds",
  memory: "512 MB",
  link: backendLinks,
});

api.route("POST /api/sync/webhook/template", webhookFunction.arn);
api.route("GET /api/health", apiFunction.arn);
api.route("ANY /api/{proxy+}", apiFunction.arn);
