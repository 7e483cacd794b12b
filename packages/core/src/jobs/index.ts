import type { DeploymentContext } from '../deployments/context.ts';
import { checkMinerHealth } from './check-miner-health.ts';
import { cleanupDeployments } from './cleanup-deployments.ts';
import type { JobRunner } from './runner.ts';

export { checkMinerHealth, type MinerHealthOptions, type MinerHealthResult } from './check-miner-health.ts';
export { type CleanupOptions, type CleanupResult, cleanupDeployments } from './cleanup-deployments.ts';
export {
  createJobRunner,
  type JobFn,
  type JobRunner,
  type JobRunnerOptions,
  type JobRunOutcome,
  type JobScheduleOptions,
} from './runner.ts';

export const VM_HEALTH_CHECK_JOB = 'vm-health-check';
export const DEPLOYMENT_CLEANUP_JOB = 'deployment-cleanup';

/** The seed's background tasks, every HEALTH_CHECK_INTERVAL_MS. */
export function registerDeploymentJobs(runner: JobRunner, ctx: DeploymentContext): void {
  const interval = ctx.config.HEALTH_CHECK_INTERVAL_MS;
  runner.register(VM_HEALTH_CHECK_JOB, interval, (signal) => checkMinerHealth(ctx, signal));
  runner.register(DEPLOYMENT_CLEANUP_JOB, interval, (signal) => cleanupDeployments(ctx, signal));
}
