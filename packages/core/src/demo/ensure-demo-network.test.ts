import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  createDeploymentRepository,
  createScheduleRepository,
  type DatabaseHandle,
  openDatabase,
} from '@tensornode/db';
import { type Devnet, startDevnet } from '@tensornode/devnet';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type Config, parseConfig } from '../config.ts';
import { silentLogger } from '../context.ts';
import type { DeploymentContext } from '../deployments/context.ts';
import { createVmListCache } from '../deployments/vm-cache.ts';
import { NotFoundError } from '../errors.ts';
import type { Ledger } from '../ledger/ledger.ts';
import { devnetLedger } from '../ledger/testing.ts';
import { createRewardToken } from '../rewards/reward-token.ts';
import { SCHEDULE_JOB } from '../schedule/index.ts';
import type { DeployRequest, Vm, VmProvider } from '../vms/provider.ts';
import { DEMO_MINER_KEYS_FILE, readDemoNetworkState } from './demo-state.ts';
import { demoNetworkOffReason, ensureDemoNetwork } from './ensure-demo-network.ts';

/** VMs held in memory: each is Launching when first looked at, then Active. */
function inMemoryProvider(onDeploy: (request: DeployRequest) => void = () => {}) {
  const vms = new Map<string, { vm: Vm; looks: number }>();
  const deployed: DeployRequest[] = [];
  const unused = () => Promise.reject(new Error('not used in this test'));
  const provider: VmProvider = {
    name: 'local',
    isValidVmId: (id) => /^local-[0-9a-f]{12}$/.test(id),
    canonicalVmId: (id) => id.toLowerCase(),
    async deploy(request) {
      deployed.push(request);
      onDeploy(request);
      const id = `local-${randomBytes(6).toString('hex')}`;
      vms.set(id, {
        looks: 0,
        vm: {
          id,
          vmName: request.vmConfiguration.name,
          status: 'Launching',
          publicIp: null,
          ports: [],
          osImage: 'local',
          datacenter: null,
          pricePerEpoch: '0',
          createdAt: new Date().toISOString(),
          nextBillingAt: null,
        },
      });
      return [{ vmId: id, vmName: request.vmConfiguration.name }];
    },
    list: async () => [...vms.values()].map((v) => v.vm),
    async get(id) {
      const entry = vms.get(id);
      if (!entry) throw new NotFoundError(`VM ${id} not found`);
      if (++entry.looks > 1) Object.assign(entry.vm, { status: 'Active', publicIp: '127.0.0.1' });
      return entry.vm;
    },
    update: unused,
    delete: unused,
    estimate: unused,
    defaultImages: unused,
    ping: async () => {},
    close: async () => {},
  };
  return { provider, deployed };
}

let devnet: Devnet;
let ledger: Ledger;
let handle: DatabaseHandle;
let dataDir: string;
let config: Config;
let tokenId: string;

beforeAll(async () => {
  devnet = await startDevnet({ dbPath: ':memory:' });
  ledger = await devnetLedger(devnet);
}, 30_000);
afterAll(async () => {
  await ledger?.close();
  await devnet?.stop();
});

beforeEach(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'tensornode-demo-'));
  config = parseConfig({ DATA_DIR: dataDir, DEMO_MINERS: '3' });
  handle = openDatabase({ path: ':memory:' });
  ({ tokenId } = await createRewardToken(
    { db: handle.db, config, log: silentLogger, ledger },
    { name: 'Reward', symbol: 'TAO', decimals: 8 },
  ));
});
afterEach(async () => {
  handle?.close();
  await rm(dataDir, { recursive: true, force: true });
});

function deploymentContext(provider: VmProvider): DeploymentContext {
  return { db: handle.db, config, log: silentLogger, provider, vmCache: createVmListCache(provider, 0) };
}

describe('ensureDemoNetwork', () => {
  it('makes three miners on new devnet accounts holding the reward token, once, and calls the first round now; later starts keep them', {
    timeout: 60_000,
  }, async () => {
    const { provider, deployed } = inMemoryProvider();
    // As at a start: the schedule's first tick found no miner and moved a whole interval on.
    createScheduleRepository(handle.db).ensure({
      enabled: true,
      intervalSeconds: 60,
      sample: null,
      timeoutMs: null,
      method: 'auto',
      autoEpochs: null,
    });
    createScheduleRepository(handle.db).recordProgress({ nextRoundAt: new Date(Date.now() + 60_000) });
    const woken: string[] = [];
    const created = await ensureDemoNetwork({
      deployments: deploymentContext(provider),
      ledger,
      jobs: { wake: (name) => woken.push(name) },
    });
    expect(created.kind).toBe('created');
    if (created.kind !== 'created') return;
    expect(created.miners).toHaveLength(3);
    // The schedule's first round is due now, and its job was told so.
    expect(created.scheduleEnabled).toBe(true);
    expect(createScheduleRepository(handle.db).get()?.nextRoundAt?.getTime()).toBeLessThanOrEqual(Date.now());
    expect(woken).toEqual([SCHEDULE_JOB]);

    const deployments = createDeploymentRepository(handle.db).list({ status: 'active' });
    expect(deployments.map((d) => [d.minerAddress, d.instanceName, d.vmId])).toEqual(
      created.miners.map((m, i) => [m.accountId, `demo-miner-${i + 1}`, m.vmId]),
    );
    for (const vm of await provider.list()) expect(vm.status).toBe('Active');
    for (const miner of created.miners) {
      // Associated on the ledger itself: the account's balance lists the reward token.
      expect((await ledger.balance(miner.accountId)).tokens).toHaveProperty(tokenId);
      expect(miner.tokenAssociated).toBe(true);
    }
    const keysFile = join(dataDir, DEMO_MINER_KEYS_FILE);
    expect((await stat(keysFile)).mode & 0o777).toBe(0o600);
    expect(Object.keys(JSON.parse(await readFile(keysFile, 'utf8')))).toEqual(
      created.miners.map((m) => m.accountId),
    );

    const kept = await ensureDemoNetwork({ deployments: deploymentContext(provider), ledger });
    expect(kept).toMatchObject({ kind: 'kept', miners: created.miners });
    expect(deployed).toHaveLength(3);
  });

  it('resumes a start stopped halfway without making any account or VM twice', {
    timeout: 60_000,
  }, async () => {
    const controller = new AbortController();
    // Shutdown arrives while the first VM is being deployed.
    const { provider, deployed } = inMemoryProvider(() => controller.abort());
    const ctx = deploymentContext(provider);
    await expect(
      ensureDemoNetwork({ deployments: ctx, ledger, signal: controller.signal }),
    ).rejects.toThrow();
    const halfway = readDemoNetworkState(handle.db);
    expect(halfway?.completedAt).toBeNull();
    expect(halfway?.miners.filter((m) => m.vmId)).toHaveLength(1);

    const resumed = await ensureDemoNetwork({ deployments: ctx, ledger });
    expect(resumed.kind).toBe('created');
    if (resumed.kind !== 'created') return;
    expect(resumed.miners.map((m) => m.accountId)).toEqual(halfway?.miners.map((m) => m.accountId));
    expect(resumed.miners[0]?.vmId).toBe(halfway?.miners[0]?.vmId);
    expect(deployed).toHaveLength(3);
    expect(createDeploymentRepository(handle.db).list()).toHaveLength(3);
  });

  it('leaves a database that has deployments already alone', { timeout: 30_000 }, async () => {
    createDeploymentRepository(handle.db).insertInactive([{ vmId: 'local-0123456789ab', provider: 'local' }]);
    const { provider, deployed } = inMemoryProvider();
    await expect(
      ensureDemoNetwork({ deployments: deploymentContext(provider), ledger }),
    ).resolves.toMatchObject({
      kind: 'off',
      reason: expect.stringMatching(/has deployments already/),
    });
    expect(deployed).toEqual([]);
    expect(readDemoNetworkState(handle.db)).toBeUndefined();
  });

  it('DEMO_MINERS=0 on the first start is remembered: later starts make none either', {
    timeout: 30_000,
  }, async () => {
    const { provider, deployed } = inMemoryProvider();
    config = parseConfig({ DATA_DIR: dataDir, DEMO_MINERS: '0' });
    await expect(ensureDemoNetwork({ deployments: deploymentContext(provider), ledger })).resolves.toEqual({
      kind: 'off',
      reason: 'DEMO_MINERS=0',
    });
    config = parseConfig({ DATA_DIR: dataDir });
    await expect(
      ensureDemoNetwork({ deployments: deploymentContext(provider), ledger }),
    ).resolves.toMatchObject({
      kind: 'off',
      reason: expect.stringMatching(/turned off on the first start/),
    });
    expect(deployed).toEqual([]);
  });
});

describe('demoNetworkOffReason', () => {
  const devnetLedgerKind = { kind: 'devnet' as const };
  it('makes a demo network on embedded defaults only', () => {
    expect(demoNetworkOffReason(parseConfig({}), devnetLedgerKind)).toBeNull();
    expect(demoNetworkOffReason(parseConfig({ FLUENCE_API_KEY: 'k'.repeat(32) }), devnetLedgerKind)).toMatch(
      /fluence/,
    );
    expect(
      demoNetworkOffReason(parseConfig({ HEDERA_OPERATOR_ID: '0.0.2', HEDERA_OPERATOR_KEY: 'x' }), {
        kind: 'testnet',
      }),
    ).toMatch(/Hedera operator/);
    expect(demoNetworkOffReason(parseConfig({}), null)).toMatch(/no ledger/);
    expect(demoNetworkOffReason(parseConfig({}), { kind: 'testnet' })).toMatch(/testnet/);
  });
});
