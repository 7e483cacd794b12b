import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Config } from '../config.ts';
import { NotFoundError } from '../errors.ts';
import { decodeOpenSshPublicKey, encodePublicKeyLine } from './openssh-format.ts';

const PUBLIC_KEY_LINE =
  /^(ssh-ed25519|ssh-rsa|ecdsa-sha2-nistp(256|384|521)|sk-ssh-ed25519@openssh\.com) [A-Za-z0-9+/]+={0,3}( [^\r\n]*)?$/;

/** Where the private key lives: SSH_KEY_PATH, else `<DATA_DIR>/keys/id_ed25519`. */
export function sshKeyPath(config: Pick<Config, 'SSH_KEY_PATH' | 'DATA_DIR'>): string {
  return config.SSH_KEY_PATH ?? join(config.DATA_DIR, 'keys', 'id_ed25519');
}

/**
 * The public key for the private key at `path`, as one authorized_keys line. Reads `path.pub`;
 * when that is missing, derives it from an unencrypted OpenSSH ed25519 private key.
 */
export async function readPublicKey(path: string): Promise<string> {
  const fromPub = await readFile(`${path}.pub`, 'utf8').catch(() => null);
  if (fromPub !== null) {
    const line = fromPub.trim();
    if (PUBLIC_KEY_LINE.test(line)) return line;
  }
  const pem = await readFile(path, 'utf8').catch(() => null);
  const decoded = pem === null ? null : decodeOpenSshPublicKey(pem);
  if (!decoded) throw new NotFoundError('no SSH key at SSH_KEY_PATH; generate one with keys.generate');
  return encodePublicKeyLine(decoded.publicKey, decoded.comment);
}
