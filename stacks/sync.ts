import { SCHEDULER_MEMORY_MB, SYNC_SCHEDULE } from "@dashboard/config";
import { backendLinks } from "./queue";

/**
 * Every `SYNC_SCHEDULE`, the scheduler enqueues one unit of work per (site, entity) onto the sync queue.
 * `CronV2` (EventBridge Scheduler) is the installed SST's successor of the deprecated `Cron` (EventBridge rule).
 */
export const syncSchedule = new sst.aws.CronV2("SyncSchedule", {
  schedule: SYNC_SCHEDULE,
  function: {
    handler: "packages/functions/src/scheduler.handler",
    description: "Enqueues a scheduled sync of every site",
    timeout: "1 minute",
    memory: `${SCHEDULER_MEMORY_MB} MB`,
    link: backendLinks,
  },
});
