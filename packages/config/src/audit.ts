/**
 * What the audit log records (core audit.ts validates its entries with these; the UI offers them as filters
 * and words each in its message catalogue). Plain data, so the UI's bundle takes them without core or zod.
 */
export const AUDIT_ACTIONS = [
  "site.created",
  "site.updated",
  "site.deleted",
  "site.webhook_secret_rotated",
  "sync.started",
  "sync.cancelled",
  "token.created",
  "token.revoked",
  "personal_data.read",
  "data.exported",
  "alert.subscription_created",
  "alert.subscription_updated",
  "alert.subscription_deleted",
  "alert.test_sent",
] as const;

/** `success`: done; `denied`: refused for the caller's role; `failed`: refused or failed otherwise. */
export const AUDIT_OUTCOMES = ["success", "denied", "failed"] as const;
