import { createDeploymentRepository, type Deployment } from '@tensornode/db';
import type { z } from 'zod';
import { validateInput } from '../validate-input.ts';
import type { DeploymentContext } from './context.ts';
import { listDeploymentsInput } from './schemas.ts';

/** `deployments.list`: every record (all providers), oldest first. */
export function listDeployments(
  ctx: Pick<DeploymentContext, 'db'>,
  input: z.input<typeof listDeploymentsInput> = {},
): Deployment[] {
  return createDeploymentRepository(ctx.db).list(validateInput(listDeploymentsInput, input));
}
