import { readFile, stat } from 'node:fs/promises';
import { NodeSSH } from 'node-ssh';
import { type Logger, silentLogger } from '../context.ts';
import { NotFoundError, UnavailableError, UpstreamError } from '../errors.ts';
import { createMemoryHostKeyStore, type HostKeyStore, hostKeyFingerprint } from './host-keys.ts';
import { validateRemotePath } from './remote-path.ts';
import { shellQuote } from './shell-quote.ts';

export interface SshExecutorOptions {
  /** From configuration (SSH_KEY_PATH), never from a request. Read on every connection. */
  privateKeyPath: string;
  username: string;
  port: number;
  connectTimeoutMs?: number;
  log?: Logger;
  /**
   * Where host keys are pinned (trust on first use), keyed by VM id, else by `host:port`.
   * Default: pinned in memory for the executor's lifetime.
   */
  hostKeys?: HostKeyStore;
}

/** Where a command runs: the VM's address, and its id (whose host key is pinned). */
export interface SshTarget {
  host: string;
  vmId?: string;
}

export interface ExecOptions {
  timeoutMs: number;
  /** Cap per stream; the rest is read and dropped so the remote side never blocks. */
  maxOutputBytes: number;
  /** Written to the command's stdin, then stdin is closed. How secrets reach a command without being part of it. */
  stdin?: string;
}

export interface ExecResult {
  /** `null` when the command was killed by a signal or cut off. */
  exitCode: number | null;
  signal: string | null;
  stdout: string;
  stderr: string;
  durationMs: number;
  truncated: boolean;
  timedOut: boolean;
}

export interface UploadResult {
  remotePath: string;
  bytes: number;
  durationMs: number;
}

export interface SshExecutor {
  /** Runs `command` (a complete shell string, already quoted by its builder) with the user's login shell. */
  exec(target: string | SshTarget, command: string, options: ExecOptions): Promise<ExecResult>;
  upload(
    target: string | SshTarget,
    localPath: string,
    remotePath: string,
    options?: { timeoutMs?: number },
  ): Promise<UploadResult>;
}

/** The part of ssh2's channel we use (ssh2 ships no types here). */
interface ExecChannel {
  on(event: 'data', listener: (chunk: Buffer) => void): this;
  on(event: 'exit', listener: (code: number | null, signal?: string) => void): this;
  on(event: 'close', listener: () => void): this;
  stderr: { on(event: 'data', listener: (chunk: Buffer) => void): unknown };
  end(data?: string): void;
  close(): void;
  /** ssh2 internals, see sendSignal. */
  outgoing?: { id: number; state: string };
  _client?: { _protocol?: { signal(channelId: number, name: string): void } };
}
interface SshConnection {
  exec(command: string, callback: (err: Error | undefined, channel: ExecChannel) => void): boolean;
  on(event: 'error', listener: (err: Error) => void): this;
}

const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;
/** After a timeout we signal and close the channel; this bounds how long we wait for the server to agree. */
const CLOSE_GRACE_MS = 2_000;
const DEFAULT_UPLOAD_TIMEOUT_MS = 120_000;
/** The VM-side deadline fires just after ours, so a cut-off is reported as timedOut by us. */
const REMOTE_DEADLINE_SLACK_MS = 500;

export function createSshExecutor(options: SshExecutorOptions): SshExecutor {
  const log = (options.log ?? silentLogger).child({ component: 'ssh' });
  const connectTimeoutMs = options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
  const hostKeys = options.hostKeys ?? createMemoryHostKeyStore();

  async function connect(target: SshTarget): Promise<NodeSSH> {
    const { host } = target;
    const pinKey = target.vmId ?? `${host}:${options.port}`;
    let changed: string | undefined;
    let privateKey: string;
    try {
      privateKey = await readFile(options.privateKeyPath, 'utf8');
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? 'unreadable';
      throw new UnavailableError(
        `SSH private key at SSH_KEY_PATH cannot be read (${code}); generate one with keys.generate`,
      );
    }
    const ssh = new NodeSSH();
    try {
      await ssh.connect({
        host,
        port: options.port,
        username: options.username,
        privateKey,
        readyTimeout: connectTimeoutMs,
        // Fluence VMs come with fresh host keys we cannot know in advance: trust on first use,
        // then refuse any other key (a changed key means a rebuilt VM or a man in the middle).
        hostVerifier: (key: Buffer) => {
          const fingerprint = hostKeyFingerprint(key);
          if (hostKeys.trust(pinKey, fingerprint) === fingerprint) return true;
          changed = fingerprint;
          return false;
        },
      });
    } catch (err) {
      ssh.dispose();
      if (changed) {
        log.warn({ vmId: target.vmId, host, fingerprint: changed }, 'SSH host key changed; refused');
        throw new UpstreamError(
          'SSH',
          `host key for ${target.vmId ?? host} changed (now ${changed}); refusing to connect. If the VM was rebuilt, clear its pinned key (tensornode vms clear-host-key ${target.vmId ?? '<vmId>'})`,
        );
      }
      const { reason, timeout } = describeConnectError(err, privateKey);
      throw new UpstreamError('SSH', `connect to ${host}:${options.port} failed: ${reason}`, { timeout });
    }
    return ssh;
  }

  async function exec(
    to: string | SshTarget,
    command: string,
    execOptions: ExecOptions,
  ): Promise<ExecResult> {
    const target = typeof to === 'string' ? { host: to } : to;
    const { host } = target;
    const started = performance.now();
    const ssh = await connect(target);
    const connection = ssh.connection as unknown as SshConnection;
    try {
      const result = await new Promise<Omit<ExecResult, 'durationMs'>>((resolve, reject) => {
        const stdout = new CappedBuffer(execOptions.maxOutputBytes);
        const stderr = new CappedBuffer(execOptions.maxOutputBytes);
        let exitCode: number | null = null;
        let signal: string | null = null;
        let timedOut = false;
        let settled = false;
        const timers: NodeJS.Timeout[] = [];
        const finish = (error?: Error) => {
          if (settled) return;
          settled = true;
          for (const t of timers) clearTimeout(t);
          if (error) return reject(error);
          resolve({
            exitCode: timedOut ? null : exitCode,
            signal,
            stdout: stdout.text(),
            stderr: stderr.text(),
            truncated: stdout.truncated || stderr.truncated,
            timedOut,
          });
        };
        connection.on('error', (err) =>
          finish(new UpstreamError('SSH', `connection to ${host} lost: ${err.message}`)),
        );
        connection.exec(withRemoteDeadline(command, execOptions.timeoutMs), (err, channel) => {
          if (err) return finish(new UpstreamError('SSH', `exec on ${host} refused: ${err.message}`));
          channel.on('data', (chunk) => stdout.push(chunk));
          channel.stderr.on('data', (chunk) => stderr.push(chunk));
          channel.on('exit', (code, signalName) => {
            exitCode = code;
            signal = signalName ?? null;
          });
          channel.on('close', () => finish());
          channel.end(execOptions.stdin);
          timers.push(
            setTimeout(() => {
              timedOut = true;
              // sshd delivers the signal to the session's process group, so pipelines and children die too.
              sendSignal(channel, 'KILL');
              channel.close();
              timers.push(setTimeout(() => finish(), CLOSE_GRACE_MS));
            }, execOptions.timeoutMs),
          );
        });
      });
      const durationMs = Math.round(performance.now() - started);
      log.debug(
        { host, exitCode: result.exitCode, timedOut: result.timedOut, durationMs },
        'ssh exec finished',
      );
      return { ...result, durationMs };
    } finally {
      ssh.dispose();
    }
  }

  async function upload(
    to: string | SshTarget,
    localPath: string,
    remotePath: string,
    uploadOptions: { timeoutMs?: number } = {},
  ): Promise<UploadResult> {
    const { host, ...rest } = typeof to === 'string' ? { host: to } : to;
    const target = validateRemotePath(remotePath);
    const bytes = await stat(localPath).then(
      (s) => s.size,
      () => {
        throw new NotFoundError('file to upload does not exist');
      },
    );
    const started = performance.now();
    const ssh = await connect({ host, ...rest });
    let timer: NodeJS.Timeout | undefined;
    try {
      const timeoutMs = uploadOptions.timeoutMs ?? DEFAULT_UPLOAD_TIMEOUT_MS;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(
          () =>
            reject(
              new UpstreamError('SSH', `upload to ${host} timed out after ${timeoutMs} ms`, {
                timeout: true,
              }),
            ),
          timeoutMs,
        );
      });
      const transfer = ssh.putFile(localPath, target).catch((err: unknown) => {
        throw new UpstreamError('SSH', `upload to ${host}:${target} failed: ${errorMessage(err)}`);
      });
      await Promise.race([transfer, timeout]);
    } finally {
      clearTimeout(timer);
      ssh.dispose();
    }
    const durationMs = Math.round(performance.now() - started);
    log.debug({ host, remotePath: target, bytes, durationMs }, 'ssh upload finished');
    return { remotePath: target, bytes, durationMs };
  }

  return { exec, upload };
}

/**
 * Runs `command` in the user's shell exactly as sshd would, under coreutils `timeout` when the VM
 * has it: sshd refuses signal requests for root sessions (no post-auth privilege separation), so
 * the VM enforces the deadline itself, killing the command's whole process group.
 */
export function withRemoteDeadline(command: string, timeoutMs: number): string {
  const seconds = (timeoutMs + REMOTE_DEADLINE_SLACK_MS) / 1000;
  const quoted = shellQuote(command, 'command');
  return `if command -v timeout >/dev/null 2>&1; then exec timeout -s KILL ${seconds} "$SHELL" -c ${quoted}; else exec "$SHELL" -c ${quoted}; fi`;
}

/**
 * Asks sshd to signal the command. ssh2's public `channel.signal()` is a no-op once our side of
 * the channel is ended (we always close stdin), although the protocol allows it; so this goes
 * one level down. The timeout test fails if an ssh2 update changes these internals.
 */
function sendSignal(channel: ExecChannel, name: string): void {
  const protocol = channel._client?._protocol;
  const state = channel.outgoing?.state;
  if (protocol && channel.outgoing && (state === 'open' || state === 'eof'))
    protocol.signal(channel.outgoing.id, name);
}

/** Keeps the first `limit` bytes of a stream and notes whether more came. */
class CappedBuffer {
  private chunks: Buffer[] = [];
  private size = 0;
  truncated = false;
  constructor(private readonly limit: number) {}
  push(chunk: Buffer): void {
    const room = this.limit - this.size;
    if (chunk.length > room) this.truncated = true;
    if (room <= 0) return;
    const kept = chunk.length > room ? chunk.subarray(0, room) : chunk;
    this.chunks.push(kept);
    this.size += kept.length;
  }
  text(): string {
    return Buffer.concat(this.chunks).toString('utf8');
  }
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** A reason safe to show: fixed wording for the known cases, never anything from the key file. */
function describeConnectError(err: unknown, privateKey: string): { reason: string; timeout: boolean } {
  const e = err as Partial<NodeJS.ErrnoException> & { level?: string };
  const message = typeof e.message === 'string' ? e.message : '';
  if (e.level === 'client-authentication') {
    return {
      reason: "authentication failed (is our public key in the VM's authorized_keys?)",
      timeout: false,
    };
  }
  if (/privateKey|private key|key format|passphrase/i.test(message)) {
    return {
      reason: 'the private key at SSH_KEY_PATH could not be used (unsupported or encrypted key)',
      timeout: false,
    };
  }
  if (/timed out/i.test(message) || e.code === 'ETIMEDOUT') {
    return { reason: 'timed out', timeout: true };
  }
  if (typeof e.code === 'string') return { reason: e.code, timeout: false };
  const keyLines = privateKey.split('\n').filter((l) => l.trim().length >= 8);
  const safe =
    keyLines.some((l) => message.includes(l.trim())) || /-----BEGIN/.test(message)
      ? 'unknown error'
      : message;
  return { reason: safe.slice(0, 200) || 'unknown error', timeout: false };
}
