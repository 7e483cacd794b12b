import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { chmod, mkdir, open, rename, rm, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { ConflictError } from '../errors.ts';
import { encodeOpenSshPrivateKey, encodePublicKeyLine, fingerprint } from './openssh-format.ts';

export interface SshKeypair {
  privateKeyPath: string;
  publicKeyPath: string;
  /** `ssh-ed25519 AAAA… tensornode`, ready for a deploy's `sshKeys`. */
  publicKey: string;
  fingerprint: string;
}

export const DEFAULT_KEY_COMMENT = 'tensornode';

/**
 * Creates an ed25519 keypair the way `ssh-keygen -t ed25519` would: the private key in OpenSSH
 * format with mode 0600 at `path`, the public key at `path.pub`. Refuses to replace an existing
 * key unless `force`, since VMs may already trust it.
 */
export async function generateSshKeypair(
  path: string,
  options: { force?: boolean; comment?: string } = {},
): Promise<SshKeypair> {
  const comment = options.comment ?? DEFAULT_KEY_COMMENT;
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  const jwkPrivate = privateKey.export({ format: 'jwk' });
  const jwkPublic = publicKey.export({ format: 'jwk' });
  if (!jwkPrivate.d || !jwkPublic.x) throw new Error('node:crypto returned an ed25519 key without its parts');
  const seed = Buffer.from(jwkPrivate.d, 'base64url');
  const raw = Buffer.from(jwkPublic.x, 'base64url');
  const pem = encodeOpenSshPrivateKey(seed, raw, comment);
  const publicLine = encodePublicKeyLine(raw, comment);

  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  if (options.force) {
    const temp = `${path}.${randomBytes(6).toString('hex')}.tmp`;
    try {
      await writeFile(temp, pem, { mode: 0o600, flag: 'wx' });
      await chmod(temp, 0o600);
      await rename(temp, path);
    } finally {
      await rm(temp, { force: true });
    }
  } else {
    const handle = await open(path, 'wx', 0o600).catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'EEXIST') {
        throw new ConflictError('an SSH key already exists at SSH_KEY_PATH; pass force to replace it');
      }
      throw err;
    });
    try {
      await handle.writeFile(pem);
      await handle.chmod(0o600);
    } finally {
      await handle.close();
    }
  }
  await writeFile(`${path}.pub`, `${publicLine}\n`, { mode: 0o644 });
  return {
    privateKeyPath: path,
    publicKeyPath: `${path}.pub`,
    publicKey: publicLine,
    fingerprint: fingerprint(raw),
  };
}
