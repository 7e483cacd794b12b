import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DevnetInUseError } from './chain-lock.ts';
import { type Devnet, startDevnet } from './devnet.ts';
import { loadDevnetEnv } from './env.ts';

const dirs: string[] = [];
const devnets: Devnet[] = [];
afterEach(async () => {
  for (const d of devnets.splice(0)) await d.stop();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function chainFile(): string {
  const dir = mkdtempSync(join(tmpdir(), 'tn-devnet-lock-'));
  dirs.push(dir);
  return join(dir, 'devnet.db');
}

describe('one devnet per chain file', () => {
  it('refuses a second devnet on a chain a live process runs, and allows it once that one stopped', async () => {
    const dbPath = chainFile();
    const first = await startDevnet({ dbPath });
    devnets.push(first);
    const second = startDevnet({ dbPath });
    await expect(second).rejects.toBeInstanceOf(DevnetInUseError);
    await expect(second).rejects.toThrow(`in use by process ${process.pid}`);

    await devnets.pop()!.stop();
    expect(existsSync(`${dbPath}.lock`)).toBe(false);
    const again = await startDevnet({ dbPath });
    devnets.push(again);
    expect(again.operator).toEqual(first.operator);
  });

  it('takes over a lock left by a process that died', async () => {
    const dbPath = chainFile();
    const dead = spawnSync(process.execPath, ['-e', '']).pid;
    writeFileSync(`${dbPath}.lock`, String(dead));
    devnets.push(await startDevnet({ dbPath }));
  });
});

describe('devnet environment', () => {
  it('uses the main config names and defaults, and names a bad variable', () => {
    expect(loadDevnetEnv({})).toEqual({
      dbPath: join('./data', 'devnet.db'),
      host: '127.0.0.1',
      grpcPort: 0,
      mirrorPort: 0,
    });
    expect(
      loadDevnetEnv({ DATA_DIR: '/srv/tn', DEVNET_PORT: '50211', DEVNET_MIRROR_PORT: '5551' }),
    ).toMatchObject({
      dbPath: join('/srv/tn', 'devnet.db'),
      grpcPort: 50211,
      mirrorPort: 5551,
    });
    expect(loadDevnetEnv({ DEVNET_DB_PATH: '/tmp/x.db' }).dbPath).toBe('/tmp/x.db');
    expect(() => loadDevnetEnv({ DEVNET_PORT: 'abc' })).toThrow(/DEVNET_PORT/);
  });
});
