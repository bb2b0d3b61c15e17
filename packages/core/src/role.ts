/**
 * Roles of admin tokens. They nest: `viewer` < `operator` < `owner`.
 * - viewer: reads synced data, runs and logs; customers' and users' e-mail addresses come masked.
 * - operator: viewer + personal data in clear, start and cancel syncs, create and edit sites.
 * - owner: operator + delete sites, rotate webhook secrets, manage tokens, read the audit log.
 */
import * as z from "zod";

export const Role = z.enum(["viewer", "operator", "owner"]);
export type Role = z.infer<typeof Role>;

export const ROLES: readonly Role[] = Role.options;

const RANK: Record<Role, number> = { viewer: 0, operator: 1, owner: 2 };

/** True when `role` may do what `required` is needed for. */
export const allows = (role: Role, required: Role): boolean => RANK[role] >= RANK[required];

/** Whether a role reads personal data (e-mail addresses) in clear. */
export const seesPersonalData = (role: Role): boolean => allows(role, "operator");

/** The caller of a request, as the audit log names it. */
export const Actor = z.object({
  token_id: z.string(),
  name: z.string(),
  role: Role,
});
export type Actor = z.infer<typeof Actor>;
