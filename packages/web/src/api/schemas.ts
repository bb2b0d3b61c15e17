/**
 * What the UI checks itself, as zod schemas: the error envelope (an error may come from a proxy, not the API),
 * the forms' fields before they are sent (the server stays the judge), and the order of entities. The API's
 * answers are typed from the server's route definitions (api/types.ts), not restated here.
 */
import { z } from "zod";

export const ErrorBody = z.object({
  error: z.object({
    code: z.string(),
    /** The specific cause when the API gives one (`site_exists`, `invalid_cursor`, ...). */
    reason: z.string().optional(),
    message: z.string(),
    details: z.unknown().optional(),
  }),
});

export const ValidationIssues = z.object({
  issues: z.array(z.object({ location: z.string().optional(), path: z.string(), message: z.string() })),
});

export type ErrorBody = z.infer<typeof ErrorBody>;

const Entity = z.enum([
  "paintings",
  "users",
  "orders",
  "settings",
  "exhibitions",
  "stats",
  "custom_requests",
]);

export const ENTITY_ORDER: readonly string[] = Entity.options;

const httpUrl = z
  .string()
  .trim()
  .min(1, "required")
  .refine((value) => {
    try {
      const url = new URL(value);
      return (url.protocol === "http:" || url.protocol === "https:") && url.hostname !== "";
    } catch {
      return false;
    }
  }, "url");

const SiteSlug = z
  .string()
  .trim()
  .min(2, "slug")
  .max(64, "slug")
  .regex(/^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$/, "slug");

export const SiteCreateInput = z.object({
  name: z.string().trim().min(1, "required").max(200, "too_long"),
  template_url: httpUrl,
  api_key: z.string().trim().min(1, "required"),
  id: SiteSlug.optional(),
  enabled: z.boolean().optional(),
});

export const SiteUpdateInput = z.object({
  name: z.string().trim().min(1, "required").max(200, "too_long").optional(),
  template_url: httpUrl.optional(),
  api_key: z.string().trim().min(1, "required").optional(),
  enabled: z.boolean().optional(),
});

const Role = z.enum(["viewer", "operator", "owner"]);

export const TokenCreateInput = z.object({
  name: z.string().trim().min(1, "required").max(100, "too_long"),
  role: Role,
  expires_at: z.string().optional(),
});
