import { createDeploymentRepository, type Deployment } from '@tensornode/db';
import type { z } from 'zod';
import { validateInput } from '../validate-input.ts';
import { type DeploymentContext, nowOf } from './context.ts';
import { deleteVmsInput } from './schemas.ts';
import { canonicalVmIds } from './vm-ids.ts';

/** `vms.delete`: removes the VMs at the provider and marks their deployments terminated. */
export async function deleteVms(
  ctx: DeploymentContext,
  input: z.input<typeof deleteVmsInput>,
): Promise<{ vmIds: string[]; terminated: Deployment[] }> {
  const given = validateInput(deleteVmsInput, input).vmIds;
  const vmIds = [...new Set(canonicalVmIds(ctx.provider, given, (i) => `vmIds[${i}]`))];
  try {
    await ctx.provider.delete(vmIds);
  } finally {
    ctx.vmCache.invalidate();
  }
  const terminated = createDeploymentRepository(ctx.db).markTerminated(vmIds, nowOf(ctx));
  ctx.log.info({ vmIds }, 'VMs deleted');
  return { vmIds, terminated };
}
