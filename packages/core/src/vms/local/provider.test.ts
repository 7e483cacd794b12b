import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { createLocalVmRepository, type DatabaseHandle, openDatabase } from '@tensornode/db';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../context.ts';
import { containerHealth } from '../../docker/container-health.ts';
import { deployFromUrl } from '../../docker/deploy-from-url.ts';
import { stopContainer } from '../../docker/stop-container.ts';
import { InvalidInputError, NotFoundError } from '../../errors.ts';
import { execOnVm } from '../../ssh/exec-on-vm.ts';
import type { SshExecutor } from '../../ssh/executor.ts';
import { uploadFileToVm } from '../../ssh/upload-file.ts';
import { isProcessAlive } from './process-alive.ts';
import { createLocalProvider, type LocalVmProvider } from './provider.ts';

const deployRequest = (instances: number) => ({
  instances,
  vmConfiguration: {
    name: 'local-miner',
    openPorts: [{ port: 22, protocol: 'tcp' as const }],
    osImage: 'local',
    sshKeys: [],
  },
});

async function waitUntil(condition: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (condition()) return true;
    await sleep(50);
  }
  return condition();
}

async function ask(endpoint: string, prompt: string): Promise<{ response: string; model: string }> {
  const res = await request(endpoint, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ prompt }),
  });
  expect(res.statusCode).toBe(200);
  return (await res.body.json()) as { response: string; model: string };
}

describe('local VM provider', () => {
  let dir: string;
  let dbPath: string;
  let handle: DatabaseHandle;
  let provider: LocalVmProvider;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'tensornode-local-vms-'));
    dbPath = join(dir, 'tensornode.db');
    handle = openDatabase({ path: dbPath });
    provider = createLocalProvider({ db: handle.db, log: silentLogger, stopGraceMs: 2_000 });
  });
  afterAll(async () => {
    await provider.close();
    handle.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('runs each VM as a miner answering /api/chat, survives a restart, and stops on delete', {
    timeout: 60_000,
  }, async () => {
    const deployed = await provider.deploy(deployRequest(3));
    expect(deployed).toHaveLength(3);
    expect(deployed.every((d) => provider.isValidVmId(d.vmId))).toBe(true);
    await Promise.all(deployed.map((d) => provider.whenActive(d.vmId)));

    const vms = await provider.list();
    expect(vms.map((v) => v.status)).toEqual(['Active', 'Active', 'Active']);
    expect(new Set(vms.map((v) => v.minerEndpoint)).size).toBe(3);
    for (const vm of vms) {
      expect(vm.publicIp).toBe('127.0.0.1');
      const answer = await ask(vm.minerEndpoint!, 'What is 12 * 7?');
      expect(answer.response).toContain('84');
      expect(typeof answer.model).toBe('string');
    }
    const firstPids = deployed.map((d) => provider.pidOf(d.vmId)!);
    expect(firstPids.every((pid) => pid > 0 && isProcessAlive(pid))).toBe(true);

    // A server restart: the provider shuts down (no orphans), a new one opens the same file.
    await provider.close();
    expect(firstPids.some(isProcessAlive)).toBe(false);
    handle.close();
    handle = openDatabase({ path: dbPath });
    provider = createLocalProvider({ db: handle.db, log: silentLogger, stopGraceMs: 2_000 });
    await provider.ready;

    const restored = await provider.list();
    expect(restored.map((v) => [v.id, v.status, v.minerEndpoint])).toEqual(
      vms.map((v) => [v.id, 'Active', v.minerEndpoint]),
    );
    for (const vm of restored) {
      expect((await ask(vm.minerEndpoint!, 'What is 2 + 3?')).response).toContain('5');
    }

    const [gone, ...kept] = deployed;
    const pid = provider.pidOf(gone!.vmId)!;
    expect(isProcessAlive(pid)).toBe(true);
    await provider.delete([gone!.vmId]);
    expect(isProcessAlive(pid)).toBe(false);
    expect((await provider.list()).map((v) => v.id)).toEqual(kept.map((d) => d.vmId));
    await expect(provider.get(gone!.vmId)).rejects.toBeInstanceOf(NotFoundError);
  });

  it('validates ids and renames', async () => {
    await expect(provider.get('0x311edB209b61EaA8c3e67c6B96D03288DB5Bc020')).rejects.toBeInstanceOf(
      InvalidInputError,
    );
    await expect(provider.delete(['local-000000000000'])).rejects.toBeInstanceOf(NotFoundError);
    const [vm] = await provider.list();
    await provider.update([{ id: vm!.id, vmName: 'renamed' }]);
    expect((await provider.get(vm!.id)).vmName).toBe('renamed');
    expect(await provider.estimate({ instances: 2 })).toMatchObject({
      totalPricePerEpoch: '0',
      instances: 2,
    });
    expect((await provider.defaultImages()).map((i) => i.slug)).toEqual(['local']);
  });
});

describe('local VMs are on the API host: only their miner port is reachable', () => {
  let dir: string;
  let handle: DatabaseHandle;
  let provider: LocalVmProvider;
  let vmId: string;
  let minerPort: number;
  /** An SSH executor that must never be reached: SSH to a local VM would be SSH to this host. */
  const ssh: SshExecutor = {
    exec: () => Promise.reject(new Error('SSH to the API host was attempted')),
    upload: () => Promise.reject(new Error('SSH to the API host was attempted')),
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'tensornode-local-ports-'));
    handle = openDatabase({ path: join(dir, 'tensornode.db') });
    provider = createLocalProvider({ db: handle.db, log: silentLogger, stopGraceMs: 2_000 });
    // Asks for SSH and a Redis port: neither is this VM's to open.
    const [deployed] = await provider.deploy({
      instances: 1,
      vmConfiguration: {
        name: 'ports',
        openPorts: [
          { port: 22, protocol: 'tcp' },
          { port: 6379, protocol: 'tcp' },
        ],
        osImage: 'local',
        sshKeys: [],
      },
    });
    vmId = deployed!.vmId;
    await provider.whenActive(vmId);
    minerPort = Number(new URL((await provider.get(vmId)).minerEndpoint!).port);
  }, 60_000);
  afterAll(async () => {
    await provider.close();
    handle.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('declares only the miner port open, whatever the deploy asked for', async () => {
    expect((await provider.get(vmId)).ports).toEqual([{ port: minerPort, protocol: 'tcp' }]);
  });

  it('refuses a port update that opens any other port, naming the field', async () => {
    for (const port of [22, 6379, 9090]) {
      const error = await provider
        .update([{ id: vmId, openPorts: [{ port, protocol: 'tcp' }] }])
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(InvalidInputError);
      expect(error).toMatchObject({ field: 'updates[0].openPorts' });
    }
    await expect(
      provider.update([{ id: vmId, openPorts: [{ port: minerPort, protocol: 'udp' }] }]),
    ).rejects.toMatchObject({ field: 'updates[0].openPorts' });
    await provider.update([{ id: vmId, openPorts: [{ port: minerPort, protocol: 'tcp' }] }]);
    expect((await provider.get(vmId)).ports).toEqual([{ port: minerPort, protocol: 'tcp' }]);
  });

  it('probes the miner port only, even if an older row stored other ports', async () => {
    createLocalVmRepository(handle.db).setOpenPorts(vmId, [{ port: 22, protocol: 'tcp' }]);
    const ctx = { provider };
    expect(await containerHealth(ctx, { vmId, port: minerPort })).toMatchObject({
      healthy: true,
      status: 200,
    });
    await expect(containerHealth(ctx, { vmId, port: 22 })).rejects.toMatchObject({ field: 'port' });
  });

  it('refuses SSH, exec, docker and uploads on a local VM before connecting anywhere', async () => {
    const ctx = { provider, ssh };
    const refusals = [
      execOnVm(ctx, { vmId, command: 'id' }),
      deployFromUrl(ctx, { vmId, dockerfileUrl: 'https://example.com/Dockerfile' }),
      stopContainer(ctx, { vmId }),
      uploadFileToVm(ctx, { vmId, localPath: '/etc/hostname', remotePath: 'x', confined: true }),
    ];
    for (const refusal of refusals) {
      await expect(refusal).rejects.toMatchObject({
        field: 'vmId',
        message: expect.stringMatching(/no SSH/),
      });
    }
  });
});

describe('local VM provider finding a miner still running', () => {
  it('adopts it instead of starting another', { timeout: 30_000 }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tensornode-local-vms-adopt-'));
    const handle = openDatabase({ path: join(dir, 'db.sqlite') });
    const first = createLocalProvider({ db: handle.db, log: silentLogger });
    const second = { current: undefined as LocalVmProvider | undefined };
    try {
      const [vm] = await first.deploy(deployRequest(1));
      await first.whenActive(vm!.vmId);
      const pid = first.pidOf(vm!.vmId)!;

      second.current = createLocalProvider({ db: handle.db, log: silentLogger });
      await second.current.ready;
      expect(second.current.pidOf(vm!.vmId)).toBe(pid);
      expect((await second.current.get(vm!.vmId)).status).toBe('Active');

      await second.current.delete([vm!.vmId]);
      expect(await waitUntil(() => !isProcessAlive(pid), 5_000)).toBe(true);
    } finally {
      await second.current?.close();
      await first.close();
      handle.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
