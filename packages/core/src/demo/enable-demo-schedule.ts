import type { DeploymentContext } from '../deployments/context.ts';

/**
 * Turns on the validation schedule for the demo network: a round every `intervalSeconds` from the
 * starter bank over every miner, the first at once. Returns whether a schedule is now on.
 */
export async function enableDemoSchedule(
  ctx: Pick<DeploymentContext, 'db' | 'config' | 'log'>,
  input: { intervalSeconds: number },
): Promise<boolean> {
  // The persisted schedule (issue 11) is not in this build yet; the integrator wires it here.
  ctx.log.warn(
    { intervalSeconds: input.intervalSeconds },
    'no validation schedule in this build: the demo network runs no rounds on its own',
  );
  return false;
}
