import { randomUUID } from 'node:crypto';
import { createTokenRepository, type PublicApiToken, type Role } from '@tensornode/db';
import type { CoreContext } from '../context.ts';
import { displayPrefix, generateTokenSecret, hashTokenSecret } from './token-secret.ts';

export interface CreatedToken {
  /** The bearer secret. Shown once; only its hash is stored. */
  token: string;
  record: PublicApiToken;
}

export function createApiToken(
  ctx: Pick<CoreContext, 'db'>,
  input: { name: string; role: Role; secret?: string },
): CreatedToken {
  const token = input.secret ?? generateTokenSecret();
  const record = createTokenRepository(ctx.db).insert({
    id: randomUUID(),
    name: input.name,
    role: input.role,
    tokenHash: hashTokenSecret(token),
    prefix: displayPrefix(token),
  });
  return { token, record };
}
