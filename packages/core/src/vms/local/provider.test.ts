import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { type DatabaseHandle, openDatabase } from '@tensornode/db';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../context.ts';
import { InvalidInputError, NotFoundError } from '../../errors.ts';
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

  it('validates ids and keeps SSH in port updates unless forced', async () => {
    await expect(provider.get('0x311edB209b61EaA8c3e67c6B96D03288DB5Bc020')).rejects.toBeInstanceOf(
      InvalidInputError,
    );
    await expect(provider.delete(['local-000000000000'])).rejects.toBeInstanceOf(NotFoundError);
    const [vm] = await provider.list();
    await expect(provider.update([{ id: vm!.id, openPorts: [] }])).rejects.toMatchObject({
      field: 'updates[0].openPorts',
    });
    await provider.update([{ id: vm!.id, vmName: 'renamed' }]);
    expect((await provider.get(vm!.id)).vmName).toBe('renamed');
    expect(await provider.estimate({ instances: 2 })).toMatchObject({
      totalPricePerEpoch: '0',
      instances: 2,
    });
    expect((await provider.defaultImages()).map((i) => i.slug)).toEqual(['local']);
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
