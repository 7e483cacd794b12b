import { createHash, randomBytes } from 'node:crypto';

/** A fresh 32-byte salt, hex. Kept with the round and published only in its reveal. */
export function newSalt(): string {
  return randomBytes(32).toString('hex');
}

/**
 * SHA-256(salt ‖ value), hex: the salt's 32 bytes followed by the value's UTF-8 bytes. Unlike a bare
 * hash of a short truth ("42"), it cannot be guessed by hashing candidates.
 */
export function commitment(saltHex: string, value: string): string {
  const salt = Buffer.from(saltHex, 'hex');
  if (salt.length !== 32 || salt.toString('hex') !== saltHex.toLowerCase())
    throw new RangeError('a commitment salt is 32 bytes, hex');
  return createHash('sha256').update(salt).update(value, 'utf8').digest('hex');
}
