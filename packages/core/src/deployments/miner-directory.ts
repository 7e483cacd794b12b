import { createDeploymentRepository } from '@tensornode/db';
import type { MinerDirectory, RoundMiner } from '../validation/miner-directory.ts';
import type { Vm } from '../vms/provider.ts';
import type { DeploymentContext } from './context.ts';

/** Where a VM's miner answers: its own endpoint (local VMs), else the configured port and path. */
export function minerEndpointOf(vm: Vm, config: DeploymentContext['config']): string | null {
  if (vm.minerEndpoint) return vm.minerEndpoint;
  if (!vm.publicIp) return null;
  const host = vm.publicIp.includes(':') ? `[${vm.publicIp}]` : vm.publicIp;
  return `http://${host}:${config.MINER_PORT}${config.MINER_PATH}`;
}

/**
 * The round runner's view of the miners: with `vmIds`, those VMs (any the provider lists), else
 * every VM with an active deployment and a public address.
 */
export function createDeploymentMinerDirectory(ctx: DeploymentContext): MinerDirectory {
  return {
    vmIdKind: ctx.provider.name,
    canonicalVmId(id) {
      const canonical = ctx.provider.canonicalVmId(id);
      return ctx.provider.isValidVmId(canonical) ? canonical : null;
    },
    async resolve(vmIds) {
      const vms = await ctx.vmCache.list();
      const active = new Map(
        createDeploymentRepository(ctx.db)
          .list({ status: 'active', provider: ctx.provider.name })
          .map((d) => [d.vmId, d]),
      );
      const wanted = vmIds ? new Set(vmIds.map((id) => ctx.provider.canonicalVmId(id))) : undefined;
      const miners: RoundMiner[] = [];
      for (const vm of vms) {
        const deployment = active.get(vm.id);
        if (wanted ? !wanted.has(vm.id) : !deployment || !vm.publicIp) continue;
        const endpoint = minerEndpointOf(vm, ctx.config);
        if (!endpoint) continue;
        miners.push({ vmId: vm.id, minerAddress: deployment?.minerAddress ?? null, endpoint });
      }
      return miners;
    },
  };
}
