import type { z } from 'zod';
import { resolveSshTarget } from '../ssh/exec-on-vm.ts';
import type { ExecResult } from '../ssh/executor.ts';
import { validateInput } from '../validate-input.ts';
import { buildStopCommand } from './commands.ts';
import { type DockerContext, runBuiltCommand } from './run-built-command.ts';
import { stopContainerInput } from './schemas.ts';

const STOP_TIMEOUT_MS = 60_000;

/** `docker.stop`: stop and remove the container. A non-zero exitCode carries Docker's reason in stderr. */
export async function stopContainer(
  ctx: DockerContext,
  input: z.input<typeof stopContainerInput>,
): Promise<ExecResult & { vmId: string; container: string }> {
  const { vmId: given, container } = validateInput(stopContainerInput, input);
  const { target } = await resolveSshTarget(ctx.provider, given);
  const vmId = target.vmId;
  ctx.log?.info({ vmId, container }, 'docker.stop');
  const result = await runBuiltCommand(ctx, target, buildStopCommand({ container }), STOP_TIMEOUT_MS);
  return { vmId, container, ...result };
}
