import type { z } from 'zod';
import { validateInput } from '../validate-input.ts';
import type { PriceEstimate } from '../vms/provider.ts';
import type { DeploymentContext } from './context.ts';
import { estimateVmsInput } from './schemas.ts';

/** `vms.estimate`: what `instances` VMs would cost. */
export async function estimateVms(
  ctx: DeploymentContext,
  input: z.input<typeof estimateVmsInput>,
): Promise<PriceEstimate> {
  const { instances, configuration } = validateInput(estimateVmsInput, input);
  return ctx.provider.estimate({
    instances,
    ...(configuration?.constraints ? { constraints: configuration.constraints } : {}),
  });
}
