import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createTokenRepository } from '@tensornode/db';
import type { CoreContext } from '../context.ts';
import { authenticateToken } from './authenticate.ts';
import { createApiToken } from './create-token.ts';

export type AdminBootstrap =
  | { kind: 'configured' }
  | { kind: 'existing' }
  | { kind: 'created'; token: string; file: string };

/**
 * Makes sure an admin can reach a fresh instance.
 * - `TENSORNODE_ADMIN_TOKEN` set: that secret is registered as an admin token (once).
 * - no admin token yet: one is created and written to `DATA_DIR/admin-token` (mode 0600); the
 *   caller prints it once.
 */
export function ensureAdminToken(ctx: Pick<CoreContext, 'db' | 'config'>): AdminBootstrap {
  const configured = ctx.config.TENSORNODE_ADMIN_TOKEN;
  if (configured) {
    if (!authenticateToken(ctx, configured)) {
      createApiToken(ctx, { name: 'admin (TENSORNODE_ADMIN_TOKEN)', role: 'admin', secret: configured });
    }
    return { kind: 'configured' };
  }
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
