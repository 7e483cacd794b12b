import { createDeploymentRepository, type Deployment } from '@tensornode/db';
import type { z } from 'zod';
import { ConflictError, NotFoundError } from '../errors.ts';
import { validateInput } from '../validate-input.ts';
import type { DeploymentContext } from './context.ts';
import { releaseVmInput } from './schemas.ts';
import { canonicalVmId } from './vm-ids.ts';

/** `deployments.release`: the miner gives the VM back; it returns to the pool as inactive. */
export function releaseVm(ctx: DeploymentContext, input: z.input<typeof releaseVmInput>): Deployment {
  const vmId = canonicalVmId(ctx.provider, validateInput(releaseVmInput, input).vmId);
  const repo = createDeploymentRepository(ctx.db);
  const released = repo.release(vmId);
  if (!released) {
    const existing = repo.findById(vmId);
    if (!existing) throw new NotFoundError(`VM ${vmId} has no deployment record`);
    throw new ConflictError(`VM ${vmId} is not allocated (status ${existing.status})`);
  }
  ctx.vmCache.invalidate();
  ctx.log.info({ vmId }, 'VM released');
  return released;
}
