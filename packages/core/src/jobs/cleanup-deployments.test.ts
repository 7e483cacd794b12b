import { randomBytes } from 'node:crypto';
import { createDeploymentRepository, type DatabaseHandle, openDatabase } from '@tensornode/db';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseConfig } from '../config.ts';
import { silentLogger } from '../context.ts';
import type { DeploymentContext } from '../deployments/context.ts';
import { createVmListCache } from '../deployments/vm-cache.ts';
import { type FluenceStandIn, startFluenceStandIn } from '../testkit/fluence-stand-in.ts';
import { createFluenceProvider } from '../vms/fluence/client.ts';
import { cleanupDeployments } from './cleanup-deployments.ts';

let standIn: FluenceStandIn;
let handle: DatabaseHandle;
let ctx: DeploymentContext;
let clock: number;
const signal = new AbortController().signal;

beforeEach(async () => {
  const apiKey = randomBytes(16).toString('hex');
  standIn = await startFluenceStandIn({ apiKey });
  handle = openDatabase({ path: ':memory:' });
  const provider = createFluenceProvider({ apiKey, baseUrl: standIn.url, retryBaseMs: 1, maxRetries: 0 });
  clock = Date.now();
  ctx = {
    db: handle.db,
    config: parseConfig({}),
    log: silentLogger,
    provider,
    vmCache: createVmListCache(provider, 0),
    now: () => new Date(clock),
  };
});

afterEach(async () => {
  handle?.close();
  await standIn?.close();
});

const rent = async (n: number) =>
  (
    await ctx.provider.deploy({
      instances: n,
      vmConfiguration: { name: 'pool', openPorts: [], osImage: 'https://example.com/x.img', sshKeys: [] },
    })
  ).map((vm) => vm.vmId);

const record = (vmIds: string[]) =>
  createDeploymentRepository(ctx.db).insertInactive(vmIds.map((vmId) => ({ vmId, provider: 'fluence' })));
const statusOf = (vmId: string) => createDeploymentRepository(ctx.db).findById(vmId)?.status;

describe('deployment clean-up', () => {
  it('terminates a deployment only after its VM is missing from two runs in a row', async () => {
    const [a, b] = await rent(2);
    record([a!, b!]);
    await ctx.provider.delete([a!]);

    const first = await cleanupDeployments(ctx, signal);
    expect(first).toMatchObject({ terminated: [], missing: [a], skipped: false });
    expect(statusOf(a!)).toBe('inactive');

    clock += 60_000;
    const second = await cleanupDeployments(ctx, signal);
    expect(second.terminated).toEqual([a]);
    expect(statusOf(a!)).toBe('terminated');
    expect(statusOf(b!)).toBe('inactive');
  });

  it('forgets a miss when the VM is listed again', async () => {
    const [a, b] = await rent(2);
    record([a!, b!]);
    standIn.fail(200, 'ignored'); // not JSON-shaped as a list: makes the next listing fail instead
    await expect(cleanupDeployments(ctx, signal)).rejects.toThrow();

    // One partial listing (a missing), then a full one, then a partial one again: never terminated.
    const missingOnce = createDeploymentRepository(ctx.db).markMissing('fluence', [b!], new Date(clock));
    expect(missingOnce).toEqual([]);
    clock += 60_000;
    expect((await cleanupDeployments(ctx, signal)).terminated).toEqual([]);
    clock += 60_000;
    expect(createDeploymentRepository(ctx.db).markMissing('fluence', [b!], new Date(clock))).toEqual([]);
    expect(statusOf(a!)).toBe('inactive');
  });

  it('skips the pass when the listing is empty while several deployments are live', async () => {
    const vmIds = await rent(3);
    record(vmIds);
    await ctx.provider.delete(vmIds);
    for (let run = 0; run < 3; run++) {
      clock += 60_000;
      expect(await cleanupDeployments(ctx, signal)).toMatchObject({ skipped: true, terminated: [] });
    }
    expect(vmIds.map(statusOf)).toEqual(['inactive', 'inactive', 'inactive']);
  });

  it('adopts a provider VM that has no deployment row, once it is old enough', async () => {
    const [known, orphan] = await rent(2);
    record([known!]);
    expect((await cleanupDeployments(ctx, signal)).adopted).toEqual([]); // just created: its deploy may still be recording it
    expect(statusOf(orphan!)).toBeUndefined();

    clock += 10 * 60_000;
    const result = await cleanupDeployments(ctx, signal);
    expect(result.adopted).toEqual([orphan]);
    expect(statusOf(orphan!)).toBe('inactive');
  });
});
