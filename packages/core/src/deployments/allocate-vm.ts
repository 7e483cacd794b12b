import { createDeploymentRepository, type Deployment } from '@tensornode/db';
import type { z } from 'zod';
import { UpstreamError } from '../errors.ts';
import { validateInput } from '../ssh/validate-input.ts';
import { type DeploymentContext, nowOf } from './context.ts';
import { buildDeployRequest } from './deploy-vms.ts';
import { recordNewVms } from './record-new-vms.ts';
import { allocateVmInput } from './schemas.ts';

export interface Allocation {
  deployment: Deployment;
  /** false when no inactive VM was free and a new one was deployed for this miner. */
  reused: boolean;
}

/**
 * `deployments.allocate`: gives the miner the oldest inactive VM, or deploys a new one.
 *
 * Claiming is one UPDATE … WHERE vm_id = (oldest inactive) RETURNING in an immediate transaction,
 * so two callers (even in two processes) never get the same VM. A deploy cannot sit inside a
 * SQLite transaction (it is a network call), so the new VM is deployed first and recorded after;
 * if recording it as this miner's fails, it is kept as inactive rather than lost.
 */
export async function allocateVm(
  ctx: DeploymentContext,
  input: z.input<typeof allocateVmInput>,
): Promise<Allocation> {
  const { minerAddress, instanceName } = validateInput(allocateVmInput, input);
  const provider = ctx.provider.name;

  const claimed = ctx.db.transaction(
    (tx) =>
      createDeploymentRepository(tx).claimInactive({
        provider,
        minerAddress,
        instanceName,
        assignedAt: nowOf(ctx),
      }),
    { behavior: 'immediate' },
  );
  if (claimed) {
    ctx.vmCache.invalidate();
    ctx.log.info({ vmId: claimed.vmId, minerAddress }, 'inactive VM allocated');
    return { deployment: claimed, reused: true };
  }

  const request = await buildDeployRequest(ctx, { instances: 1, instanceName, includeSshKey: true });
  const deployed = await ctx.provider.deploy(request);
  ctx.vmCache.invalidate();
  const [vm, ...extra] = deployed;
  if (!vm) throw new UpstreamError(provider, 'deploy answered without a VM');
  if (extra.length > 0) recordNewVms(ctx, extra);

  try {
    const deployment = ctx.db.transaction(
      (tx) =>
        createDeploymentRepository(tx).insertActive({
          vmId: vm.vmId,
          provider,
          minerAddress,
          instanceName,
          assignedAt: nowOf(ctx),
        }),
      { behavior: 'immediate' },
    );
    ctx.log.info({ vmId: vm.vmId, minerAddress }, 'new VM deployed and allocated');
    return { deployment, reused: false };
  } catch (error) {
    // The VM exists and is paid for: keep a record of it in the pool.
    try {
      recordNewVms(ctx, [vm]);
      ctx.log.error({ err: error, vmId: vm.vmId }, 'allocating the new VM failed; recorded it as inactive');
    } catch (recordError) {
      ctx.log.error({ err: recordError, vmId: vm.vmId }, 'new VM could not be recorded at all');
    }
    throw error;
  }
}
