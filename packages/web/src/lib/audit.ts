/** The audit log's actions and outcomes as the API writes them (core audit.ts; the contract test compares). */
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

export const AUDIT_OUTCOMES = ["success", "denied", "failed"] as const;
