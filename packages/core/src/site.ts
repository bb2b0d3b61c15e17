/**
 * Sites: the Templates the Dashboard syncs from (site/store.ts), their schema, secrets (encrypted at rest,
 * never leaving core in clear except to the Template client and the signature check), deletion, and what
 * the sync records on them.
 */
export * from "./site/deletion";
export * from "./site/schema";
export {
  apiKey,
  getWithApiKey,
  getWithWebhookSecrets,
  rotateWebhookSecret,
  WEBHOOK_ROTATION_GRACE_MS,
  webhookSecrets,
} from "./site/secrets";
export * from "./site/store";
export * from "./site/sync-status";
