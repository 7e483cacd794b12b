import { z } from 'zod';
import type { Logger } from '../context.ts';
import { ConflictError, InvalidInputError } from '../errors.ts';
import type { Vm, VmProvider } from '../vms/provider.ts';
import type { ExecResult, SshExecutor } from './executor.ts';
import { validateInput } from './validate-input.ts';

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
export const execOnVmInput = z.object({
  vmId: z.string().min(1).max(200),
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

/** The VM's address for SSH and HTTP; the id is checked against the provider's format first. */
export async function resolveVmHost(provider: VmProvider, vmId: string): Promise<{ vm: Vm; host: string }> {
  if (!provider.isValidVmId(vmId)) {
    throw new InvalidInputError('vmId', `not a valid ${provider.name} VM id`);
  }
  const vm = await provider.get(vmId);
  if (!vm.publicIp) {
    throw new ConflictError(`VM ${vmId} has no public IP yet (status ${vm.status})`);
  }
  return { vm, host: vm.publicIp };
}

export async function execOnVm(
  ctx: SshContext,
  input: ExecOnVmInput,
): Promise<ExecResult & { vmId: string }> {
  const { vmId, command, timeoutMs, maxOutputBytes } = validateInput(execOnVmInput, input);
  const { host } = await resolveVmHost(ctx.provider, vmId);
  ctx.log?.info({ vmId, commandBytes: Buffer.byteLength(command) }, 'vms.exec');
  const result = await ctx.ssh.exec(host, command, { timeoutMs, maxOutputBytes });
  return { vmId, ...result };
}
