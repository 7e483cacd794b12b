import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createTensorNodeClient, type TensorNodeClient } from '../src/index.ts';

const API_DIR = fileURLToPath(new URL('../../api', import.meta.url));

export interface LogLine {
  msg?: string;
  [key: string]: unknown;
}

export interface ApiProcess {
  url: string;
  /** Signed in with the admin token the first start wrote to DATA_DIR/admin-token. */
  admin: TensorNodeClient;
  logs: LogLine[];
  /** Resolves with the first log line (past or future) the predicate accepts. */
  waitForLog(predicate: (line: LogLine) => boolean, timeoutMs?: number): Promise<LogLine>;
  /** SIGTERM, as Ctrl-C in `pnpm start` does, and waits for the graceful shutdown. */
  stop(): Promise<void>;
}

/**
 * The API process exactly as `pnpm start` (scripts/start.ts) runs it: `node --import tsx
 * src/main.ts` in packages/api, with nothing configured but DATA_DIR, a free port and `env`.
 */
export async function startApiProcess(
  dataDir: string,
  env: Record<string, string> = {},
): Promise<ApiProcess> {
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    cwd: API_DIR,
    // Only what `pnpm start` would pass: nothing configured but the data directory and a free port.
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      DATA_DIR: dataDir,
      PORT: '0',
      ...env,
      // Next.js's global types (seen through the dashboard's test files) declare NODE_ENV required.
    } as unknown as NodeJS.ProcessEnv,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logs: LogLine[] = [];
  const waiters = new Set<() => void>();
  let stderr = '';
  let stdoutRest = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    const lines = (stdoutRest + chunk.toString('utf8')).split('\n');
    stdoutRest = lines.pop() ?? '';
    for (const line of lines) {
      try {
        logs.push(JSON.parse(line) as LogLine);
      } catch {
        // not a log line
      }
    }
    for (const wake of waiters) wake();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString('utf8');
    for (const wake of waiters) wake();
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));

  function until<T>(found: () => T | undefined, what: string, timeoutMs: number): Promise<T> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const value = found();
        if (value !== undefined) {
          done();
          resolve(value);
        } else if (child.exitCode !== null || child.signalCode !== null) {
          done();
          reject(
            new Error(`the API exited (${child.exitCode ?? child.signalCode}) before ${what}:\n${stderr}`),
          );
        }
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`no ${what} within ${timeoutMs} ms:\n${stderr}`));
      }, timeoutMs);
      const done = () => {
        clearTimeout(timer);
        waiters.delete(check);
      };
      waiters.add(check);
      child.once('exit', check);
      check();
    });
  }

  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    const killer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    await exited;
    clearTimeout(killer);
  };

  try {
    const url = await until(
      () => /TensorNode API listening on (http:\/\/\S+)/.exec(stderr)?.[1],
      'listening banner',
      120_000,
    );
    const token = readFileSync(join(dataDir, 'admin-token'), 'utf8').trim();
    return {
      url,
      admin: createTensorNodeClient({ url, token }),
      logs,
      waitForLog: (predicate, timeoutMs = 120_000) =>
        until(() => logs.find(predicate), 'matching log line', timeoutMs),
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
