import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';

const minerDir = fileURLToPath(new URL('..', import.meta.url));
const children: ChildProcess[] = [];
const grandchildPids: number[] = [];

afterEach(() => {
  for (const child of children.splice(0))
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  for (const pid of grandchildPids.splice(0)) if (isAlive(pid)) process.kill(pid, 'SIGKILL');
});

async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

function startMiner(env: Record<string, string>): { child: ChildProcess; output: () => string } {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    cwd: minerDir,
    env: { PATH: process.env.PATH, HOST: '127.0.0.1', LOG_LEVEL: 'warn', ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  children.push(child);
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  return { child, output: () => output };
}

async function waitForHealth(port: number, child: ChildProcess): Promise<unknown> {
  for (let attempt = 0; attempt < 150; attempt++) {
    if (child.exitCode !== null) throw new Error(`miner exited early with ${child.exitCode}`);
    try {
      const res = await fetch(`http://127.0.0.1:${port}/health`);
      if (res.ok) return await res.json();
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error('miner never became healthy');
}

async function fetchUntilHealthy(port: number): Promise<void> {
  for (let attempt = 0; attempt < 150; attempt++) {
    try {
      if ((await fetch(`http://127.0.0.1:${port}/health`)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error('miner never became healthy');
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function exitOf(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null) return Promise.resolve(child.exitCode);
  return once(child, 'exit').then(([code]) => code as number | null);
}

// Each spawn pays tsx's start-up (seconds on a loaded 2-core machine), hence the long timeout.
describe('miner process (node --import tsx src/main.ts)', { timeout: 30_000 }, () => {
  it('serves, and exits when its stdin ends with MINER_EXIT_WITH_PARENT=1', async () => {
    const port = await freePort();
    const { child } = startMiner({
      PORT: String(port),
      MINER_EXIT_WITH_PARENT: '1',
      MINER_MODEL_NAME: 'proc-test',
    });

    expect(await waitForHealth(port, child)).toMatchObject({ status: 'ok', model: 'proc-test' });
    const chat = await fetch(`http://127.0.0.1:${port}/api/chat`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ prompt: 'add 3 and 4' }),
    });
    expect(await chat.json()).toEqual({ response: '3 + 4 = 7.\n#### 7', model: 'proc-test' });

    child.stdin?.end();
    expect(await exitOf(child)).toBe(0);
    await expect(fetch(`http://127.0.0.1:${port}/health`)).rejects.toThrow();
  });

  it('leaves no orphan when the parent holding its stdin is killed outright', async () => {
    const port = await freePort();
    // A stand-in for the local VM provider: spawns the miner with piped stdio, prints its pid.
    const parentScript = `
      const { spawn } = require('node:child_process');
      const miner = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], { stdio: ['pipe', 'ignore', 'ignore'] });
      console.log(miner.pid);
      setInterval(() => {}, 1000);
    `;
    const parent = spawn(process.execPath, ['-e', parentScript], {
      cwd: minerDir,
      env: { PATH: process.env.PATH, HOST: '127.0.0.1', PORT: String(port), MINER_EXIT_WITH_PARENT: '1' },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    children.push(parent);
    const [firstLine] = (await once(parent.stdout!, 'data')) as [Buffer];
    const minerPid = Number(firstLine.toString().trim());
    grandchildPids.push(minerPid);
    await fetchUntilHealthy(port);

    parent.kill('SIGKILL');

    await expect.poll(() => isAlive(minerPid), { timeout: 10_000, interval: 100 }).toBe(false);
  });

  it('stops cleanly on SIGTERM', async () => {
    const port = await freePort();
    const { child } = startMiner({ PORT: String(port) });
    await waitForHealth(port, child);

    child.kill('SIGTERM');

    expect(await exitOf(child)).toBe(0);
  });

  it('refuses to start with an invalid environment, naming the variable', async () => {
    const { child, output } = startMiner({ PORT: 'not-a-port', MINER_UPSTREAM_URL: 'ftp://x' });

    expect(await exitOf(child)).toBe(1);
    expect(output()).toMatch(/PORT: /);
    expect(output()).toMatch(/MINER_UPSTREAM_URL: must be an http\(s\) URL/);
    expect(output()).not.toMatch(/at .+\.(js|ts):\d+/);
  });
});
