import { createDeploymentRepository, type Deployment } from '@tensornode/db';
import type { Vm } from '../vms/provider.ts';
import type { DeploymentContext } from './context.ts';
import { canonicalVmId } from './vm-ids.ts';

/** A provider VM with its deployment record (and the record's last health check), when it has one. */
export interface VmWithDeployment extends Vm {
  deployment: Deployment | null;
}

function merge(vms: Vm[], records: Deployment[]): VmWithDeployment[] {
  const byId = new Map(records.map((r) => [r.vmId, r]));
  return vms.map((vm) => ({ ...vm, deployment: byId.get(vm.id) ?? null }));
}

/** The seed's augmented list: what the provider lists, merged with what we recorded. */
export async function listVmsWithDeployments(ctx: DeploymentContext): Promise<VmWithDeployment[]> {
  const vms = await ctx.vmCache.list();
  return merge(vms, createDeploymentRepository(ctx.db).list({ provider: ctx.provider.name }));
}

/** One VM, fresh from the provider (progress displays poll this). */
export async function getVmWithDeployment(
  ctx: DeploymentContext,
  input: { vmId: string },
): Promise<VmWithDeployment> {
  const vm = await ctx.provider.get(canonicalVmId(ctx.provider, input.vmId));
  return { ...vm, deployment: createDeploymentRepository(ctx.db).findById(vm.id) ?? null };
}
