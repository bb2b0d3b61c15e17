/**
 * The UI's one cache of server data: a TanStack Query client per session (signing out drops it with the
 * token). Query keys start with the noun they hold, so that a change can refresh every query of that noun:
 * - `["sites"]`, `["site-settings", id]`, `["site-stats", id, ...]`, `["facets", entity, site]`;
 * - `["runs", ...]` (lists and the overview), `["run", id]`, `["invalid", run, entity]`;
 * - `["records", entity, filters]`, `["record", entity, site, id]`, `["audit", filters]`, `["tokens"]`, `["me"]`.
 * The live probe (context.tsx) refreshes `sites`, `runs` and `run` when the newest runs changed.
 */
import { QueryClient } from "@tanstack/react-query";

/** How long to wait between two polls of data that is changing right now (a run in progress). */
export const LIVE_INTERVAL_MS = 1000;

/** How often a visible tab asks whether anything changed (a conditional request: 304 while nothing did). */
export const PULSE_INTERVAL_MS = 3000;

/** The prefixes of the queries a change of runs makes stale: the sites carry each one's last run and counts. */
export const RUN_NOUNS = ["sites", "runs", "run"] as const;

export const createQueryClient = (): QueryClient =>
  new QueryClient({
    defaultOptions: {
      queries: {
        // A failure is shown at once with its own retry button; the API's errors are not transient.
        retry: false,
        // Answers are revalidated with their ETag (api/client.ts), so asking again is cheap.
        staleTime: 0,
        refetchOnWindowFocus: true,
        // Polls (`refetchInterval`) stop while the tab is hidden and resume when it shows again.
        refetchIntervalInBackground: false,
      },
    },
  });
