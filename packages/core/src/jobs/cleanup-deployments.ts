import { createDeploymentRepository } from '@tensornode/db';
import { type DeploymentContext, nowOf } from '../deployments/context.ts';

/**
 * The `deployment-cleanup` job: a deployment whose VM the provider no longer lists (or lists as
 * Terminated) is marked terminated. Asks the provider afresh, never the cache.
 */
export async function cleanupDeployments(ctx: DeploymentContext, signal: AbortSignal): Promise<string[]> {
  const repo = createDeploymentRepository(ctx.db);
  const live = repo.listLive(ctx.provider.name);
  if (live.length === 0) return [];
  const vms = await ctx.provider.list();
  if (signal.aborted) return [];
  const listed = new Set(vms.filter((vm) => vm.status !== 'Terminated').map((vm) => vm.id.toLowerCase()));
  const gone = live.filter((d) => !listed.has(d.vmId.toLowerCase())).map((d) => d.vmId);
  if (gone.length === 0) return [];
  const terminated = repo.markTerminated(gone, nowOf(ctx)).map((d) => d.vmId);
  ctx.vmCache.invalidate();
  ctx.log.info({ vmIds: terminated }, 'deployments of vanished VMs marked terminated');
  return terminated;
}
