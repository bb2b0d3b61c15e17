import { contentSecurityPolicy, HSTS_MAX_AGE_SECONDS, WEBHOOK_PREFIX } from "@dashboard/config";
import { api, exportFunction, webhookApi } from "./api";

/**
 * The security headers of everything the Router serves (the UI and, harmlessly, the API's JSON): the CSP
 * of packages/config/src/index.ts, HSTS, `frame-ancestors 'none'` and `X-Frame-Options: DENY`, `Referrer-Policy`,
 * `nosniff`. The API sets its own `Cache-Control: no-store`, which this policy leaves alone.
 */
const securityHeaders = new aws.cloudfront.ResponseHeadersPolicy("UiSecurityHeaders", {
  comment: "artworksdigital Dashboard: CSP, HSTS, no framing, referrer policy",
  securityHeadersConfig: {
    contentSecurityPolicy: { contentSecurityPolicy: contentSecurityPolicy(), override: true },
    strictTransportSecurity: {
      accessControlMaxAgeSec: HSTS_MAX_AGE_SECONDS,
      includeSubdomains: true,
      preload: false,
      override: true,
    },
    frameOptions: { frameOption: "DENY", override: true },
    referrerPolicy: { referrerPolicy: "same-origin", override: true },
    contentTypeOptions: { override: true },
  },
});

/**
 * One CloudFront origin for people: `/api/*` goes to the HTTP API, everything else to the static UI, so the
 * UI needs no API URL and no CORS.
 */
export const router = new sst.aws.Router("Router", {
  transform: {
    cdn: (args) => {
      args.defaultCacheBehavior = $output(args.defaultCacheBehavior).apply((behavior) => ({
        ...behavior,
        responseHeadersPolicyId: securityHeaders.id,
      }));
    },
    // The admin API authenticates with `Authorization: Bearer`. CloudFront forwards that header only when it
    // is part of the cache key, so it is added to the Router's cache policy (which caches nothing unless the
    // origin says so, and then only per token).
    cachePolicy: (args) => {
      args.parametersInCacheKeyAndForwardedToOrigin = $output(
        args.parametersInCacheKeyAndForwardedToOrigin,
      ).apply((parameters) => ({
        ...parameters,
        headersConfig: {
          headerBehavior: "whitelist",
          headers: {
            items: [...new Set([...(parameters.headersConfig.headers?.items ?? []), "authorization"])],
          },
        },
      }));
    },
  },
});

router.route("/api", api.url);
// Exports stream from their own function's URL; the longer prefix wins over `/api` (stacks/api.ts).
router.route("/api/export", exportFunction.url);
// The longer prefix wins: the webhook goes to its own, separately throttled HTTP API (stacks/api.ts).
router.route(WEBHOOK_PREFIX, webhookApi.url);

new sst.aws.StaticSite("Web", {
  path: "packages/web",
  build: { command: "npm run build", output: "dist" },
  router: { instance: router },
});
