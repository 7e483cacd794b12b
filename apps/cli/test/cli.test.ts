import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { startTestServer, type TestServer } from '@tensornode/api/testing';
import { createTensorNodeClient } from '@tensornode/client';
import {
  type FluenceStandIn,
  type StandInMiners,
  startFluenceStandIn,
  startStandInMiners,
} from '@tensornode/core/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const bin = fileURLToPath(new URL('../bin/tensornode.mjs', import.meta.url));

async function tensornode(args: string[], env: Record<string, string>) {
  try {
    const { stdout, stderr } = await run(process.execPath, [bin, ...args], {
      env: { ...process.env, LOG_LEVEL: 'silent', ...env },
      timeout: 60_000,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe('tensornode tokens', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'tensornode-cli-'));
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('creates a token whose secret goes to stdout once, and lists it without the secret', {
    timeout: 60_000,
  }, async () => {
    const created = await tensornode(['tokens', 'create', '--role', 'operator', '--name', 'ci'], {
      DATA_DIR: dataDir,
    });
    expect(created.code).toBe(0);
    const secret = created.stdout.trim();
    expect(secret).toMatch(/^tn_[\w-]{40,}$/);
    expect(created.stderr).toContain('Created operator token "ci"');
    expect(created.stderr).not.toContain(secret);

    const listed = await tensornode(['tokens', 'list'], { DATA_DIR: dataDir });
    expect(listed.stdout).toContain('ci');
    expect(listed.stdout).toContain(secret.slice(0, 9));
    expect(listed.stdout).not.toContain(secret);
  });

  it('refuses an unknown role, naming the allowed ones', { timeout: 60_000 }, async () => {
    const result = await tensornode(['tokens', 'create', '--role', 'root'], { DATA_DIR: dataDir });
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/--role.*'root' is invalid.*viewer, operator, admin/s);
  });
});

describe('tensornode validate', () => {
  let standIn: FluenceStandIn;
  let miners: StandInMiners;
  let server: TestServer;

  beforeAll(async () => {
    miners = await startStandInMiners({
      behaviours: [{ kind: 'correct' }],
      correctAnswer: '17 × 23 = 391.\n#### 391',
    });
    const miner = new URL(miners.miners[0]!.endpoint);
    const apiKey = randomBytes(24).toString('hex');
    standIn = await startFluenceStandIn({ apiKey, capacity: 5 });
    server = await startTestServer({
      env: {
        VM_PROVIDER: 'fluence',
        FLUENCE_API_KEY: apiKey,
        FLUENCE_API_URL: standIn.url,
        MINER_PORT: miner.port,
        MINER_PATH: miner.pathname,
        VM_CACHE_TTL_MS: '0',
      },
      startJobs: false,
    });
    const operator = createTensorNodeClient({ url: server.url, token: server.tokenFor('admin') });
    await operator.keys.generate.mutate();
    await operator.deployments.allocate.mutate({ minerAddress: '0.0.601', instanceName: 'one' });
    // The stand-in moves a VM New -> Launching -> Active as it is listed.
    for (let i = 0; i < 10 && !(await operator.vms.list.query()).some((vm) => vm.status === 'Active'); i++);
  }, 60_000);
  afterAll(async () => {
    await server?.stop();
    await standIn?.close();
    await miners?.close();
  });

  it('runs a round through the API and prints a score table', { timeout: 60_000 }, async () => {
    const result = await tensornode(
      ['validate', '--prompt', 'What is 17 * 23?', '--truth', '391', '--timeout', '5000'],
      {
        TENSORNODE_URL: server.url,
        TENSORNODE_TOKEN: server.tokenFor('operator'),
      },
    );
    expect(result.stderr).toMatch(/asking 1 miner/);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/0\.0\.601.*100/);
    expect(result.stdout).toMatch(/1\/1 answered, mean score 100\.0/);
  });

  it('reports a refused call with its code, not a stack trace', { timeout: 60_000 }, async () => {
    const result = await tensornode(['validate', '--prompt', 'p', '--truth', 't'], {
      TENSORNODE_URL: server.url,
      TENSORNODE_TOKEN: server.tokenFor('viewer'),
    });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/FORBIDDEN/);
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });
});

describe('tensornode ledger commands while the server runs the devnet', () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer({ ledger: true, database: 'file', startJobs: false });
  }, 60_000);
  afterAll(async () => server?.stop());

  it('refuses to start a second devnet on the chain, in one line', { timeout: 60_000 }, async () => {
    const result = await tensornode(['token', 'create', '--name', 'X', '--symbol', 'X', '--decimals', '0'], {
      DATA_DIR: server.dataDir,
    });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^error: the local devnet .* is in use by process \d+.*stop the server/m);
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });

  it('runs a reward epoch through the server', { timeout: 60_000 }, async () => {
    const result = await tensornode(['rewards', 'run'], {
      DATA_DIR: server.dataDir,
      TENSORNODE_URL: server.url,
      TENSORNODE_TOKEN: server.tokenFor('admin'),
    });
    expect(result.stderr).toMatch(/through the server/);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^epoch \d{4}-\d{2}-\d{2}: emission \d+/);
  });
});

describe('tensornode bank and schedule', () => {
  let server: TestServer;
  const dir = mkdtempSync(join(tmpdir(), 'tensornode-cli-bank-'));

  beforeAll(async () => {
    server = await startTestServer({ startJobs: false });
  }, 60_000);
  afterAll(async () => {
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('imports a file, listing bad lines by number', { timeout: 60_000 }, async () => {
    const file = join(dir, 'questions.csv');
    writeFileSync(file, 'prompt,truth,tags\nCapital of Chile?,Santiago,geo\n"unterminated,x\n');
    const env = { TENSORNODE_URL: server.url, TENSORNODE_TOKEN: server.tokenFor('admin') };
    const result = await tensornode(['bank', 'import', file], env);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(
      /Imported 1 question\(s\) from questions\.csv \(csv\); 0 already in the bank, 1 bad line/,
    );
    expect(result.stderr).toMatch(/line 3: unterminated quoted field/);
  });

  it('sets the schedule with --every and --sample, and turns it off', { timeout: 60_000 }, async () => {
    const env = { TENSORNODE_URL: server.url, TENSORNODE_TOKEN: server.tokenFor('admin') };
    const set = await tensornode(['schedule', 'set', '--every', '90s', '--sample', '50'], env);
    expect(set.code).toBe(0);
    expect(set.stdout).toMatch(/Schedule: every 90 s, asking 50 miners; next round/);
    const off = await tensornode(['schedule', 'set', '--off'], env);
    expect(off.stdout).toMatch(/Schedule: off/);
    const bad = await tensornode(['schedule', 'set', '--every', 'soon'], env);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(/expected a duration such as 60s/);
  });
});
