import type { z } from 'zod';
import { resolveSshTarget } from '../ssh/exec-on-vm.ts';
import { confinedDestination } from '../ssh/upload-file.ts';
import { validateInput } from '../validate-input.ts';
import { buildDeployFromUploadCommand } from './commands.ts';
import type { ContainerDeployResult } from './deploy-from-url.ts';
import { type DockerContext, githubTokenFor, runBuiltCommand } from './run-built-command.ts';
import { deployFromUploadInput } from './schemas.ts';

/** `POST /v1/vms/:vmId/docker`: upload a Dockerfile to `workdir/Dockerfile`, build it, run the container. */
export async function deployFromUpload(
  ctx: DockerContext,
  input: z.input<typeof deployFromUploadInput>,
): Promise<ContainerDeployResult> {
  const {
    vmId: given,
    dockerfilePath,
    timeoutMs,
    withGithubToken,
    ...rest
  } = validateInput(deployFromUploadInput, input);
  const { target } = await resolveSshTarget(ctx.provider, given);
  const vmId = target.vmId;
  // An uploaded Dockerfile has no URL to approve: the token goes only where an admin asks for it.
  const githubToken = githubTokenFor(ctx, { withGithubToken });
  const built = buildDeployFromUploadCommand({ ...rest, githubToken });
  ctx.log?.info(
    {
      vmId,
      image: rest.image,
      container: rest.container,
      port: rest.port,
      githubToken: githubToken !== undefined,
    },
    'docker.deployFromUpload',
  );
  // The workdir is relative, but a symlink on the VM could still lead the Dockerfile out of the home.
  const destination = await confinedDestination(ctx.ssh, target, [...rest.workdir.split('/'), 'Dockerfile'], {
    within: null,
    field: 'workdir',
  });
  await ctx.ssh.upload(target, dockerfilePath, destination);
  const result = await runBuiltCommand(ctx, target, built, timeoutMs);
  return { vmId, image: rest.image, container: rest.container, port: rest.port, ...result };
}
