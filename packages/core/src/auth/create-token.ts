import { randomUUID } from 'node:crypto';
import { createTokenRepository, type PublicApiToken, type Role } from '@tensornode/db';
import type { CoreContext } from '../context.ts';
import { displayPrefix, generateTokenSecret, hashTokenSecret } from './token-secret.ts';

export interface CreatedToken {
  /** The bearer secret. Shown once; only its hash is stored. */
  token: string;
  record: PublicApiToken;
}

const DAY_MS = 24 * 3_600_000;

export function createApiToken(
  ctx: Pick<CoreContext, 'db' | 'now'>,
  input: { name: string; role: Role; secret?: string; expiresInDays?: number },
): CreatedToken {
  const token = input.secret ?? generateTokenSecret();
  const now = ctx.now?.() ?? new Date();
  const record = createTokenRepository(ctx.db).insert({
    id: randomUUID(),
    name: input.name,
    role: input.role,
    tokenHash: hashTokenSecret(token),
    prefix: displayPrefix(token),
    expiresAt: input.expiresInDays ? new Date(now.getTime() + input.expiresInDays * DAY_MS) : null,
  });
  return { token, record };
}
