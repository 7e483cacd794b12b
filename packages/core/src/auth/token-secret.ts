import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

const TOKEN_PREFIX = 'tn_';

/** A new bearer secret: `tn_` + 32 random bytes, base64url. */
export function generateTokenSecret(): string {
  return TOKEN_PREFIX + randomBytes(32).toString('base64url');
}

export function hashTokenSecret(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}

/** The few leading characters shown in listings so operators can tell tokens apart. */
export function displayPrefix(secret: string): string {
  return secret.slice(0, TOKEN_PREFIX.length + 6);
}

export function sameSecret(a: string, b: string): boolean {
  const ha = Buffer.from(hashTokenSecret(a), 'hex');
  const hb = Buffer.from(hashTokenSecret(b), 'hex');
  return timingSafeEqual(ha, hb);
}
