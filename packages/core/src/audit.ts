/**
 * The audit log: who (the token's name), what (action, target, the names of the fields changed, never a
 * value), when, from where (IP, forwarded-for, user agent) and with which outcome, for every change and
 * every read of personal data in clear. Entries are append-only: core has no function that edits or
 * deletes one, the API only lists them, and DynamoDB's TTL removes them after `ctx.retention.auditDays`.
 */
import { AUDIT_ACTIONS, AUDIT_OUTCOMES } from "@dashboard/config/audit";
import * as z from "zod";
import type { Ctx } from "./context";
import { expiresAfterDays } from "./retention";
import { Actor } from "./role";
import { listPage, type Page } from "./store/db";
import { defineEntity } from "./store/entity";
import { either, equals } from "./store/expression";
import { Keys } from "./store/keys";
import { createId } from "./util/id";
import { isoNow } from "./util/time";

export const AuditAction = z.enum(AUDIT_ACTIONS);
export type AuditAction = z.infer<typeof AuditAction>;

/** `success`: done; `denied`: refused for the caller's role; `failed`: refused or failed otherwise. */
export const AuditOutcome = z.enum(AUDIT_OUTCOMES);
export type AuditOutcome = z.infer<typeof AuditOutcome>;

export const AuditTarget = z.object({
  type: z.enum(["site", "run", "token", "records", "alert_subscription"]),
  id: z.string(),
});

export const AuditEntry = z.object({
  audit_id: z.string(),
  at: z.string(),
  actor: Actor,
  action: AuditAction,
  target: AuditTarget.optional(),
  site_id: z.string().optional(),
  /** Names of the fields a change set (or the filters of a read), never their values. */
  fields: z.array(z.string()).optional(),
  outcome: AuditOutcome,
  status: z.number().int(),
  /** The error's stable code when the outcome is not a success. */
  reason: z.string().optional(),
  ip: z.string().optional(),
  forwarded_for: z.string().optional(),
  user_agent: z.string().optional(),
  request_id: z.string().optional(),
});
export type AuditEntry = z.infer<typeof AuditEntry>;

export type NewAuditEntry = Omit<AuditEntry, "audit_id" | "at">;

/** One entry, appended once under its time and id; nothing updates or deletes it (the TTL does). */
const AuditItem = defineEntity({
  type: "audit",
  schema: AuditEntry,
  key: (at: string, id: string) => Keys.audit(at, id),
});

const clip = (value: string | undefined, max: number) => (value ? value.slice(0, max) : undefined);

/** Appends one entry. */
export async function record(ctx: Ctx, input: NewAuditEntry): Promise<AuditEntry> {
  const now = ctx.now();
  const entry = AuditEntry.parse({
    ...input,
    audit_id: createId("aud"),
    at: isoNow(now),
    ip: clip(input.ip, 64),
    forwarded_for: clip(input.forwarded_for, 256),
    user_agent: clip(input.user_agent, 512),
    fields: input.fields?.slice(0, 50),
  });
  await AuditItem.create(ctx, [entry.at, entry.audit_id], {
    expires_at: expiresAfterDays(now, ctx.retention.auditDays),
    ...entry,
  });
  return entry;
}

export const AuditFilter = z.object({
  /** A token id or a token name (exact). */
  actor: z.string().max(200).optional(),
  action: AuditAction.optional(),
  site_id: z.string().max(64).optional(),
  outcome: AuditOutcome.optional(),
  /** ISO instants, inclusive. */
  from: z.iso.datetime({ offset: true }).optional(),
  to: z.iso.datetime({ offset: true }).optional(),
  limit: z.number().int().min(1).max(200),
  cursor: z.string().optional(),
});
export type AuditFilter = z.infer<typeof AuditFilter>;

/** A page of the log, newest first. */
export async function list(ctx: Ctx, input: AuditFilter): Promise<Page<AuditEntry>> {
  const f = AuditFilter.parse(input);
  const from = f.from ? new Date(f.from).toISOString() : "0000";
  const to = f.to ? new Date(f.to).toISOString() : "9999";
  const range = Keys.auditRange(from, to);
  const page = await listPage(ctx, {
    key: { pk: Keys.auditPartition, from: range.from, to: range.to },
    where: [
      f.actor && either(equals("actor.token_id", f.actor), equals("actor.name", f.actor)),
      f.action && equals("action", f.action),
      f.site_id && equals("site_id", f.site_id),
      f.outcome && equals("outcome", f.outcome),
    ],
    descending: true,
    limit: f.limit,
    cursor: f.cursor,
    scope: `audit:${f.actor ?? ""}:${f.action ?? ""}:${f.site_id ?? ""}:${f.outcome ?? ""}:${from}:${to}`,
  });
  return { ...page, items: page.items.map((item) => AuditEntry.parse(item)) };
}
