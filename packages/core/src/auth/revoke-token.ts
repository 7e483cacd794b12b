import { createSessionRepository, createTokenRepository, type PublicApiToken } from '@tensornode/db';
import type { CoreContext } from '../context.ts';
import { ConflictError, NotFoundError } from '../errors.ts';

/** Revokes a token and every dashboard session signed in with it. */
export function revokeApiToken(
  ctx: Pick<CoreContext, 'db'>,
  input: { id: string; callerTokenId?: string },
): PublicApiToken {
  return ctx.db.transaction((tx) => {
    const tokens = createTokenRepository(tx);
    const existing = tokens.findById(input.id);
    if (!existing || existing.revokedAt) throw new NotFoundError(`no active token with id ${input.id}`);
    // Locking everyone out by revoking the last admin token is almost never intended.
    if (existing.role === 'admin' && tokens.countActiveAdmins() <= 1) {
      throw new ConflictError('cannot revoke the last active admin token; create another admin token first');
    }
    const revoked = tokens.revoke(input.id)!;
    createSessionRepository(tx).revokeAllOfToken(input.id, revoked.revokedAt ?? new Date());
    return revoked;
  });
}
