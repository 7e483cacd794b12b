import type { z } from 'zod';
import { resolveSshTarget } from '../ssh/exec-on-vm.ts';
import type { ExecResult } from '../ssh/executor.ts';
import { validateInput } from '../validate-input.ts';
import { buildDeployFromUrlCommand } from './commands.ts';
import { type DockerContext, githubTokenFor, runBuiltCommand } from './run-built-command.ts';
import { deployFromUrlInput } from './schemas.ts';

export interface ContainerDeployResult extends ExecResult {
  vmId: string;
  image: string;
  container: string;
  port: number;
}

/** `docker.deployFromUrl`: fetch a Dockerfile on the VM, build it, run the container. */
export async function deployFromUrl(
  ctx: DockerContext,
  input: z.input<typeof deployFromUrlInput>,
): Promise<ContainerDeployResult> {
  const { vmId: given, timeoutMs, withGithubToken, ...rest } = validateInput(deployFromUrlInput, input);
  const { target } = await resolveSshTarget(ctx.provider, given);
  const vmId = target.vmId;
  const githubToken = githubTokenFor(ctx, { dockerfileUrl: rest.dockerfileUrl, withGithubToken });
  const built = buildDeployFromUrlCommand({ ...rest, githubToken });
  ctx.log?.info(
    {
      vmId,
      image: rest.image,
      container: rest.container,
      port: rest.port,
      githubToken: githubToken !== undefined,
    },
    'docker.deployFromUrl',
  );
  const result = await runBuiltCommand(ctx, target, built, timeoutMs);
  return { vmId, image: rest.image, container: rest.container, port: rest.port, ...result };
}
