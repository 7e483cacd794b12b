import type { RouterOutputs } from '@tensornode/client';

export type Role = RouterOutputs['auth']['whoami']['role'];

/** httpOnly: the dashboard session's secret (never the API token); scripts in the page never see it. */
export const SESSION_COOKIE = 'tn_session';
/** Not secret: the role, used only to hide what the role may not do. */
export const ROLE_COOKIE = 'tn_role';

const RANK: Record<Role, number> = { viewer: 0, operator: 1, admin: 2 };

export function roleAtLeast(role: Role, needed: Role): boolean {
  return RANK[role] >= RANK[needed];
}
