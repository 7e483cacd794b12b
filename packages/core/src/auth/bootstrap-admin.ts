import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createSessionRepository, createTokenRepository } from '@tensornode/db';
import type { CoreContext } from '../context.ts';
import { authenticateToken } from './authenticate.ts';
import { createApiToken } from './create-token.ts';
import { hashTokenSecret } from './token-secret.ts';

export type AdminBootstrap =
  /** `revokedPrevious`: tokens of an earlier TENSORNODE_ADMIN_TOKEN revoked now; `revoked`: this one was revoked by an admin. */
  | { kind: 'configured'; revokedPrevious: number; revoked: boolean }
  | { kind: 'existing' }
  | { kind: 'created'; token: string; file: string };

const CONFIGURED_TOKEN_NAME = 'admin (TENSORNODE_ADMIN_TOKEN)';

/**
 * Makes sure an admin can reach a fresh instance.
 * - `TENSORNODE_ADMIN_TOKEN` set: that secret is registered as an admin token (once), and the
 *   token of a previous value is revoked. A configured token an admin revoked stays revoked.
 * - no admin token yet: one is created and written to `DATA_DIR/admin-token` (mode 0600); the
 *   caller prints it once.
 */
export function ensureAdminToken(ctx: Pick<CoreContext, 'db' | 'config'>): AdminBootstrap {
  const configured = ctx.config.TENSORNODE_ADMIN_TOKEN;
  if (configured) return registerConfiguredToken(ctx, configured);
  if (createTokenRepository(ctx.db).countActiveAdmins() > 0) return { kind: 'existing' };

  const file = join(ctx.config.DATA_DIR, 'admin-token');
  // A token file left from an earlier database is reused only if it is still valid; otherwise replaced.
  if (existsSync(file)) {
    const previous = readFileSync(file, 'utf8').trim();
    if (previous && authenticateToken(ctx, previous)) return { kind: 'existing' };
  }
  const { token } = createApiToken(ctx, { name: 'admin (first start)', role: 'admin' });
  mkdirSync(ctx.config.DATA_DIR, { recursive: true });
  writeFileSync(file, `${token}\n`, { mode: 0o600 });
  chmodSync(file, 0o600);
  return { kind: 'created', token, file };
}

function registerConfiguredToken(ctx: Pick<CoreContext, 'db'>, secret: string): AdminBootstrap {
  return ctx.db.transaction((tx) => {
    const tokens = createTokenRepository(tx);
    const known = tokens.findByHash(hashTokenSecret(secret));
    // Re-inserting a revoked secret would hit the unique hash; reviving it would undo the revocation.
    if (known) return { kind: 'configured', revokedPrevious: 0, revoked: known.revokedAt !== null };
    const previous = tokens.listActiveByName(CONFIGURED_TOKEN_NAME);
    for (const token of previous) {
      tokens.revoke(token.id);
      createSessionRepository(tx).revokeAllOfToken(token.id);
    }
    createApiToken({ db: tx as CoreContext['db'] }, { name: CONFIGURED_TOKEN_NAME, role: 'admin', secret });
    return { kind: 'configured', revokedPrevious: previous.length, revoked: false };
  });
}
