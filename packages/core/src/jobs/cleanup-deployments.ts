import { createDeploymentRepository } from '@tensornode/db';
import { type DeploymentContext, nowOf } from '../deployments/context.ts';

export interface CleanupOptions {
  /**
   * A listed VM with no deployment row is adopted (recorded as inactive, joining the pool) once it
   * is this old, so a deploy whose answer is still on its way is not adopted under its caller.
   * Default 5 minutes.
   */
  adoptAfterMs?: number;
  /**
   * With at least this many live rows, an empty listing is taken for a provider glitch and the
   * pass is skipped. Default 2.
   */
  emptyListingGuard?: number;
}

export interface CleanupResult {
  /** Deployments marked terminated: listed as Terminated, or missing from two runs in a row. */
  terminated: string[];
  /** Deployments missing from this listing for the first time (terminated if missing next run too). */
  missing: string[];
  /** Provider VMs that had no deployment row and were recorded as inactive. */
  adopted: string[];
  /** True when the listing was empty while several rows were live, and nothing was changed. */
  skipped: boolean;
}

/**
 * The `deployment-cleanup` job, against a fresh listing (never the cache):
 * - a deployment whose VM is listed as Terminated is marked terminated;
 * - one whose VM is missing is marked terminated only when it was missing on the previous run too
 *   (`missing_since`), so one partial or eventually-consistent listing ends nothing;
 * - an empty listing while several rows are live is skipped altogether;
 * - a listed VM with no row (e.g. rented by a deploy whose answer was lost) is adopted as inactive,
 *   so it is used and billed knowingly rather than forgotten.
 */
export async function cleanupDeployments(
  ctx: DeploymentContext,
  signal: AbortSignal,
  { adoptAfterMs = 5 * 60_000, emptyListingGuard = 2 }: CleanupOptions = {},
): Promise<CleanupResult> {
  const result: CleanupResult = { terminated: [], missing: [], adopted: [], skipped: false };
  const repo = createDeploymentRepository(ctx.db);
  const provider = ctx.provider.name;
  const vms = await ctx.provider.list();
  if (signal.aborted) return result;
  const now = nowOf(ctx);
  const live = repo.listLive(provider);
  const listed = vms.filter((vm) => vm.status !== 'Terminated');

  if (listed.length === 0 && live.length >= emptyListingGuard) {
    ctx.log.warn(
      { live: live.length },
      'provider listed no VMs while several deployments are live; clean-up pass skipped',
    );
    return { ...result, skipped: true };
  }

  const changed = ctx.db.transaction(
    (tx) => {
      const rows = createDeploymentRepository(tx);
      const listedIds = listed.map((vm) => vm.id);
      const listedTerminated = new Set(vms.filter((vm) => vm.status === 'Terminated').map((vm) => vm.id));
      const liveIds = new Set(rows.listLive(provider).map((d) => d.vmId));

      const missedTwice = rows.markMissing(provider, listedIds, now).map((d) => d.vmId);
      const ending = [...missedTwice, ...[...listedTerminated].filter((id) => liveIds.has(id))];
      const terminated = rows.markTerminated(ending, now).map((d) => d.vmId);
      const missing = [...liveIds].filter(
        (id) => !listedIds.includes(id) && !listedTerminated.has(id) && !terminated.includes(id),
      );

      const old = listed.filter((vm) => {
        const created = Date.parse(vm.createdAt);
        return !Number.isFinite(created) || created <= now.getTime() - adoptAfterMs;
      });
      const adopted = rows.insertInactive(old.map((vm) => ({ vmId: vm.id, provider }))).map((d) => d.vmId);
      return { terminated, missing, adopted };
    },
    { behavior: 'immediate' },
  );

  if (changed.terminated.length > 0 || changed.adopted.length > 0) ctx.vmCache.invalidate();
  if (changed.terminated.length > 0) {
    ctx.log.info({ vmIds: changed.terminated }, 'deployments of vanished VMs marked terminated');
  }
  if (changed.missing.length > 0) {
    ctx.log.warn(
      { vmIds: changed.missing },
      'VMs missing from the provider listing; terminated if still missing next run',
    );
  }
  if (changed.adopted.length > 0) {
    ctx.log.warn({ vmIds: changed.adopted }, 'provider VMs without a deployment record adopted as inactive');
  }
  return { ...result, ...changed };
}
