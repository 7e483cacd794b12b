import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, stat, unlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConflictError, NotFoundError } from '../errors.ts';
import { generateSshKeypair } from './generate-keypair.ts';
import { readPublicKey, sshKeyPath } from './read-public-key.ts';

const run = promisify(execFile);
let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tensornode-keys-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('generateSshKeypair', () => {
  it('writes an OpenSSH ed25519 private key (0600) that ssh-keygen accepts', async () => {
    const path = join(dir, 'a', 'id_ed25519');
    const pair = await generateSshKeypair(path);
    const pem = await readFile(path, 'utf8');
    expect(pem.startsWith('-----BEGIN OPENSSH PRIVATE KEY-----\n')).toBe(true);
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    expect(pair.publicKey).toMatch(/^ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI[A-Za-z0-9+/]+ tensornode$/);
    // ssh-keygen derives the same public key and fingerprint from our private key file.
    const derived = await run('ssh-keygen', ['-y', '-f', path]);
    expect(derived.stdout.trim()).toBe(pair.publicKey);
    const listed = await run('ssh-keygen', ['-l', '-f', path]);
    expect(listed.stdout).toContain(pair.fingerprint);
    expect(await readPublicKey(path)).toBe(pair.publicKey);
  });

  it('refuses to overwrite an existing key unless forced', async () => {
    const path = join(dir, 'b', 'id_ed25519');
    const first = await generateSshKeypair(path);
    await expect(generateSshKeypair(path)).rejects.toBeInstanceOf(ConflictError);
    expect(await readPublicKey(path)).toBe(first.publicKey);
    const second = await generateSshKeypair(path, { force: true });
    expect(second.publicKey).not.toBe(first.publicKey);
    expect(await readPublicKey(path)).toBe(second.publicKey);
    expect((await stat(path)).mode & 0o777).toBe(0o600);
  });

  it('derives the public key from the private key when the .pub file is gone', async () => {
    const path = join(dir, 'c', 'key');
    const pair = await generateSshKeypair(path, { comment: 'ops@example' });
    await unlink(`${path}.pub`);
    expect(await readPublicKey(path)).toBe(pair.publicKey);
    expect(pair.publicKey.endsWith(' ops@example')).toBe(true);
  });

  it('reads keys made by ssh-keygen too', async () => {
    const path = join(dir, 'd', 'id_ed25519');
    await run('mkdir', ['-p', join(dir, 'd')]);
    await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'made-by-ssh-keygen', '-f', path]);
    expect(await readPublicKey(path)).toMatch(/^ssh-ed25519 \S+ made-by-ssh-keygen$/);
    await unlink(`${path}.pub`);
    expect(await readPublicKey(path)).toMatch(/^ssh-ed25519 \S+ made-by-ssh-keygen$/);
  });

  it('says there is no key when there is none', async () => {
    await expect(readPublicKey(join(dir, 'nothing'))).rejects.toBeInstanceOf(NotFoundError);
  });

  it('defaults the key path under DATA_DIR', () => {
    expect(sshKeyPath({ DATA_DIR: '/data', SSH_KEY_PATH: undefined })).toBe('/data/keys/id_ed25519');
    expect(sshKeyPath({ DATA_DIR: '/data', SSH_KEY_PATH: '/k' })).toBe('/k');
  });
});
