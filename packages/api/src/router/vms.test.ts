import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createVmListCache } from '@tensornode/core/deployments';
import { DEPLOYMENT_CLEANUP_JOB, VM_HEALTH_CHECK_JOB } from '@tensornode/core/jobs';
import { type FluenceStandIn, startFluenceStandIn } from '@tensornode/core/testkit';
import { createFluenceProvider } from '@tensornode/core/vms';
import { TRPCError } from '@trpc/server';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AppServices } from '../services.ts';
import { callerAs, createTestServices } from '../testing.ts';

let apiKey: string;
let standIn: FluenceStandIn;
let services: AppServices;
let minerHealth: Server | undefined;

async function startMinerHealth(): Promise<number> {
  minerHealth = createServer((req, res) => {
    res
      .writeHead(req.url === '/health' ? 200 : 404, { 'content-type': 'application/json' })
      .end('{"ok":true}');
  });
  await new Promise<void>((resolve) => minerHealth!.listen(0, '127.0.0.1', resolve));
  return (minerHealth.address() as AddressInfo).port;
}

async function setup(env: Record<string, string> = {}) {
  apiKey = randomBytes(24).toString('hex');
  standIn = await startFluenceStandIn({ apiKey, capacity: 20 });
  ({ services } = await createTestServices({
    env: { VM_PROVIDER: 'fluence', FLUENCE_API_KEY: apiKey, FLUENCE_API_URL: standIn.url, ...env },
    startJobs: false,
  }));
  const as = (role: 'viewer' | 'operator' | 'admin') => callerAs(services, role);
  await as('admin').keys.generate();
  return { viewer: as('viewer'), operator: as('operator'), admin: as('admin') };
}

async function failure(promise: Promise<unknown>): Promise<TRPCError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(TRPCError);
  return error as TRPCError;
}

afterEach(async () => {
  await services?.close();
  await standIn?.close();
  await new Promise((resolve) => (minerHealth ? minerHealth.close(resolve) : resolve(undefined)));
  minerHealth = undefined;
});

describe('vms and deployments routers (Fluence stand-in)', () => {
  let callers: Awaited<ReturnType<typeof setup>>;
  beforeEach(async () => {
    callers = await setup();
  });

  it('deploys with our SSH key and SSH + miner ports, and lists VMs merged with their deployment', async () => {
    const { operator, viewer } = callers;
    const publicKey = (await viewer.keys.public()).publicKey;
    const { vms, deployments } = await operator.vms.deploy({
      instances: 2,
      walletAddress: '0.0.4242',
      instanceName: 'my miner #1',
    });
    expect(deployments.map((d) => [d.vmId, d.status, d.walletAddress])).toEqual(
      vms.map((v) => [v.vmId, 'inactive', '0.0.4242']),
    );
    const sent = standIn.requests.find((r) => r.method === 'POST')!.body as {
      vmConfiguration: { name: string; sshKeys: string[]; openPorts: unknown[] };
    };
    expect(sent.vmConfiguration).toMatchObject({
      name: 'my-miner-1',
      sshKeys: [publicKey],
      openPorts: [
        { port: 22, protocol: 'tcp' },
        { port: 3000, protocol: 'tcp' },
      ],
    });

    const listed = await viewer.vms.list();
    expect(listed.map((vm) => [vm.id, vm.deployment?.status, vm.deployment?.walletAddress])).toEqual(
      vms.map((v) => [v.vmId, 'inactive', '0.0.4242']),
    );

    // The allocation is visible at once: the write invalidated the listing cache.
    const { deployment, reused } = await operator.deployments.allocate({
      minerAddress: '0.0.77',
      instanceName: 'alice',
    });
    expect(reused).toBe(true);
    expect(deployment.vmId).toBe(vms[0]!.vmId);
    const after = await viewer.vms.list();
    expect(after.find((vm) => vm.id === deployment.vmId)?.deployment).toMatchObject({
      status: 'active',
      minerAddress: '0.0.77',
      instanceName: 'alice',
      walletAddress: '0.0.4242',
    });
    expect((await viewer.vms.get({ vmId: deployment.vmId })).deployment?.minerAddress).toBe('0.0.77');
  });

  it('serves repeated listings from the cache until a write', async () => {
    const { operator, viewer } = callers;
    await operator.vms.deploy({ instances: 1, includeSshKey: false });
    const gets = () => standIn.count('GET', '/vms/v3');
    await viewer.vms.list();
    const afterFirst = gets();
    await viewer.vms.list();
    await viewer.vms.list();
    expect(gets()).toBe(afterFirst);
    // Reusing the inactive VM confirms it with the provider (one fresh read), and invalidates the cache.
    await operator.deployments.allocate({ minerAddress: '0.0.5', instanceName: 'x' });
    expect(gets()).toBe(afterFirst + 1);
    await viewer.vms.list();
    expect(gets()).toBe(afterFirst + 2);
  });

  it('releases a VM back to the pool, and refuses to release one that is not allocated', async () => {
    const { operator, viewer } = callers;
    const { deployment } = await operator.deployments.allocate({
      minerAddress: '0.0.9',
      instanceName: 'bob',
    });
    const released = await operator.deployments.release({ vmId: deployment.vmId });
    expect(released).toMatchObject({
      status: 'inactive',
      minerAddress: null,
      instanceName: null,
      assignedAt: null,
    });
    expect(await viewer.deployments.list({ minerAddress: '0.0.9' })).toEqual([]);
    expect((await failure(operator.deployments.release({ vmId: deployment.vmId }))).code).toBe('CONFLICT');

    // The released VM is the next one handed out.
    const next = await operator.deployments.allocate({ minerAddress: '0.0.10', instanceName: 'carol' });
    expect(next).toMatchObject({
      reused: true,
      deployment: { vmId: deployment.vmId, minerAddress: '0.0.10' },
    });
  });

  it('marks the deployment terminated when its VM is deleted', async () => {
    const { operator, viewer } = callers;
    const { deployment } = await operator.deployments.allocate({
      minerAddress: '0.0.11',
      instanceName: 'dave',
    });
    const result = await operator.vms.delete({ vmIds: [deployment.vmId] });
    expect(result.terminated.map((d) => [d.vmId, d.status])).toEqual([[deployment.vmId, 'terminated']]);
    expect(standIn.vms()).toEqual([]);
    expect((await viewer.deployments.list({ status: 'terminated' }))[0]).toMatchObject({
      vmId: deployment.vmId,
      terminatedAt: expect.any(Date),
    });
    expect(await viewer.vms.list()).toEqual([]);
  });

  it('rejects malformed VM ids naming the field before any call goes out', async () => {
    const { operator, viewer, admin } = callers;
    const { vms } = await operator.vms.deploy({ instances: 1 });
    const valid = vms[0]!.vmId;
    const before = standIn.requests.length;

    const cases: [Promise<unknown>, string][] = [
      [viewer.vms.get({ vmId: 'local-0123456789ab' }), 'vmId'],
      [operator.vms.delete({ vmIds: [valid, '0x1234; rm -rf ~'] }), 'vmIds[1]'],
      [operator.vms.update({ updates: [{ vmId: 'vm_abc', vmName: 'x' }] }), 'updates[0].vmId'],
      [operator.deployments.release({ vmId: '0xnothex' }), 'vmId'],
      [admin.vms.exec({ vmId: '../../etc/passwd', command: 'true' }), 'vmId'],
      [operator.docker.stop({ vmId: '0x12' }), 'vmId'],
      [viewer.docker.health({ vmId: 'x' }), 'vmId'],
      [operator.validation.run({ prompt: 'p', truth: 't', vmIds: [valid, 'vm_abc'] }), 'vmIds.1'],
    ];
    for (const [call, field] of cases) {
      const error = await failure(call);
      expect(error.code).toBe('BAD_REQUEST');
      expect(error.message.startsWith(`${field}:`)).toBe(true);
    }
    expect(standIn.requests.length).toBe(before);
  });

  it('takes a VM id in any letter case (Fluence ids are EIP-55 mixed case) on release, validation and delete', async () => {
    const { operator, viewer } = callers;
    const { deployment } = await operator.deployments.allocate({
      minerAddress: '0.0.12',
      instanceName: 'eve',
    });
    const shouted = `0x${deployment.vmId.slice(2).toUpperCase()}`;
    expect(shouted).not.toBe(deployment.vmId);

    for (let i = 0; i < 3; i++) await viewer.vms.get({ vmId: deployment.vmId }); // New → Launching → Active
    expect((await viewer.vms.get({ vmId: shouted })).id).toBe(deployment.vmId);
    expect(await operator.deployments.release({ vmId: shouted })).toMatchObject({
      vmId: deployment.vmId,
      status: 'inactive',
    });
    // Known under either spelling to the round runner (the VM has no miner answering: it gets scored 0).
    const round = await operator.validation.run({
      prompt: 'p',
      truth: 't',
      vmIds: [shouted],
      timeoutMs: 200,
    });
    expect(round.answers.map((a) => a.vmId)).toEqual([deployment.vmId]);

    const result = await operator.vms.delete({ vmIds: [shouted] });
    expect(result.terminated.map((d) => [d.vmId, d.status])).toEqual([[deployment.vmId, 'terminated']]);
    expect(standIn.vms()).toEqual([]);
  });

  it('refuses a port update that drops SSH unless forced', async () => {
    const { operator } = callers;
    const { vms } = await operator.vms.deploy({ instances: 1 });
    const vmId = vms[0]!.vmId;
    const error = await failure(
      operator.vms.update({ updates: [{ vmId, openPorts: [{ port: 3000, protocol: 'tcp' }] }] }),
    );
    expect(error.code).toBe('BAD_REQUEST');
    expect(error.message).toMatch(/^updates\[0\]\.openPorts: .*22\/tcp/);
    expect(standIn.count('PATCH')).toBe(0);
    await operator.vms.update({
      updates: [{ vmId, openPorts: [{ port: 3000, protocol: 'tcp' }] }],
      force: true,
    });
    expect(standIn.vms()[0]!.openPorts).toEqual([{ port: 3000, protocol: 'tcp' }]);
  });

  it('reports Fluence errors as BAD_GATEWAY naming Fluence and its message', async () => {
    const { operator } = callers;
    standIn.setCapacity(0);
    const noOffer = await failure(operator.vms.deploy({ instances: 1 }));
    expect(noOffer.code).toBe('BAD_GATEWAY');
    expect(noOffer.message).toMatch(/^Fluence: 422 No suitable offer found/);
    expect(noOffer.message).not.toContain(apiKey);

    standIn.setCapacity(5);
    standIn.fail(500, 'database on fire');
    const upstream = await failure(
      operator.deployments.allocate({ minerAddress: '0.0.1', instanceName: 'x' }),
    );
    expect(upstream.code).toBe('BAD_GATEWAY');
    expect(upstream.message).toMatch(/^Fluence: 500 database on fire/);
    // Nothing was recorded for a deploy that failed.
    expect(await operator.deployments.list()).toEqual([]);

    expect(await operator.vms.estimate({ instances: 2 })).toMatchObject({
      instances: 2,
      totalPricePerEpoch: '0.500000',
    });
  });

  it('reports a Fluence that does not answer in time as GATEWAY_TIMEOUT', async () => {
    const provider = createFluenceProvider({ apiKey, baseUrl: standIn.url, timeoutMs: 200, maxRetries: 0 });
    const slow: AppServices = {
      ...services,
      vmProvider: provider,
      deployments: { ...services.deployments, provider, vmCache: createVmListCache(provider, 0) },
    };
    const viewer = callerAs(slow, 'viewer');
    standIn.slow(1_000);
    const error = await failure(viewer.vms.list());
    expect(error.code).toBe('GATEWAY_TIMEOUT');
    expect(error.message).toMatch(/^Fluence: timed out/);
    standIn.slow(0);
  });

  it('reports the provider in health.check', async () => {
    const health = await callerAs(services, null).health.check();
    expect(health.services.vmProvider).toMatchObject({ status: 'up', kind: 'fluence' });
  });
});

describe('background jobs', () => {
  it('stores each active miner’s health on its deployment, shown in vms.list', async () => {
    const port = await startMinerHealth();
    const { operator, viewer } = await setup({ MINER_PORT: String(port) });
    const { deployment } = await operator.deployments.allocate({
      minerAddress: '0.0.21',
      instanceName: 'eve',
    });
    await viewer.vms.list(); // New
    await viewer.vms.list(); // Launching
    services.vmCache.invalidate();
    await viewer.vms.list(); // Active, with a public IP
    services.vmCache.invalidate();

    expect(await services.jobs.runNow(VM_HEALTH_CHECK_JOB)).toEqual({ ran: true, error: null });
    const healthy = (await viewer.vms.list()).find((vm) => vm.id === deployment.vmId)!.deployment!;
    expect(healthy).toMatchObject({ healthy: true, healthError: null, healthCheckedAt: expect.any(Date) });

    await new Promise((resolve) => minerHealth!.close(resolve));
    minerHealth = undefined;
    await services.jobs.runNow(VM_HEALTH_CHECK_JOB);
    const unhealthy = (await viewer.vms.get({ vmId: deployment.vmId })).deployment!;
    expect(unhealthy).toMatchObject({ healthy: false, healthError: 'ECONNREFUSED' });
    expect(unhealthy.healthCheckedAt!.getTime()).toBeGreaterThanOrEqual(healthy.healthCheckedAt!.getTime());
  });

  it('marks a deployment terminated when the provider no longer lists its VM', async () => {
    const { operator, viewer } = await setup();
    const { deployment } = await operator.deployments.allocate({
      minerAddress: '0.0.31',
      instanceName: 'frank',
    });
    const kept = await operator.deployments.allocate({ minerAddress: '0.0.32', instanceName: 'grace' });
    // Deleted behind our back, e.g. in Fluence's console.
    const res = await fetch(`${standIn.url}/vms/v3`, {
      method: 'DELETE',
      headers: { 'x-api-key': apiKey, 'content-type': 'application/json' },
      body: JSON.stringify({ vmIds: [deployment.vmId] }),
    });
    expect(res.status).toBe(200);
    await res.arrayBuffer();

    // One listing without the VM could be a provider glitch: it takes two runs in a row.
    expect(await services.jobs.runNow(DEPLOYMENT_CLEANUP_JOB)).toEqual({ ran: true, error: null });
    expect((await viewer.deployments.list()).map((d) => d.status)).toEqual(['active', 'active']);
    expect(await services.jobs.runNow(DEPLOYMENT_CLEANUP_JOB)).toEqual({ ran: true, error: null });
    const records = await viewer.deployments.list();
    expect(records.map((d) => [d.vmId, d.status])).toEqual([
      [deployment.vmId, 'terminated'],
      [kept.deployment.vmId, 'active'],
    ]);
  });
});
