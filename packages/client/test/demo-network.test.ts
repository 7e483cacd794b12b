import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseConfig } from '@tensornode/core';
import { startLocalDevnet } from '@tensornode/core/ledger';
import { type FluenceStandIn, startFluenceStandIn } from '@tensornode/core/testkit';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { TensorNodeClient } from '../src/index.ts';
import { type ApiProcess, type LogLine, startApiProcess } from './api-process.ts';

const dataDirs: string[] = [];
let api: ApiProcess | undefined;

function freshDataDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'tensornode-demo-'));
  dataDirs.push(dir);
  return dir;
}

afterEach(async () => {
  await api?.stop();
  api = undefined;
});
afterAll(() => {
  for (const dir of dataDirs) rmSync(dir, { recursive: true, force: true });
});

const demoOutcome = (line: LogLine) =>
  line.component === 'demo-network' && /^(demo network (ready|kept)|no demo network)$/.test(line.msg ?? '');

/** Polls (gently: the API's rate limit is 100 calls a minute) until `check` returns a value. */
async function eventually<T>(
  check: () => Promise<T | undefined>,
  what: string,
  timeoutMs: number,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`${what} did not happen within ${timeoutMs} ms`);
    await sleep(1500);
  }
}

async function networkOf(client: TensorNodeClient) {
  const [deployments, vms] = await Promise.all([client.deployments.list.query(), client.vms.list.query()]);
  return {
    deployments: deployments.map((d) => ({ vmId: d.vmId, status: d.status, minerAddress: d.minerAddress })),
    vmIds: vms.map((vm) => vm.id).sort(),
  };
}

describe('pnpm start on embedded defaults runs a live demo network', () => {
  it('deploys 3 miners on devnet accounts that hold the reward token, and scheduled rounds reach the topic; a restart deploys nothing', {
    timeout: 420_000,
  }, async () => {
    const dataDir = freshDataDir();
    const started = Date.now();
    api = await startApiProcess(dataDir, { SCHEDULE_INTERVAL_SECONDS: '3' });
    const admin = api.admin;

    // No call but reads: the rounds arrive on their own.
    const rounds = await eventually(
      async () => {
        const { items } = await admin.validation.rounds.query({ limit: 20 });
        const confirmed = items.filter(
          (r) => r.trigger === 'schedule' && r.minerCount === 3 && r.ledgerStatus === 'confirmed',
        );
        // One the miners answered right, too: their moving averages are then above 0, so an epoch pays them.
        return confirmed.length >= 2 && confirmed.some((r) => r.meanScore === 100) ? confirmed : undefined;
      },
      'two scheduled rounds over three miners, confirmed on the topic, one answered right',
      300_000,
    );
    const firstConfirmedAfterMs = Date.now() - started;

    const network = await networkOf(admin);
    expect(network.deployments).toHaveLength(3);
    expect(network.vmIds).toHaveLength(3);
    const accounts = network.deployments.map((d) => d.minerAddress as string);
    for (const d of network.deployments)
      expect(d).toMatchObject({ status: 'active', minerAddress: expect.stringMatching(/^0\.0\.\d+$/) });
    expect(new Set(accounts).size).toBe(3);
    for (const round of rounds) {
      const detail = await admin.validation.round.query({ roundId: round.id });
      expect(detail.answers.map((a) => a.minerAddress).sort()).toEqual([...accounts].sort());
      expect(detail.answers.every((a) => a.ok)).toBe(true);
      await expect(admin.ledger.verify.query({ roundId: round.id })).resolves.toMatchObject({ match: true });
    }
    const { messages } = await admin.ledger.messages.query({ limit: 50 });
    expect(messages.length).toBeGreaterThanOrEqual(2);
    const leaderboard = await admin.miners.leaderboard.query();
    expect(leaderboard.map((m) => m.minerAddress).sort()).toEqual([...accounts].sort());

    // Real devnet accounts, associated with the reward token (so an epoch can pay them).
    const keys = JSON.parse(readFileSync(join(dataDir, 'demo-miner-keys.json'), 'utf8'));
    expect(Object.keys(keys).sort()).toEqual([...accounts].sort());
    const epoch = await admin.rewards.distribute.mutate({ epoch: new Date().toISOString().slice(0, 10) });
    expect(epoch.payouts.map((p) => [p.minerAddress, p.status]).sort()).toEqual(
      [...accounts].sort().map((a) => [a, 'paid']),
    );

    await api.stop();
    api = await startApiProcess(dataDir, { SCHEDULE_INTERVAL_SECONDS: '3' });
    const kept = await api.waitForLog(demoOutcome);
    expect(kept.msg).toBe('demo network kept');
    const again = await networkOf(api.admin);
    expect(again).toEqual(network);
    expect(JSON.parse(readFileSync(join(dataDir, 'demo-miner-keys.json'), 'utf8'))).toEqual(keys);
    expect(api.logs.filter((l) => l.msg === 'new VM deployed and allocated')).toEqual([]);
    console.log(
      `demo network: first two confirmed scheduled rounds ${Math.round(firstConfirmedAfterMs / 1000)} s after the start`,
    );
  });

  it('DEMO_MINERS=0 starts an empty network, and later starts keep it empty', {
    timeout: 240_000,
  }, async () => {
    const dataDir = freshDataDir();
    api = await startApiProcess(dataDir, { DEMO_MINERS: '0' });
    await expect(api.waitForLog(demoOutcome)).resolves.toMatchObject({
      msg: 'no demo network',
      reason: 'DEMO_MINERS=0',
    });
    expect(await networkOf(api.admin)).toEqual({ deployments: [], vmIds: [] });
    expect(existsSync(join(dataDir, 'demo-miner-keys.json'))).toBe(false);

    // Remembered: the next start, without DEMO_MINERS=0, keeps the network empty.
    await api.stop();
    api = await startApiProcess(dataDir);
    await expect(api.waitForLog(demoOutcome)).resolves.toMatchObject({
      msg: 'no demo network',
      reason: expect.stringMatching(/turned off on the first start/),
    });
    expect(await networkOf(api.admin)).toEqual({ deployments: [], vmIds: [] });
  });

  describe('never with real backends configured', () => {
    let fluence: FluenceStandIn | undefined;
    let devnet: Awaited<ReturnType<typeof startLocalDevnet>> | undefined;
    afterAll(async () => {
      await fluence?.close();
      await devnet?.stop();
    });

    it('with FLUENCE_API_KEY: no VM is rented and no account made', { timeout: 180_000 }, async () => {
      const apiKey = randomBytes(24).toString('hex');
      fluence = await startFluenceStandIn({ apiKey });
      const dataDir = freshDataDir();
      api = await startApiProcess(dataDir, { FLUENCE_API_KEY: apiKey, FLUENCE_API_URL: fluence.url });
      await expect(api.waitForLog(demoOutcome)).resolves.toMatchObject({
        msg: 'no demo network',
        reason: 'VMs come from fluence, not local processes',
      });
      expect(await networkOf(api.admin)).toEqual({ deployments: [], vmIds: [] });
      expect(fluence.requests.filter((r) => r.method === 'POST')).toEqual([]);
      expect(existsSync(join(dataDir, 'demo-miner-keys.json'))).toBe(false);
    });

    it('with a Hedera operator: no demo network on that network', { timeout: 180_000 }, async () => {
      // A Hedera-compatible network of its own, reached as a custom network with an operator.
      devnet = await startLocalDevnet(parseConfig({ DATA_DIR: freshDataDir() }));
      const dataDir = freshDataDir();
      api = await startApiProcess(dataDir, {
        HEDERA_OPERATOR_ID: devnet.operator.accountId,
        HEDERA_OPERATOR_KEY: devnet.operator.privateKey,
        HEDERA_NODES: `${devnet.grpcEndpoint}=${devnet.nodeAccountId}`,
        HEDERA_MIRROR_URL: devnet.mirrorUrl,
      });
      await expect(api.waitForLog(demoOutcome)).resolves.toMatchObject({
        msg: 'no demo network',
        reason: 'a Hedera operator is configured',
      });
      expect(await networkOf(api.admin)).toEqual({ deployments: [], vmIds: [] });
      expect(existsSync(join(dataDir, 'demo-miner-keys.json'))).toBe(false);
    });
  });
});
