import { rmSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { startTestServer, type TestServer } from '@tensornode/api/testing';
import { signMinerRequest } from '@tensornode/core/audit';
import { isProcessAlive, type LocalVmProvider } from '@tensornode/core/vms';
import { afterEach, describe, expect, it, onTestFinished } from 'vitest';
import { createTensorNodeClient, type TensorNodeClient } from '../src/index.ts';

const rateLimits = { perMinute: 10_000, perHour: 10_000, deployPerMinute: 100 };
let server: TestServer | undefined;
afterEach(async () => {
  await server?.stop();
  server = undefined;
});

async function untilActive(client: TensorNodeClient, vmIds: string[]): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const vms = await Promise.all(vmIds.map((vmId) => client.vms.get.query({ vmId })));
    if (vms.every((vm) => vm.status === 'Active')) return;
    if (Date.now() > deadline)
      throw new Error(`not active: ${vms.map((vm) => `${vm.id}=${vm.status}`).join(', ')}`);
    await sleep(100);
  }
}

/** Asks a local miner directly, signed with the server's validator key as the fan-out signs. */
async function ask(vm: { id: string; minerEndpoint?: string | undefined }, prompt: string): Promise<string> {
  const body = JSON.stringify({ prompt });
  const res = await fetch(vm.minerEndpoint!, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...signMinerRequest(server!.services.validatorKey.privateKey, { vmId: vm.id, body }),
    },
    body,
  });
  expect(res.status, `${vm.minerEndpoint}: ${await res.clone().text()}`).toBe(200);
  return ((await res.json()) as { response: string }).response;
}

describe('local VM provider through the API', () => {
  it('deploys 3 miners that answer, keeps them across a restart, and stops the one deleted', {
    timeout: 90_000,
  }, async () => {
    server = await startTestServer({ database: 'file', startJobs: false, rateLimits });
    let operator = createTensorNodeClient({ url: server.url, token: server.tokenFor('operator') });
    const { vms, deployments } = await operator.vms.deploy.mutate({ instances: 3, walletAddress: '0.0.500' });
    expect(deployments.map((d) => d.status)).toEqual(['inactive', 'inactive', 'inactive']);
    const ids = vms.map((v) => v.vmId);
    await untilActive(operator, ids);

    const listed = await operator.vms.list.query();
    expect(listed.map((vm) => vm.id).sort()).toEqual([...ids].sort());
    for (const vm of listed) {
      expect(vm.deployment?.walletAddress).toBe('0.0.500');
      expect(await ask(vm, 'What is 6 * 7?')).toContain('42');
    }
    // Local miners pin the validator's key: an unsigned request gets no answer.
    const unsigned = await fetch(listed[0]!.minerEndpoint!, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ prompt: 'What is 6 * 7?' }),
    });
    expect(unsigned.status).toBe(401);
    expect((await operator.health.check.query()).services.vmProvider).toMatchObject({
      kind: 'local',
      status: 'up',
    });

    // Restart on the same data directory.
    const dataDir = server.dataDir;
    // The restarted server was given this directory, so it leaves it: remove it here.
    onTestFinished(() => rmSync(dataDir, { recursive: true, force: true }));
    await server.stop({ keepData: true });
    server = await startTestServer({ database: 'file', dataDir, startJobs: false, rateLimits });
    operator = createTensorNodeClient({ url: server.url, token: server.tokenFor('operator') });
    await untilActive(operator, ids);
    const restored = await operator.vms.list.query();
    expect(restored.map((vm) => vm.id).sort()).toEqual([...ids].sort());
    for (const vm of restored) {
      expect(vm.deployment?.status).toBe('inactive');
      expect(await ask(vm, 'What is 10 - 3?')).toContain('7');
    }

    const provider = server.services.vmProvider as LocalVmProvider;
    const [gone, ...kept] = ids;
    const pid = provider.pidOf(gone!)!;
    expect(isProcessAlive(pid)).toBe(true);
    const deleted = await operator.vms.delete.mutate({ vmIds: [gone!] });
    expect(deleted.terminated.map((d) => d.status)).toEqual(['terminated']);
    expect(isProcessAlive(pid)).toBe(false);
    expect((await operator.vms.list.query()).map((vm) => vm.id).sort()).toEqual([...kept].sort());
    const keptPids = kept.map((id) => provider.pidOf(id)!);

    // Shutting the server down leaves no miner behind.
    await server.stop();
    server = undefined;
    expect(keptPids.some(isProcessAlive)).toBe(false);
  });
});
