import { z } from 'zod';
import type { Logger } from '../context.ts';
import { vmIdSchema } from '../deployments/schemas.ts';
import { canonicalVmId } from '../deployments/vm-ids.ts';
import { ConflictError, InvalidInputError } from '../errors.ts';
import { validateInput } from '../validate-input.ts';
import type { Vm, VmProvider } from '../vms/provider.ts';
import type { ExecResult, SshExecutor, SshTarget } from './executor.ts';

export interface SshContext {
  provider: VmProvider;
  ssh: SshExecutor;
  log?: Logger;
}

export const DEFAULT_EXEC_TIMEOUT_MS = 60_000;
export const DEFAULT_MAX_OUTPUT_BYTES = 64 * 1024;

/**
 * `vms.exec` input. The command runs verbatim in the VM user's shell: that is the point of an
 * admin-only exec. It is passed as one whole string and never combined with other values; any
 * command we compose ourselves goes through the docker/ builders, which quote every value.
 */
export const execOnVmInput = z.strictObject({
  vmId: vmIdSchema,
  command: z
    .string()
    .min(1)
    .max(64 * 1024)
    .refine((c) => !c.includes('\0'), 'must not contain NUL bytes'),
  timeoutMs: z
    .number()
    .int()
    .min(100)
    .max(30 * 60_000)
    .default(DEFAULT_EXEC_TIMEOUT_MS),
  maxOutputBytes: z
    .number()
    .int()
    .min(1)
    .max(16 * 1024 * 1024)
    .default(DEFAULT_MAX_OUTPUT_BYTES),
});
export type ExecOnVmInput = z.input<typeof execOnVmInput>;

/**
 * The VM's address for SSH and HTTP; the id is checked against the provider's format first and
 * brought to its canonical spelling. `target` is what the SSH executor takes (the id keys the
 * pinned host key).
 */
export async function resolveVmHost(
  provider: VmProvider,
  givenVmId: string,
): Promise<{ vm: Vm; host: string; target: SshTarget & { vmId: string } }> {
  const vmId = canonicalVmId(provider, givenVmId);
  const vm = await provider.get(vmId);
  if (!vm.publicIp) {
    throw new ConflictError(`VM ${vmId} has no public IP yet (status ${vm.status})`);
  }
  return { vm, host: vm.publicIp, target: { host: vm.publicIp, vmId: vm.id } };
}

/**
 * `resolveVmHost` for SSH (exec, docker, uploads). A local VM is a process on this host, so its
 * address is ours: SSH to it would reach this host's own sshd. It is refused.
 */
export async function resolveSshTarget(
  provider: VmProvider,
  givenVmId: string,
): Promise<{ vm: Vm; host: string; target: SshTarget & { vmId: string } }> {
  if (provider.name === 'local') {
    throw new InvalidInputError(
      'vmId',
      'local VMs are processes on the API host and have no SSH (exec, docker and uploads need a provider VM)',
    );
  }
  return resolveVmHost(provider, givenVmId);
}

export async function execOnVm(
  ctx: SshContext,
  input: ExecOnVmInput,
): Promise<ExecResult & { vmId: string }> {
  const { command, timeoutMs, maxOutputBytes, ...rest } = validateInput(execOnVmInput, input);
  const { target } = await resolveSshTarget(ctx.provider, rest.vmId);
  ctx.log?.info({ vmId: target.vmId, commandBytes: Buffer.byteLength(command) }, 'vms.exec');
  const result = await ctx.ssh.exec(target, command, { timeoutMs, maxOutputBytes });
  return { vmId: target.vmId, ...result };
}
