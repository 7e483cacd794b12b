import type { z } from 'zod';
import { validateInput } from '../validate-input.ts';
import type { DeploymentContext } from './context.ts';
import { updateVmsInput } from './schemas.ts';
import { canonicalVmIds } from './vm-ids.ts';

/** `vms.update`: rename VMs or replace their open ports (a set without 22/tcp only when forced). */
export async function updateVms(
  ctx: DeploymentContext,
  input: z.input<typeof updateVmsInput>,
): Promise<void> {
  const { updates, force } = validateInput(updateVmsInput, input);
  const ids = canonicalVmIds(
    ctx.provider,
    updates.map((u) => u.vmId),
    (i) => `updates[${i}].vmId`,
  );
  try {
    await ctx.provider.update(
      updates.map(({ vmId: _vmId, ...rest }, i) => ({ id: ids[i]!, ...rest })),
      { force },
    );
  } finally {
    ctx.vmCache.invalidate();
  }
}
