import { TRPCError } from '@trpc/server';
import { afterEach, expect, it } from 'vitest';
import { createCaller } from '../root.ts';
import type { AppServices } from '../services.ts';
import { createTestServices } from '../testing.ts';
import { createInternalContext } from '../trpc.ts';

let services: AppServices | undefined;

afterEach(async () => {
  await services?.close();
  services = undefined;
});

async function failure(promise: Promise<unknown>): Promise<TRPCError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(TRPCError);
  return error as TRPCError;
}

// A local VM's address is 127.0.0.1, the API host itself: no port of this host but the miner's may be reached.
it('keeps a local VM to its miner port: no other port opened or probed, no SSH, exec or docker', async () => {
  ({ services } = await createTestServices({ env: { VM_PROVIDER: 'local' }, startJobs: false }));
  const as = (role: 'viewer' | 'operator' | 'admin') =>
    createCaller(createInternalContext(services!, { tokenId: role, name: role, role }));
  const [viewer, operator, admin] = [as('viewer'), as('operator'), as('admin')];

  const { vms } = await operator.vms.deploy({
    instances: 1,
    configuration: { openPorts: [{ port: 22, protocol: 'tcp' }] },
  });
  const vmId = vms[0]!.vmId;
  let vm = await viewer.vms.get({ vmId });
  for (let i = 0; i < 100 && vm.status !== 'Active'; i++) {
    await new Promise((r) => setTimeout(r, 200));
    vm = await viewer.vms.get({ vmId });
  }
  expect(vm.status).toBe('Active');
  const minerPort = Number(new URL(vm.minerEndpoint!).port);
  expect(vm.ports).toEqual([{ port: minerPort, protocol: 'tcp' }]);

  const update = await failure(
    operator.vms.update({
      updates: [
        {
          vmId,
          openPorts: [
            { port: minerPort, protocol: 'tcp' },
            { port: 6379, protocol: 'tcp' },
          ],
        },
      ],
    }),
  );
  expect(update.code).toBe('BAD_REQUEST');
  expect(update.message).toMatch(/^updates\[0\]\.openPorts: a local VM .* only its miner port/);

  expect(await viewer.docker.health({ vmId, port: minerPort })).toMatchObject({ healthy: true });
  const probe = await failure(viewer.docker.health({ vmId, port: 22 }));
  expect(probe.code).toBe('BAD_REQUEST');
  expect(probe.message).toMatch(/^port: /);

  for (const call of [
    admin.vms.exec({ vmId, command: 'id' }),
    operator.docker.deployFromUrl({ vmId, dockerfileUrl: 'https://example.com/Dockerfile' }),
    operator.docker.stop({ vmId }),
  ]) {
    const refused = await failure(call);
    expect(refused.code).toBe('BAD_REQUEST');
    expect(refused.message).toMatch(/^vmId: local VMs .* have no SSH/);
  }
  await operator.vms.delete({ vmIds: [vmId] });
}, 60_000);
