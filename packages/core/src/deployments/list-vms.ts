import { createDeploymentRepository, type Deployment } from '@tensornode/db';
import { type MinerSybilGroup, sybilGroupByMiner, sybilGroups } from '../audit/flags.ts';
import type { Vm } from '../vms/provider.ts';
import type { DeploymentContext } from './context.ts';
import { canonicalVmId } from './vm-ids.ts';

/** A provider VM with its deployment record (and the record's last health check), when it has one. */
export interface VmWithDeployment extends Vm {
  deployment: Deployment | null;
  /** The Sybil group of the VM's miner (miners sharing its wallet), or null. */
  sybilGroup: MinerSybilGroup | null;
}

function merge(ctx: DeploymentContext, vms: Vm[], records: Deployment[]): VmWithDeployment[] {
  const byId = new Map(records.map((r) => [r.vmId, r]));
  const sybil = sybilGroupByMiner(sybilGroups(ctx));
  return vms.map((vm) => {
    const deployment = byId.get(vm.id) ?? null;
    const miner = deployment?.minerAddress;
    return { ...vm, deployment, sybilGroup: (miner && sybil.get(miner)) || null };
  });
}

/** The seed's augmented list: what the provider lists, merged with what we recorded. */
export async function listVmsWithDeployments(ctx: DeploymentContext): Promise<VmWithDeployment[]> {
  const vms = await ctx.vmCache.list();
  return merge(ctx, vms, createDeploymentRepository(ctx.db).list({ provider: ctx.provider.name }));
}

/** One VM, fresh from the provider (progress displays poll this). */
export async function getVmWithDeployment(
  ctx: DeploymentContext,
  input: { vmId: string },
): Promise<VmWithDeployment> {
  const vm = await ctx.provider.get(canonicalVmId(ctx.provider, input.vmId));
  const deployment = createDeploymentRepository(ctx.db).findById(vm.id);
  return merge(ctx, [vm], deployment ? [deployment] : [])[0]!;
}
