import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { createSessionRepository, createTokenRepository } from '@tensornode/db';
import type { Config } from '../config.ts';
import type { CoreContext } from '../context.ts';
import { InvalidInputError, NotFoundError } from '../errors.ts';
import type { Principal } from './authenticate.ts';

/** Sessions have their own prefix, so a leaked one is recognisable and never mistaken for a token. */
const SESSION_PREFIX = 'tns_';
// Sliding renewal is written at most this often, so a busy dashboard does not write on every call.
const RENEW_INTERVAL_MS = 60_000;

export function isSessionSecret(secret: string): boolean {
  return secret.startsWith(SESSION_PREFIX);
}

function hashSessionSecret(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}

type SessionConfig = Pick<Config, 'SESSION_IDLE_MINUTES' | 'SESSION_MAX_HOURS'>;

/** Idle expiry from `at`, capped by the session's absolute lifetime. */
function slidExpiry(config: SessionConfig, createdAt: Date, at: Date): Date {
  const idle = at.getTime() + config.SESSION_IDLE_MINUTES * 60_000;
  const cap = createdAt.getTime() + config.SESSION_MAX_HOURS * 3_600_000;
  return new Date(Math.min(idle, cap));
}

export interface CreatedSession {
  /** The bearer secret for the dashboard's cookie. Shown once; only its hash is stored. */
  secret: string;
  sessionId: string;
  expiresAt: Date;
}

/** Issues a session for an API token (never for another session: a session cannot outlive its terms). */
export function createSession(
  ctx: Pick<CoreContext, 'db' | 'config' | 'now'>,
  input: { tokenId: string; viaSession?: boolean },
): CreatedSession {
  if (input.viaSession) {
    throw new InvalidInputError('authorization', 'a session is created with an API token, not a session');
  }
  const now = ctx.now?.() ?? new Date();
  if (!createTokenRepository(ctx.db).findById(input.tokenId)) {
    throw new NotFoundError(`no token with id ${input.tokenId}`);
  }
  const secret = SESSION_PREFIX + randomBytes(32).toString('base64url');
  const session = createSessionRepository(ctx.db).insert({
    id: randomUUID(),
    tokenId: input.tokenId,
    secretHash: hashSessionSecret(secret),
    createdAt: now,
    lastSeenAt: now,
    expiresAt: slidExpiry(ctx.config, now, now),
  });
  return { secret, sessionId: session.id, expiresAt: session.expiresAt };
}

/** The principal behind a live session secret; slides the session's expiry forward. */
export function authenticateSession(
  ctx: Pick<CoreContext, 'db' | 'config' | 'now'>,
  secret: string,
): Principal | undefined {
  if (secret.length < 20 || secret.length > 256) return undefined;
  const now = ctx.now?.() ?? new Date();
  const sessions = createSessionRepository(ctx.db);
  const found = sessions.findActiveByHash(hashSessionSecret(secret), now);
  if (!found) return undefined;
  const { session, token } = found;
  if (now.getTime() - session.lastSeenAt.getTime() >= RENEW_INTERVAL_MS) {
    sessions.touch(session.id, now, slidExpiry(ctx.config, session.createdAt, now));
  }
  return { tokenId: token.id, name: token.name, role: token.role, sessionId: session.id };
}

/** Ends a session (sign-out). Revoking an already ended session is not an error: sign-out is idempotent. */
export function revokeSession(ctx: Pick<CoreContext, 'db' | 'now'>, input: { sessionId: string }): void {
  createSessionRepository(ctx.db).revoke(input.sessionId, ctx.now?.() ?? new Date());
}
