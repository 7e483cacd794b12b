import { InvalidInputError } from '../errors.ts';

/**
 * One shell word, quoted so any POSIX shell reads it back byte for byte: wrapped in single
 * quotes, each `'` written as `'\''`. NUL cannot be carried by a shell word at all.
 */
export function shellQuote(word: string, field = 'value'): string {
  if (word.includes('\0')) throw new InvalidInputError(field, 'must not contain NUL bytes');
  return `'${word.replaceAll("'", `'\\''`)}'`;
}

/** Replaces each secret (and a secret's prefix cut off at the end of a capped output) by `[redacted]`. */
export function redactSecrets(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) {
    if (secret.length === 0) continue;
    out = out.replaceAll(secret, '[redacted]');
    for (let n = Math.min(secret.length - 1, out.length); n >= 4; n--) {
      if (out.endsWith(secret.slice(0, n))) {
        out = `${out.slice(0, out.length - n)}[redacted]`;
        break;
      }
    }
  }
  return out;
}
