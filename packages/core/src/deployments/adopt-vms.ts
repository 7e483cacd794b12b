import type { Deployment } from '@tensornode/db';
import { UpstreamError } from '../errors.ts';
import type { DeploymentContext } from './context.ts';
import { recordNewVms } from './record-new-vms.ts';

/**
 * A deploy POST that timed out may still have rented VMs (it is never retried). Lists the
 * provider's VMs named `vmName` and records the unrecorded ones as inactive deployments, so they
 * join the pool instead of being billed unseen. Never throws: if the listing fails too, the
 * clean-up job adopts them later.
 */
export async function adoptVmsNamed(
  ctx: DeploymentContext,
  vmName: string,
  walletAddress?: string,
): Promise<Deployment[]> {
  try {
    const vms = await ctx.provider.list();
    const named = vms.filter((vm) => vm.vmName === vmName && vm.status !== 'Terminated');
    const adopted = recordNewVms(
      ctx,
      named.map((vm) => ({ vmId: vm.id, vmName: vm.vmName })),
      walletAddress,
    );
    ctx.vmCache.invalidate();
    if (adopted.length > 0) {
      ctx.log.warn(
        { vmName, vmIds: adopted.map((d) => d.vmId) },
        'deploy timed out but rented VMs: recorded them as inactive',
      );
    }
    return adopted;
  } catch (error) {
    ctx.log.error(
      { err: error, vmName },
      'deploy timed out and the VMs it may have rented could not be listed',
    );
    return [];
  }
}

/** Runs a deploy; on a timeout, adopts what it may have rented before rethrowing. */
export async function deployOrAdopt<T>(
  ctx: DeploymentContext,
  vmName: string,
  walletAddress: string | undefined,
  deploy: () => Promise<T>,
): Promise<T> {
  try {
    return await deploy();
  } catch (error) {
    if (error instanceof UpstreamError && error.timedOut) await adoptVmsNamed(ctx, vmName, walletAddress);
    throw error;
  }
}
