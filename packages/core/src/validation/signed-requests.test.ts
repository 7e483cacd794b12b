import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadOrCreateValidatorKey, type ValidatorKey } from '../audit/validator-key.ts';
import { freePort } from '../vms/local/free-port.ts';
import { DEFAULT_MINER_ENTRY } from '../vms/local/provider.ts';
import { queryMiners } from './fan-out.ts';
import { createFanOutPool } from './fan-out-pool.ts';

let dataDir: string;
let key: ValidatorKey;
let miner: ChildProcess;
let endpoint: string;

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'tensornode-validator-key-'));
  key = loadOrCreateValidatorKey(dataDir);
  const port = await freePort();
  const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
  // The real reference miner, pinned to this validator's public key.
  miner = spawn(process.execPath, ['--import', tsx, DEFAULT_MINER_ENTRY], {
    env: {
      PORT: String(port),
      HOST: '127.0.0.1',
      LOG_LEVEL: 'silent',
      VALIDATOR_PUBLIC_KEY: key.publicKeyHex,
    },
    stdio: 'ignore',
  });
  endpoint = `http://127.0.0.1:${port}/api/chat`;
  for (let attempt = 0; ; attempt++) {
    const up = await request(`http://127.0.0.1:${port}/health`).then(
      (r) => r.body.text().then(() => r.statusCode === 200),
      () => false,
    );
    if (up) break;
    if (attempt > 150) throw new Error('the miner did not start');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}, 30_000);
afterAll(async () => {
  if (miner && miner.exitCode === null) {
    const exited = once(miner, 'exit');
    miner.kill('SIGTERM');
    await exited;
  }
  rmSync(dataDir, { recursive: true, force: true });
});

const ask = (signingKey?: ValidatorKey['privateKey']) =>
  queryMiners({
    miners: [{ vmId: 'local-0123456789ab', endpoint }],
    prompt: 'what is 12 times 7',
    deadlineMs: 5000,
    concurrency: 1,
    maxResponseBytes: 65_536,
    ...(signingKey ? { signingKey } : {}),
  });

describe('signed requests to miners', () => {
  it('keeps the validator key under DATA_DIR with mode 0600 and the same key across restarts', () => {
    expect(statSync(join(dataDir, 'validator-key.pem')).mode & 0o777).toBe(0o600);
    expect(loadOrCreateValidatorKey(dataDir).publicKeyHex).toBe(key.publicKeyHex);
    expect(key.publicKeyHex).toMatch(/^[0-9a-f]{64}$/);
  });

  it('a miner with VALIDATOR_PUBLIC_KEY answers signed fan-out requests and refuses unsigned ones', async () => {
    const [signed] = await ask(key.privateKey);
    expect(signed).toMatchObject({ ok: true });
    expect(signed!.response).toContain('84');
    const [unsigned] = await ask();
    expect(unsigned).toMatchObject({ ok: false, reason: 'http_401', response: null });
    const stranger = loadOrCreateValidatorKey(join(dataDir, 'stranger'));
    const [forged] = await ask(stranger.privateKey);
    expect(forged).toMatchObject({ ok: false, reason: 'http_401' });
  });

  it('signs in worker threads too: the key crosses to the pool', { timeout: 60_000 }, async () => {
    const pool = createFanOutPool({ size: 2, minBatch: 2 });
    try {
      const answers = await pool.fanOut({
        miners: Array.from({ length: 4 }, (_, i) => ({ vmId: `vm-${i}`, endpoint })),
        prompt: 'what is 12 times 7',
        deadlineMs: 5000,
        concurrency: 4,
        maxResponseBytes: 65_536,
        signingKey: key.privateKey,
      });
      expect(pool.batchesInThreads).toBe(1);
      expect(answers.map((a) => a.reason)).toEqual([null, null, null, null]);
    } finally {
      await pool.close();
    }
  });
});
