/// <reference path="./.sst/platform/config.d.ts" />

/**
 * The AWS deployment of the Dashboard. One file per concern lives in `stacks/`; each is imported inside
 * `run()` because SST's globals (`sst`, `aws`, `$app`, ...) exist only there. See docs/deploy.md.
 */
export default $config({
  app(input) {
    const isProduction = input.stage === "production";
    return {
      name: "artworksdigital-dashboard",
      home: "aws",
      removal: isProduction ? "retain" : "remove",
      protect: isProduction,
      // Pinned so that `sst install` (and the offline type-check) resolve the same provider every time.
      providers: { aws: { version: "7.20.0" } },
    };
  },
  async run() {
    const { FUNCTION_BUNDLING, RETENTION_ENVIRONMENT } = await import("@dashboard/config");
    // Defaults for every Lambda function, set before any stack creates one.
    $transform(sst.aws.Function, (args) => {
      args.runtime ??= "nodejs24.x";
      args.architecture ??= "arm64";
      args.logging ??= { format: "json", retention: "1 month" };
      args.nodejs ??= FUNCTION_BUNDLING;
      // Deployed code runs in production mode: core turns on its SSRF checks of Template URLs then.
      // Retention of deleted records, rejected records' raw copies and audit entries (docs/security.md).
      args.environment = $output(args.environment ?? {}).apply((environment) => ({
        ...RETENTION_ENVIRONMENT,
        ...environment,
        DASHBOARD_ENV: "production",
      }));
    });

    await import("./stacks/secrets");
    const { table } = await import("./stacks/storage");
    const { alertsQueue } = await import("./stacks/alerts");
    const { syncQueue, syncDeadLetterQueue } = await import("./stacks/queue");
    await import("./stacks/sync");
    const { changesDeadLetterQueue } = await import("./stacks/changes");
    const { api } = await import("./stacks/api");
    const { router } = await import("./stacks/web");

    return {
      api: api.url,
      router: router.url,
      table: table.name,
      queue: syncQueue.url,
      deadLetterQueue: syncDeadLetterQueue.url,
      changesDeadLetterQueue: changesDeadLetterQueue.url,
      alertsQueue: alertsQueue.url,
    };
  },
});
