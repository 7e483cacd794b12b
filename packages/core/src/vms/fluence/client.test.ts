import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { InvalidInputError, NotFoundError, UpstreamError } from '../../errors.ts';
import { type FluenceStandIn, startFluenceStandIn } from '../../testkit/fluence-stand-in.ts';
import type { DeployRequest, VmProvider } from '../provider.ts';
import { createFluenceProvider } from './client.ts';

const request = (instances = 1): DeployRequest => ({
  instances,
  vmConfiguration: {
    name: 'miner-vm',
    openPorts: [
      { port: 22, protocol: 'tcp' },
      { port: 3000, protocol: 'tcp' },
    ],
    osImage: 'https://cloud-images.ubuntu.com/releases/22.04/release/ubuntu-22.04-server-cloudimg-amd64.img',
    sshKeys: ['ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIKgJIjnDg1DjqOOxINs78oU3f7PJXIyq9uiNocNVhXNx test'],
  },
});

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
}

/** A port nothing listens on: bind an ephemeral one, then release it. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('Fluence provider against the stand-in', () => {
  let apiKey: string;
  let standIn: FluenceStandIn;
  let fluence: VmProvider;

  beforeEach(async () => {
    apiKey = randomBytes(24).toString('hex');
    standIn = await startFluenceStandIn({ apiKey, capacity: 5 });
    fluence = createFluenceProvider({ apiKey, baseUrl: standIn.url, timeoutMs: 2_000, retryBaseMs: 5 });
  });
  afterEach(async () => {
    await fluence.close();
    await standIn.close();
  });

  it('deploys VMs that become Active with a public IP, and sends the documented request', async () => {
    const deployed = await fluence.deploy(request(2));
    expect(deployed).toHaveLength(2);
    expect(deployed.every((d) => fluence.isValidVmId(d.vmId) && d.vmName === 'miner-vm')).toBe(true);

    const post = standIn.requests.find((r) => r.method === 'POST' && r.path === '/vms/v3');
    expect(post?.apiKey).toBe('valid');
    expect(post?.body).toEqual(request(2));

    const statuses: string[] = [];
    for (let i = 0; i < 5; i++) {
      const vm = await fluence.get(deployed[0]!.vmId);
      statuses.push(vm.status);
      if (vm.status === 'Active') {
        expect(vm.publicIp).toBe('127.0.0.1');
        expect(vm.ports).toEqual(request().vmConfiguration.openPorts);
        break;
      }
      expect(vm.publicIp).toBeNull();
    }
    expect(statuses).toEqual(['New', 'Launching', 'Active']);

    const listed = await fluence.list();
    expect(listed.map((v) => v.id).sort()).toEqual(deployed.map((d) => d.vmId).sort());
    expect(listed[0]).toMatchObject({ pricePerEpoch: '0.25', datacenter: { countryCode: 'FR' } });
  });

  it('updates names and ports, and deletes VMs', async () => {
    const [a, b] = await fluence.deploy(request(2));
    await fluence.update([
      { id: a!.vmId, vmName: 'renamed' },
      {
        id: b!.vmId,
        openPorts: [
          { port: 22, protocol: 'tcp' },
          { port: 8080, protocol: 'tcp' },
        ],
      },
    ]);
    expect((await fluence.get(a!.vmId)).vmName).toBe('renamed');
    expect((await fluence.get(b!.vmId)).ports).toEqual([
      { port: 22, protocol: 'tcp' },
      { port: 8080, protocol: 'tcp' },
    ]);
    const patch = standIn.requests.find((r) => r.method === 'PATCH');
    expect(patch?.body).toEqual({
      updates: [
        { id: a!.vmId, vmName: 'renamed' },
        {
          id: b!.vmId,
          openPorts: [
            { port: 22, protocol: 'tcp' },
            { port: 8080, protocol: 'tcp' },
          ],
        },
      ],
    });

    await fluence.delete([a!.vmId]);
    expect(standIn.requests.at(-1)?.body).toEqual({ vmIds: [a!.vmId] });
    expect((await fluence.list()).map((v) => v.id)).toEqual([b!.vmId]);
    expect(await rejection(fluence.get(a!.vmId))).toBeInstanceOf(NotFoundError);
  });

  it('refuses an openPorts set without 22/tcp unless forced, before calling Fluence', async () => {
    const [vm] = await fluence.deploy(request());
    const before = standIn.requests.length;
    const error = await rejection(
      fluence.update([{ id: vm!.vmId, openPorts: [{ port: 3000, protocol: 'tcp' }] }]),
    );
    expect(error).toBeInstanceOf(InvalidInputError);
    expect((error as InvalidInputError).field).toBe('updates[0].openPorts');
    expect(standIn.requests.length).toBe(before);

    await fluence.update([{ id: vm!.vmId, openPorts: [{ port: 3000, protocol: 'tcp' }] }], { force: true });
    expect((await fluence.get(vm!.vmId)).ports).toEqual([{ port: 3000, protocol: 'tcp' }]);
  });

  it('rejects ids Fluence could not have issued, before any call', async () => {
    expect(fluence.isValidVmId('0x311edB209b61EaA8c3e67c6B96D03288DB5Bc020')).toBe(true);
    for (const bad of ['0x311edb', 'local-0123456789ab', '0x311edB209b61EaA8c3e67c6B96D03288DB5Bc02g', '']) {
      expect(fluence.isValidVmId(bad)).toBe(false);
    }
    const error = await rejection(fluence.delete(['0x123; rm -rf /']));
    expect((error as InvalidInputError).field).toBe('vmIds[0]');
    expect(standIn.requests).toHaveLength(0);
  });

  it('estimates prices and lists default images', async () => {
    expect(await fluence.estimate({ instances: 2 })).toEqual({
      depositAmountUsdc: '1.000000',
      depositEpochs: 2,
      totalPricePerEpoch: '0.500000',
      maxPricePerEpoch: '0.250000',
      instances: 2,
    });
    const images = await fluence.defaultImages();
    expect(images[0]).toMatchObject({ slug: 'ubuntu-22-04-x64', distribution: 'Ubuntu' });
    expect(images[0]?.downloadUrl).toMatch(/^https:\/\//);
  });

  it('surfaces a wrong API key as a 403 naming Fluence, without the key', async () => {
    const wrongKey = randomBytes(24).toString('hex');
    const wrong = createFluenceProvider({ apiKey: wrongKey, baseUrl: standIn.url, retryBaseMs: 5 });
    const error = await rejection(wrong.list());
    expect(error).toBeInstanceOf(UpstreamError);
    const upstream = error as UpstreamError;
    expect(upstream.service).toBe('Fluence');
    expect(upstream.options.status).toBe(403);
    expect(upstream.message).toContain('Invalid API key');
    expect(upstream.message).not.toContain(wrongKey);
    expect(standIn.requests[0]?.apiKey).toBe('wrong');
    expect(JSON.stringify(standIn.requests)).not.toContain(wrongKey);
  });

  it('redacts the key if Fluence echoes it back in an error', async () => {
    standIn.fail(400, `bad key ${apiKey}`);
    const error = (await rejection(fluence.list())) as UpstreamError;
    expect(error.message).toContain('[redacted]');
    expect(error.message).not.toContain(apiKey);
  });

  it('reports 422 "No suitable offer found" when asking for more than the capacity', async () => {
    const error = (await rejection(fluence.deploy(request(6)))) as UpstreamError;
    expect(error).toBeInstanceOf(UpstreamError);
    expect(error.options.status).toBe(422);
    expect(error.message).toContain('No suitable offer found');
    expect(standIn.vms()).toHaveLength(0);
  });

  it('retries a GET after a 503 and answers', async () => {
    await fluence.deploy(request());
    standIn.fail(503, 'Service Unavailable', 2);
    const vms = await fluence.list();
    expect(vms).toHaveLength(1);
    expect(standIn.count('GET', '/vms/v3')).toBe(3);
  });

  it('gives up after maxRetries and reports the last 5xx', async () => {
    standIn.fail(502, 'Bad Gateway', 10);
    const error = (await rejection(fluence.list())) as UpstreamError;
    expect(error.options.status).toBe(502);
    expect(error.message).toContain('Bad Gateway');
    expect(standIn.count('GET', '/vms/v3')).toBe(4);
  });

  it('never retries a deploy (a retry could rent twice)', async () => {
    standIn.fail(503, 'Service Unavailable');
    const error = (await rejection(fluence.deploy(request()))) as UpstreamError;
    expect(error.options.status).toBe(503);
    expect(standIn.count('POST', '/vms/v3')).toBe(1);
  });

  it('does not retry a client error', async () => {
    standIn.fail(404, 'Not Found', 3);
    await rejection(fluence.list());
    expect(standIn.count('GET', '/vms/v3')).toBe(1);
  });

  it('times out a slow upstream with a timeout error', async () => {
    standIn.slow(1_000);
    const slowClient = createFluenceProvider({
      apiKey,
      baseUrl: standIn.url,
      timeoutMs: 150,
      retryBaseMs: 5,
    });
    const error = (await rejection(slowClient.list())) as UpstreamError;
    expect(error).toBeInstanceOf(UpstreamError);
    expect(error.timedOut).toBe(true);
    expect(error.message).toMatch(/^Fluence: timed out after 150 ms/);
  });

  it('reports an unreachable upstream', async () => {
    const port = await closedPort();
    const offline = createFluenceProvider({
      apiKey,
      baseUrl: `http://127.0.0.1:${port}`,
      retryBaseMs: 5,
      maxRetries: 1,
    });
    const error = (await rejection(offline.list())) as UpstreamError;
    expect(error).toBeInstanceOf(UpstreamError);
    expect(error.timedOut).toBe(false);
    expect(error.message).toMatch(/^Fluence: unreachable: ECONNREFUSED/);
    expect(error.message).not.toContain(apiKey);
  });

  it('rejects a response that breaks the contract', async () => {
    standIn.fail(200, 'not a list');
    const error = (await rejection(fluence.list())) as UpstreamError;
    expect(error.message).toContain('unexpected response to GET /vms/v3');
  });
});

describe('Fluence stand-in contract', () => {
  it('rejects a missing key with 403 and a bad body with 422', async () => {
    const standIn = await startFluenceStandIn({ apiKey: randomBytes(16).toString('hex') });
    try {
      const missing = await fetch(`${standIn.url}/vms/v3`);
      expect(missing.status).toBe(403);
      expect(await missing.json()).toEqual({ error: 'Missing API key' });
      expect(standIn.requests).toMatchObject([{ method: 'GET', path: '/vms/v3', apiKey: 'missing' }]);
    } finally {
      await standIn.close();
    }
  });

  it('validates deploy bodies', async () => {
    const apiKey = randomBytes(16).toString('hex');
    const standIn = await startFluenceStandIn({ apiKey });
    try {
      const res = await fetch(`${standIn.url}/vms/v3`, {
        method: 'POST',
        headers: { 'X-API-KEY': apiKey, 'content-type': 'application/json' },
        body: JSON.stringify({ instances: 1, vmConfiguration: { name: 'bad name!' } }),
      });
      expect(res.status).toBe(422);
      expect(((await res.json()) as { error: string }).error).toMatch(/^vmConfiguration\.name/);
      const garbage = await fetch(`${standIn.url}/vms/v3`, {
        method: 'POST',
        headers: { 'X-API-KEY': apiKey },
        body: '{',
      });
      expect(garbage.status).toBe(400);
    } finally {
      await standIn.close();
    }
  });
});
