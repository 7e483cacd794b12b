import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDeploymentRepository, type DatabaseHandle, openDatabase } from '@tensornode/db';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseConfig } from '../config.ts';
import { silentLogger } from '../context.ts';
import { NotFoundError, UpstreamError } from '../errors.ts';
import { generateSshKeypair } from '../keys/generate-keypair.ts';
import { sshKeyPath } from '../keys/read-public-key.ts';
import { type FluenceStandIn, startFluenceStandIn } from '../testkit/fluence-stand-in.ts';
import { createFluenceProvider } from '../vms/fluence/client.ts';
import { allocateVm } from './allocate-vm.ts';
import type { DeploymentContext } from './context.ts';
import { deleteVms } from './delete-vms.ts';
import { deployVms } from './deploy-vms.ts';
import { getVmWithDeployment } from './list-vms.ts';
import { createDeploymentMinerDirectory } from './miner-directory.ts';
import { releaseVm } from './release-vm.ts';
import { createVmListCache } from './vm-cache.ts';

let standIn: FluenceStandIn;
let handle: DatabaseHandle;
let ctx: DeploymentContext;
let dataDir: string;

beforeEach(async () => {
  const apiKey = randomBytes(16).toString('hex');
  standIn = await startFluenceStandIn({ apiKey, mixedCaseIds: true, capacity: 20 });
  dataDir = await mkdtemp(join(tmpdir(), 'tensornode-deployments-'));
  handle = openDatabase({ path: ':memory:' });
  const config = parseConfig({ DATA_DIR: dataDir });
  await generateSshKeypair(sshKeyPath(config));
  const provider = createFluenceProvider({ apiKey, baseUrl: standIn.url, timeoutMs: 500, retryBaseMs: 1 });
  ctx = {
    db: handle.db,
    config,
    log: silentLogger,
    provider,
    vmCache: createVmListCache(provider, 0),
  };
});

afterEach(async () => {
  handle?.close();
  await standIn?.close();
  await rm(dataDir, { recursive: true, force: true });
});

const deployPool = async (instances: number) =>
  (await deployVms(ctx, { instances, includeSshKey: false })).deployments.map((d) => d.vmId);

describe('VM ids in any letter case (Fluence ids are EIP-55 mixed case)', () => {
  it('stores the canonical lower-case id and accepts any spelling on get, release, delete and rounds', async () => {
    const [vmId] = await deployPool(1);
    const issued = standIn.vms()[0]!.id;
    expect(issued).not.toBe(issued.toLowerCase()); // the stand-in really spells it mixed case
    expect(vmId).toBe(issued.toLowerCase());

    const upper = `0x${vmId!.slice(2).toUpperCase()}`;
    expect((await getVmWithDeployment(ctx, { vmId: upper })).deployment?.vmId).toBe(vmId);

    const allocated = await allocateVm(ctx, { minerAddress: '0.0.7', instanceName: 'm' });
    expect(allocated).toMatchObject({ reused: true, deployment: { vmId } });
    expect(releaseVm(ctx, { vmId: upper })).toMatchObject({ vmId, status: 'inactive' });

    const directory = createDeploymentMinerDirectory(ctx);
    expect(directory.canonicalVmId?.(issued)).toBe(vmId);
    expect(directory.canonicalVmId?.('vm_abc')).toBeNull();
    expect((await directory.resolve([vmId!])).map((m) => m.vmId)).toEqual([vmId]);

    const deleted = await deleteVms(ctx, { vmIds: [issued] });
    expect(deleted.terminated.map((d) => d.vmId)).toEqual([vmId]);
    expect(standIn.vms()).toHaveLength(0);
    expect(createDeploymentRepository(ctx.db).findById(vmId!)?.status).toBe('terminated');
  });
});

describe('deployments.allocate', () => {
  it('skips an inactive VM the provider no longer has, marking it terminated', async () => {
    const [gone, kept] = await deployPool(2);
    await ctx.provider.delete([gone!]); // behind our back: the row still says inactive
    const allocation = await allocateVm(ctx, { minerAddress: '0.0.8', instanceName: 'm' });
    expect(allocation).toMatchObject({ reused: true, deployment: { vmId: kept, status: 'active' } });
    expect(createDeploymentRepository(ctx.db).findById(gone!)?.status).toBe('terminated');
  });

  it('deploys anew when every inactive VM is gone', async () => {
    const [gone] = await deployPool(1);
    await ctx.provider.delete([gone!]);
    const allocation = await allocateVm(ctx, { minerAddress: '0.0.8', instanceName: 'm' });
    expect(allocation.reused).toBe(false);
    expect(allocation.deployment.vmId).not.toBe(gone);
    await expect(ctx.provider.get(gone!)).rejects.toBeInstanceOf(NotFoundError);
  });

  it('a deploy whose answer is lost: the timeout is reported and the rented VM is recorded, not orphaned', async () => {
    standIn.hang(1); // the POST is carried out, its answer never arrives
    const error = await allocateVm(ctx, { minerAddress: '0.0.9', instanceName: 'Miner 9' }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(UpstreamError);
    expect((error as UpstreamError).timedOut).toBe(true);

    const rented = standIn.vms();
    expect(rented).toHaveLength(1);
    expect(rented[0]!.vmName).toMatch(/^Miner-9-[0-9a-f]{8}$/); // unique per deploy
    const row = createDeploymentRepository(ctx.db).findById(rented[0]!.id.toLowerCase());
    expect(row).toMatchObject({ status: 'inactive' });

    // The next allocation gets that VM instead of renting another.
    const next = await allocateVm(ctx, { minerAddress: '0.0.9', instanceName: 'Miner 9' });
    expect(next).toMatchObject({ reused: true, deployment: { vmId: row!.vmId } });
    expect(standIn.count('POST', '/vms/v3')).toBe(1);
  });

  it('two deploys get different VM names', async () => {
    const a = await allocateVm(ctx, { minerAddress: '0.0.1', instanceName: 'same' });
    const b = await allocateVm(ctx, { minerAddress: '0.0.2', instanceName: 'same' });
    const names = standIn.vms().map((vm) => vm.vmName);
    expect(a.deployment.vmId).not.toBe(b.deployment.vmId);
    expect(new Set(names).size).toBe(2);
  });
});
