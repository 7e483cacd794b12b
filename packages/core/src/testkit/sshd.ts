import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { connect as netConnect } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { generateSshKeypair } from '../keys/generate-keypair.ts';
import { freePort } from '../vms/local/free-port.ts';

const SSHD = '/usr/sbin/sshd';

export interface TestSshd {
  host: '127.0.0.1';
  port: number;
  /** The user sshd runs as; only that user can log in to a non-root sshd. */
  username: string;
  /** Temp dir holding config, host key and authorized_keys. */
  dir: string;
  /** sshd's stderr so far (it runs with -e), for diagnosing a failed test. */
  log(): string;
  stop(): Promise<void>;
}

/**
 * Starts a real OpenSSH server on 127.0.0.1 for tests, with a host key made at run time and
 * `authorizedKeys` (authorized_keys lines) as the only way in. Requires openssh-server.
 */
export async function startTestSshd(options: {
  authorizedKeys: string[];
  /** More sshd_config lines, e.g. `SetEnv PATH=<stub dir>:/usr/bin:/bin` to stand in for docker. */
  extraConfig?: string[];
}): Promise<TestSshd> {
  if (!existsSync(SSHD)) {
    throw new Error(`${SSHD} not found: install openssh-server (apt-get install -y openssh-server)`);
  }
  await mkdir('/run/sshd', { recursive: true }).catch(() => undefined);
  const dir = await mkdtemp(join(tmpdir(), 'tensornode-sshd-'));
  await generateSshKeypair(join(dir, 'host_ed25519'), { comment: 'tensornode-test-host' });
  await writeFile(join(dir, 'authorized_keys'), `${options.authorizedKeys.join('\n')}\n`, { mode: 0o600 });

  for (let attempt = 0; ; attempt++) {
    const port = await freePort();
    await writeFile(join(dir, 'sshd_config'), sshdConfig(dir, port, options.extraConfig ?? []));
    const child = spawn(SSHD, ['-D', '-e', '-f', join(dir, 'sshd_config')], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
    });
    const up = await waitForBanner(port, child, 10_000);
    if (!up) {
      await kill(child);
      // Another process may have taken the port between our probe and sshd's bind.
      if (attempt < 3 && /Address already in use|Cannot bind/i.test(stderr)) continue;
      await rm(dir, { recursive: true, force: true });
      throw new Error(`sshd did not start:\n${stderr}`);
    }
    return {
      host: '127.0.0.1',
      port,
      username: userInfo().username,
      dir,
      log: () => stderr,
      async stop() {
        await kill(child);
        await rm(dir, { recursive: true, force: true });
      },
    };
  }
}

function sshdConfig(dir: string, port: number, extra: string[]): string {
  return [
    `Port ${port}`,
    'ListenAddress 127.0.0.1',
    `HostKey ${join(dir, 'host_ed25519')}`,
    `PidFile ${join(dir, 'sshd.pid')}`,
    `AuthorizedKeysFile ${join(dir, 'authorized_keys')}`,
    'PubkeyAuthentication yes',
    'PasswordAuthentication no',
    'KbdInteractiveAuthentication no',
    'PermitRootLogin prohibit-password',
    'UsePAM no',
    // Temp dirs are world-writable (1777); StrictModes would refuse the keys in them.
    'StrictModes no',
    'Subsystem sftp internal-sftp',
    'LogLevel ERROR',
    ...withShellLevel(extra),
    '',
  ].join('\n');
}

/**
 * bash skips ~/.bashrc for sshd's commands when SHLVL is set, so the test host's rc files (pyenv
 * init…) cannot slow every exec past a test's deadline. sshd takes only its first SetEnv line.
 */
function withShellLevel(extra: string[]): string[] {
  const index = extra.findIndex((line) => /^SetEnv\s/i.test(line));
  if (index === -1) return ['SetEnv SHLVL=1', ...extra];
  return extra.map((line, i) => (i === index ? `${line} SHLVL=1` : line));
}

/** True once the port answers with an SSH banner; false if sshd exits or time runs out. */
async function waitForBanner(port: number, child: ChildProcess, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) return false;
    const ok = await new Promise<boolean>((resolve) => {
      const socket = netConnect(port, '127.0.0.1');
      socket.setTimeout(1_000);
      socket.once('data', (data) => {
        socket.destroy();
        resolve(data.toString('latin1').startsWith('SSH-'));
      });
      socket.once('error', () => resolve(false));
      socket.once('timeout', () => {
        socket.destroy();
        resolve(false);
      });
    });
    if (ok) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return false;
}

async function kill(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  await new Promise<void>((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 3_000);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}
