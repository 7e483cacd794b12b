import { randomUUID } from 'node:crypto';
import { createDeploymentRepository, type Deployment } from '@tensornode/db';
import type { z } from 'zod';
import { ConflictError, NotFoundError, UpstreamError } from '../errors.ts';
import { validateInput } from '../validate-input.ts';
import { deployOrAdopt } from './adopt-vms.ts';
import { type DeploymentContext, nowOf } from './context.ts';
import { buildDeployRequest } from './deploy-vms.ts';
import { recordNewVms } from './record-new-vms.ts';
import { allocateVmInput } from './schemas.ts';

export interface Allocation {
  deployment: Deployment;
  /** false when no inactive VM was free and a new one was deployed for this miner. */
  reused: boolean;
}

/** Stale inactive rows (VMs gone at the provider) skipped per allocation before deploying anew. */
const MAX_STALE_CLAIMS = 10;

/**
 * `deployments.allocate`: gives the miner the oldest inactive VM, or deploys a new one.
 *
 * Claiming is one UPDATE … WHERE vm_id = (oldest inactive) RETURNING in an immediate transaction,
 * so two callers (even in two processes) never get the same VM. A deploy cannot sit inside a
 * SQLite transaction (it is a network call), so the new VM is deployed first and recorded after;
 * if recording it as this miner's fails, it is kept as inactive rather than lost.
 *
 * A claimed VM is confirmed with the provider first: one it no longer has (or has Terminated) is
 * marked terminated and the next is claimed. Each deploy carries a unique VM name, so when the
 * POST times out (the VM may be rented all the same) the VMs with that name are adopted as
 * inactive before the timeout is reported.
 */
export async function allocateVm(
  ctx: DeploymentContext,
  input: z.input<typeof allocateVmInput>,
): Promise<Allocation> {
  const { minerAddress, instanceName } = validateInput(allocateVmInput, input);
  const provider = ctx.provider.name;

  for (let attempt = 0; attempt < MAX_STALE_CLAIMS; attempt++) {
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
    if (!claimed) break;
    ctx.vmCache.invalidate();
    if (await stillExists(ctx, claimed)) {
      ctx.log.info({ vmId: claimed.vmId, minerAddress }, 'inactive VM allocated');
      return { deployment: claimed, reused: true };
    }
  }

  const request = await buildDeployRequest(ctx, { instances: 1, instanceName, includeSshKey: true });
  // Unique per deploy: how a deploy whose answer was lost finds its VM (see deployOrAdopt).
  request.vmConfiguration.name = uniqueVmName(request.vmConfiguration.name);
  const deployed = await deployOrAdopt(ctx, request.vmConfiguration.name, undefined, () =>
    ctx.provider.deploy(request),
  );
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
    if (!deployment) throw new ConflictError(`new VM ${vm.vmId} was taken by another allocation`);
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

/** `<name>-<8 hex>`, within Fluence's 63-character name limit. */
export function uniqueVmName(name: string): string {
  return `${name.slice(0, 54)}-${randomUUID().slice(0, 8)}`;
}

/**
 * Asks the provider whether a claimed VM is still there. Gone or Terminated: its row is marked
 * terminated and false returned. The provider unreachable: the claim is given back and the error
 * thrown, since a new deploy would fail the same way.
 */
async function stillExists(ctx: DeploymentContext, claimed: Deployment): Promise<boolean> {
  const repo = createDeploymentRepository(ctx.db);
  try {
    const vm = await ctx.provider.get(claimed.vmId);
    if (vm.status !== 'Terminated') return true;
  } catch (error) {
    if (!(error instanceof NotFoundError)) {
      repo.release(claimed.vmId);
      throw error;
    }
  }
  repo.markTerminated([claimed.vmId], nowOf(ctx));
  ctx.log.warn({ vmId: claimed.vmId }, 'inactive VM no longer exists at the provider; marked terminated');
  return false;
}
