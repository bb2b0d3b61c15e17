/**
 * Powertools logger and metrics, one of each per function, at module scope. Log lines are JSON; the sync
 * handlers add run_id, site_id and entity to every line they write. Nothing secret is ever passed in.
 */
import { Logger } from "@aws-lambda-powertools/logger";
import { Metrics } from "@aws-lambda-powertools/metrics";

export const SERVICE = "dashboard";
export const NAMESPACE = "ArtworksdigitalDashboard";

export const logger = new Logger({ serviceName: SERVICE });
export const metrics = new Metrics({ namespace: NAMESPACE, serviceName: SERVICE });
