/**
 * How long the Dashboard keeps what it holds (DynamoDB TTL, `expires_at`), configured per deployment through
 * the environment (packages/config sets it on every function; `npm start` reads the same variables):
 *
 * - `DELETED_RECORD_RETENTION_DAYS` (30): a record the Template deleted is purged this long after it
 *   disappeared; until then the Dashboard still lists it with `include_deleted=true`.
 * - `REJECTED_RECORD_RETENTION_DAYS` (14): the raw copy of a record a sync rejected (it may hold personal
 *   data that failed validation) is purged this long after the run.
 * - `AUDIT_RETENTION_DAYS` (365): audit entries.
 * - `ACTIVITY_RETENTION_DAYS` (400): records' history entries, activity events and alert deliveries.
 */
import * as z from "zod";

const Days = z.coerce.number().int().min(1).max(3650);

export const Retention = z.object({
  deletedRecordsDays: Days.default(30),
  rejectedRecordsDays: Days.default(14),
  auditDays: Days.default(365),
  activityDays: Days.default(400),
});
export type Retention = z.infer<typeof Retention>;

export const DEFAULT_RETENTION: Retention = Retention.parse({});

export const RETENTION_ENV = {
  deletedRecordsDays: "DELETED_RECORD_RETENTION_DAYS",
  rejectedRecordsDays: "REJECTED_RECORD_RETENTION_DAYS",
  auditDays: "AUDIT_RETENTION_DAYS",
  activityDays: "ACTIVITY_RETENTION_DAYS",
} as const satisfies Record<keyof Retention, string>;

/** The retention the environment sets; an unset variable keeps its default, a bad one fails at start-up. */
export function retentionFromEnv(env: Record<string, string | undefined>): Retention {
  const result = Retention.safeParse({
    deletedRecordsDays: env[RETENTION_ENV.deletedRecordsDays] || undefined,
    rejectedRecordsDays: env[RETENTION_ENV.rejectedRecordsDays] || undefined,
    auditDays: env[RETENTION_ENV.auditDays] || undefined,
    activityDays: env[RETENTION_ENV.activityDays] || undefined,
  });
  if (!result.success) {
    const first = result.error.issues[0];
    const key = first?.path[0] as keyof Retention | undefined;
    throw new Error(
      `${key ? RETENTION_ENV[key] : "retention"} must be a whole number of days between 1 and 3650`,
    );
  }
  return result.data;
}

/** The TTL (epoch seconds) of something kept `days` from `now`. */
export const expiresAfterDays = (now: Date, days: number): number =>
  Math.floor(now.getTime() / 1000) + days * 86_400;
