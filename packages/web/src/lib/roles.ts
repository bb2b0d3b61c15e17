/**
 * What a role may do, as the API enforces it (core role.ts; the contract test keeps the two in step). The UI
 * hides what the caller's role may not do, instead of letting a click end in a 403.
 */
import type { Role } from "../api/types";

const RANK: Record<Role, number> = { viewer: 0, operator: 1, owner: 2 };

const allows = (role: Role, required: Role): boolean => RANK[role] >= RANK[required];

/** The actions the UI offers, and the role each needs. */
const ACTION_ROLES = {
  "site.create": "operator",
  "site.edit": "operator",
  "site.sync": "operator",
  "site.delete": "owner",
  "site.rotate_secret": "owner",
  "tokens.manage": "owner",
  "audit.read": "owner",
  "alerts.manage": "owner",
} as const satisfies Record<string, Role>;
export type Action = keyof typeof ACTION_ROLES;

export const can = (role: Role, action: Action): boolean => allows(role, ACTION_ROLES[action]);
