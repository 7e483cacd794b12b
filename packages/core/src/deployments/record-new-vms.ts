import { createDeploymentRepository, type Deployment } from '@tensornode/db';
import type { DeployedVm } from '../vms/provider.ts';
import type { DeploymentContext } from './context.ts';

/** New VMs from a deploy become inactive deployments, linked to the wallet that paid for them. */
export function recordNewVms(
  ctx: Pick<DeploymentContext, 'db' | 'provider'>,
  vms: readonly DeployedVm[],
  walletAddress?: string,
): Deployment[] {
  return ctx.db.transaction((tx) =>
    createDeploymentRepository(tx).insertInactive(
      vms.map((vm) => ({ vmId: vm.vmId, provider: ctx.provider.name, walletAddress: walletAddress ?? null })),
    ),
  );
}
