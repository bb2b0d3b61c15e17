import { api } from "./api";

/**
 * One CloudFront origin for people: `/api/*` goes to the HTTP API, everything else to the static UI, so the
 * UI needs no API URL and no CORS.
 */
export const router = new sst.aws.Router("Router", {
  transform: {
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

export const web = new sst.aws.StaticSite("Web", {
  path: "packages/web",
  build: { command: "npm run build", output: "dist" },
  router: { instance: router },
});
