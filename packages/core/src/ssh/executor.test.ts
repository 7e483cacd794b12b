import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { createDeploymentRepository, openDatabase } from '@tensornode/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InvalidInputError, UnavailableError, UpstreamError } from '../errors.ts';
import { generateSshKeypair } from '../keys/generate-keypair.ts';
import { startTestSshd, type TestSshd } from '../testkit/sshd.ts';
import { createSshExecutor, type SshExecutor } from './executor.ts';
import { createDeploymentHostKeyStore } from './host-keys.ts';

const run = promisify(execFile);

let dir: string;
let sshd: TestSshd;
let ssh: SshExecutor;
let keyPath: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tensornode-ssh-test-'));
  keyPath = join(dir, 'keys', 'id_ed25519');
  const { publicKey } = await generateSshKeypair(keyPath);
  sshd = await startTestSshd({ authorizedKeys: [publicKey] });
  ssh = createSshExecutor({ privateKeyPath: keyPath, username: sshd.username, port: sshd.port });
});

afterAll(async () => {
  await sshd?.stop();
  await rm(dir, { recursive: true, force: true });
});

const opts = { timeoutMs: 10_000, maxOutputBytes: 64 * 1024 };

describe('ssh exec against a real sshd', () => {
  it('returns the real exit code, stdout and stderr', async () => {
    const result = await ssh.exec(sshd.host, `sh -c 'echo out; echo err >&2; exit 3'`, opts);
    expect(result).toMatchObject({
      exitCode: 3,
      stdout: 'out\n',
      stderr: 'err\n',
      truncated: false,
      timedOut: false,
    });
  });

  it('cuts off a command that runs too long and kills it on the VM', async () => {
    const marker = `sleep 30.${process.pid}`;
    const started = Date.now();
    const result = await ssh.exec(sshd.host, `echo started; ${marker}; echo never`, {
      ...opts,
      timeoutMs: 1_000,
    });
    expect(result.timedOut).toBe(true);
    expect(result.exitCode).toBeNull();
    // Under load the command may not even have printed yet; what matters is that it was stopped.
    expect(['', 'started\n']).toContain(result.stdout);
    expect(Date.now() - started).toBeLessThan(10_000);
    // The remote sleep must not outlive the cut-off (sshd signals the whole process group).
    let alive = true;
    for (let i = 0; i < 40 && alive; i++) {
      alive = await run('pgrep', ['-f', marker]).then(
        () => true,
        () => false,
      );
      if (alive) await new Promise((r) => setTimeout(r, 100));
    }
    expect(alive).toBe(false);
  });

  it('caps each output stream and says so', async () => {
    const result = await ssh.exec(sshd.host, `head -c 200000 /dev/zero | tr '\\0' a; echo done >&2`, {
      ...opts,
      maxOutputBytes: 1000,
    });
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toBe('a'.repeat(1000));
    expect(result.stderr).toBe('done\n');
    expect(result.truncated).toBe(true);
  });

  it('feeds stdin to the command without it being part of the command', async () => {
    const result = await ssh.exec(sshd.host, `IFS= read -r VALUE; printf '%s' "$VALUE" | wc -c`, {
      ...opts,
      stdin: 's3cret-value\n',
    });
    expect(result.stdout.trim()).toBe('12');
  });
});

describe('ssh upload against a real sshd', () => {
  it('writes the file under the home directory, creating directories', async () => {
    const local = join(dir, 'Dockerfile');
    const content = `FROM alpine:3\nRUN echo "it's $HOME" > /x\n`;
    await writeFile(local, content);
    const remote = `tensornode-test-${process.pid}/nested/Dockerfile`;
    const uploaded = await ssh.upload(sshd.host, local, `~/${remote}`);
    expect(uploaded).toMatchObject({ remotePath: remote, bytes: Buffer.byteLength(content) });
    const cat = await ssh.exec(sshd.host, `cat ~/${remote}`, opts);
    expect(cat.stdout).toBe(content);
    await ssh.exec(sshd.host, `rm -rf ~/tensornode-test-${process.pid}`, opts);
  });

  it.each(['../../etc/passwd', 'a/../../b', 'ok\nbad', 'nul\0byte', '~root/x'])(
    'rejects remote path %j before connecting',
    async (remote) => {
      const local = join(dir, 'Dockerfile');
      await expect(ssh.upload(sshd.host, local, remote)).rejects.toBeInstanceOf(InvalidInputError);
    },
  );
});

describe('ssh connection failures', () => {
  it('reports an unusable key as an SSH upstream error without key material', async () => {
    const badKey = join(dir, 'bad_key');
    const material = 'b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW';
    await writeFile(
      badKey,
      `-----BEGIN OPENSSH PRIVATE KEY-----\n${material}\n-----END OPENSSH PRIVATE KEY-----\n`,
    );
    const bad = createSshExecutor({ privateKeyPath: badKey, username: sshd.username, port: sshd.port });
    const error = await bad.exec(sshd.host, 'true', opts).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UpstreamError);
    expect((error as UpstreamError).service).toBe('SSH');
    expect((error as Error).message).toContain(`connect to 127.0.0.1:${sshd.port} failed`);
    expect(JSON.stringify({ m: (error as Error).message, s: (error as Error).stack })).not.toContain(
      material.slice(0, 20),
    );
  });

  it('reports a key the VM does not trust as an authentication failure', async () => {
    const otherKey = join(dir, 'other', 'id_ed25519');
    await generateSshKeypair(otherKey);
    const pem = await readFile(otherKey, 'utf8');
    const other = createSshExecutor({ privateKeyPath: otherKey, username: sshd.username, port: sshd.port });
    const error = (await other.exec(sshd.host, 'true', opts).catch((e: unknown) => e)) as UpstreamError;
    expect(error).toBeInstanceOf(UpstreamError);
    expect(error.message).toMatch(/authentication failed/);
    for (const line of pem.split('\n').filter((l) => l.length > 20))
      expect(error.message).not.toContain(line);
  });

  it('reports a closed port as an SSH upstream error', async () => {
    const closed = createSshExecutor({ privateKeyPath: keyPath, username: sshd.username, port: 1 });
    await expect(closed.exec('127.0.0.1', 'true', opts)).rejects.toThrow(
      /SSH: connect to 127.0.0.1:1 failed: ECONNREFUSED/,
    );
  });

  it('says the key is missing when SSH_KEY_PATH has no file', async () => {
    const none = createSshExecutor({ privateKeyPath: join(dir, 'missing'), username: 'x', port: sshd.port });
    await expect(none.exec(sshd.host, 'true', opts)).rejects.toBeInstanceOf(UnavailableError);
  });
});

describe('SSH host keys: trust on first use', () => {
  const VM = '0x00000000000000000000000000000000000000aa';

  it('pins the first key a VM shows and refuses that VM once its sshd has a different key', async () => {
    const handle = openDatabase({ path: ':memory:' });
    // A second sshd with a freshly made host key stands in for the same VM after a rebuild or MITM.
    const rebuilt = await startTestSshd({
      authorizedKeys: [(await readFile(`${keyPath}.pub`, 'utf8')).trim()],
    });
    try {
      const store = createDeploymentHostKeyStore(handle.db, 'fluence');
      const first = createSshExecutor({
        privateKeyPath: keyPath,
        username: sshd.username,
        port: sshd.port,
        hostKeys: store,
      });
      expect((await first.exec({ host: sshd.host, vmId: VM }, 'echo ok', opts)).stdout).toBe('ok\n');
      const { stdout: printed } = await run('ssh-keygen', ['-lf', join(sshd.dir, 'host_ed25519.pub')]);
      const pinned = createDeploymentRepository(handle.db).findById(VM)?.sshHostKey;
      expect(printed).toContain(pinned);
      // Same key again: accepted (a new store on the same database remembers the pin).
      const again = createSshExecutor({
        privateKeyPath: keyPath,
        username: sshd.username,
        port: sshd.port,
        hostKeys: createDeploymentHostKeyStore(handle.db, 'fluence'),
      });
      expect((await again.exec({ host: sshd.host, vmId: VM }, 'true', opts)).exitCode).toBe(0);

      const moved = createSshExecutor({
        privateKeyPath: keyPath,
        username: rebuilt.username,
        port: rebuilt.port,
        hostKeys: store,
      });
      const error = (await moved
        .exec({ host: rebuilt.host, vmId: VM }, 'touch should-not-run', opts)
        .catch((e: unknown) => e)) as UpstreamError;
      expect(error).toBeInstanceOf(UpstreamError);
      expect(error.service).toBe('SSH');
      expect(error.message).toContain(`host key for ${VM} changed`);
      const { stdout: newPrinted } = await run('ssh-keygen', ['-lf', join(rebuilt.dir, 'host_ed25519.pub')]);
      expect(newPrinted).toContain(error.message.match(/SHA256:[A-Za-z0-9+/]+/)?.[0] ?? 'no fingerprint');
      const hostKeyBase64 = (await readFile(join(rebuilt.dir, 'host_ed25519.pub'), 'utf8')).split(' ')[1]!;
      expect(error.message).not.toContain(hostKeyBase64.slice(0, 24));
      await expect(moved.upload({ host: rebuilt.host, vmId: VM }, `${keyPath}.pub`, '~/x')).rejects.toThrow(
        /host key for .* changed/,
      );
      expect(createDeploymentRepository(handle.db).findById(VM)?.sshHostKey).toBe(pinned);

      // Another VM on that sshd is a first use: accepted and pinned.
      const other = '0x00000000000000000000000000000000000000bb';
      expect((await moved.exec({ host: rebuilt.host, vmId: other }, 'true', opts)).exitCode).toBe(0);
      expect(createDeploymentRepository(handle.db).findById(other)).toMatchObject({ status: 'inactive' });
    } finally {
      await rebuilt.stop();
      handle.close();
    }
  });
});
