import { createTokenRepository, type PublicApiToken, type Role } from '@tensornode/db';
import type { CoreContext } from '../context.ts';
import { hashTokenSecret } from './token-secret.ts';

export const ROLE_RANK: Record<Role, number> = { viewer: 1, operator: 2, admin: 3 };

export function roleAtLeast(role: Role, required: Role): boolean {
  return ROLE_RANK[role] >= ROLE_RANK[required];
}

const TOUCH_INTERVAL_MS = 60_000;

/** Resolves a bearer secret to its active token, or undefined. Records last use at most once a minute. */
export function authenticateToken(ctx: Pick<CoreContext, 'db'>, secret: string): PublicApiToken | undefined {
  if (secret.length < 20 || secret.length > 256) return undefined;
  const tokens = createTokenRepository(ctx.db);
  const token = tokens.findActiveByHash(hashTokenSecret(secret));
  if (token && (!token.lastUsedAt || Date.now() - token.lastUsedAt.getTime() > TOUCH_INTERVAL_MS)) {
    tokens.touch(token.id);
  }
  return token;
}
