/** A site's schema: the site as callers see it, its stored item (with sealed secrets), and its inputs. */
import * as z from "zod";
import { Entity } from "../entity";
import { SiteHealth } from "../health";
import { RunStatus } from "../run/schema";

export const SiteId = z
  .string()
  .min(2)
  .max(64)
  .regex(/^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$/, "lowercase letters, digits and dashes (a slug)");

/** The error that makes a site's last run worth watching: a failed entity, or one retrying. */
export const LastRunError = z.object({ entity: Entity, code: z.string(), message: z.string() });
export type LastRunError = z.infer<typeof LastRunError>;

/**
 * Caps on one entity's scan (all its continuation messages together): beyond them the scan stops with
 * `too_many_records` or `pagination_loop` and deletes nothing. Defaults: 200,000 records, 5,000 pages.
 */
export const ScanLimits = z
  .object({
    max_records: z.number().int().min(100).max(10_000_000),
    max_pages: z.number().int().min(10).max(1_000_000),
  })
  .partial()
  .strict();
export type ScanLimits = z.infer<typeof ScanLimits>;

/** What the API returns: never the key, never a secret. */
export const Site = z.object({
  id: SiteId,
  name: z.string(),
  template_url: z.string(),
  enabled: z.boolean(),
  created_at: z.string(),
  updated_at: z.string().optional(),
  api_key_last4: z.string(),
  last_run: z
    .object({
      run_id: z.string(),
      status: RunStatus,
      finished_at: z.string().optional(),
      /** The run is waiting to try an entity again (`error` says why). */
      retrying: z.boolean().optional(),
      error: LastRunError.optional(),
    })
    .optional(),
  counts: z.partialRecord(Entity, z.number().int().nonnegative()).optional(),
  last_synced_at: z.partialRecord(Entity, z.string()).optional(),
  scan_limits: ScanLimits.optional(),
  /** What the last settings sync noticed about the Template's security (health.ts). */
  health: SiteHealth.optional(),
});
export type Site = z.infer<typeof Site>;

export const WebhookSecret = z.object({
  sealed: z.string(),
  created_at: z.string(),
  expires_at: z.string().optional(),
});

/** The stored item: the public site plus sealed secrets. */
export const SiteItem = Site.extend({
  api_key_sealed: z.string(),
  webhook_secrets: z.array(WebhookSecret),
  /** Since when the site's syncs fail (the first failure of the current outage); absent once one succeeds. */
  failing_since: z.string().optional(),
  /** Set when the site's deletion started: the site is gone for every caller, its data is being removed. */
  deleting: z.boolean().optional(),
});
export type SiteItem = z.infer<typeof SiteItem>;

export const TemplateUrl = z
  .string()
  .trim()
  .max(2048)
  .refine((v) => {
    try {
      const u = new URL(v);
      return u.protocol === "http:" || u.protocol === "https:";
    } catch {
      return false;
    }
  }, "must be an http(s) URL")
  .transform((v) => v.replace(/\/+$/, ""));

/**
 * An API key is sent in an HTTP header: printable ASCII only. A control character (CR/LF: header injection)
 * or a non-ASCII one (a key pasted with a typographic dash or a no-break space) is refused at registration,
 * not discovered as a failing sync.
 */
export const ApiKey = z
  .string()
  .trim()
  .min(1, "required")
  .max(512)
  .regex(/^[\x20-\x7e]+$/, "printable ASCII only (no control or non-ASCII characters)");

export const CreateSite = z.object({
  id: SiteId.optional(),
  name: z.string().trim().min(1, "required").max(200),
  template_url: TemplateUrl,
  api_key: ApiKey,
  enabled: z.boolean().default(true),
  scan_limits: ScanLimits.optional(),
});
export type CreateSite = z.input<typeof CreateSite>;

export const UpdateSite = z
  .object({
    name: z.string().trim().min(1).max(200),
    template_url: TemplateUrl,
    api_key: ApiKey,
    enabled: z.boolean(),
    scan_limits: ScanLimits,
  })
  .partial()
  .strict()
  .refine(
    (v) => Object.keys(v).length > 0,
    "give at least one of name, template_url, api_key, enabled, scan_limits",
  );
export type UpdateSite = z.input<typeof UpdateSite>;
