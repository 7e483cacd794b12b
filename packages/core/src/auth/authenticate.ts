import { createTokenRepository, type PublicApiToken, type Role } from '@tensornode/db';
import type { CoreContext } from '../context.ts';
import { authenticateSession, isSessionSecret } from './sessions.ts';
import { hashTokenSecret } from './token-secret.ts';

export const ROLE_RANK: Record<Role, number> = { viewer: 1, operator: 2, admin: 3 };

export function roleAtLeast(role: Role, required: Role): boolean {
  return ROLE_RANK[role] >= ROLE_RANK[required];
}

const TOUCH_INTERVAL_MS = 60_000;

/** Who a bearer secret speaks for: an API token, or a session standing in for one. */
export interface Principal {
  tokenId: string;
  name: string;
  role: Role;
  /** Set when the secret is a dashboard session rather than the token itself. */
  sessionId?: string;
}

/**
 * Resolves a bearer secret to its active, unexpired token, or undefined. Records last use at most
 * once a minute.
 */
export function authenticateToken(
  ctx: Pick<CoreContext, 'db' | 'now'>,
  secret: string,
): PublicApiToken | undefined {
  if (secret.length < 20 || secret.length > 256) return undefined;
  const now = ctx.now?.() ?? new Date();
  const tokens = createTokenRepository(ctx.db);
  const token = tokens.findActiveByHash(hashTokenSecret(secret));
  if (!token || (token.expiresAt && token.expiresAt <= now)) return undefined;
  if (!token.lastUsedAt || now.getTime() - token.lastUsedAt.getTime() > TOUCH_INTERVAL_MS) {
    tokens.touch(token.id, now);
  }
  return token;
}

/** Resolves any bearer secret the API accepts (API token or session secret) to whom it speaks for. */
export function authenticateBearer(
  ctx: Pick<CoreContext, 'db' | 'config' | 'now'>,
  secret: string,
): Principal | undefined {
  if (isSessionSecret(secret)) return authenticateSession(ctx, secret);
  const token = authenticateToken(ctx, secret);
  return token ? { tokenId: token.id, name: token.name, role: token.role } : undefined;
}
