import { createDeploymentRepository } from '@tensornode/db';
import { z } from 'zod';
import type { CoreContext } from '../context.ts';
import { vmIdSchema } from '../deployments/schemas.ts';
import { NotFoundError } from '../errors.ts';

export const clearHostKeyInput = z.strictObject({ vmId: vmIdSchema });

/**
 * Forgets a VM's pinned SSH host key after a rebuild, so the next connection pins the new one
 * (trust on first use again). An admin's call: it lowers the guard against a man in the middle.
 */
export function clearHostKey(
  ctx: Pick<CoreContext, 'db'>,
  input: z.output<typeof clearHostKeyInput>,
): { vmId: string; previousFingerprint: string | null } {
  const previous = createDeploymentRepository(ctx.db).clearHostKey(input.vmId);
  if (!previous) throw new NotFoundError(`no VM ${input.vmId} is recorded`);
  return { vmId: previous.vmId, previousFingerprint: previous.sshHostKey };
}
