import type { SshContext } from '../ssh/exec-on-vm.ts';
import type { ExecResult, SshTarget } from '../ssh/executor.ts';
import { redactSecrets } from '../ssh/shell-quote.ts';
import type { BuiltCommand } from './commands.ts';

export interface DockerContext extends SshContext {
  /** GITHUB_TOKEN from configuration, handed to builds as a BuildKit secret. */
  githubToken?: string;
}

/** Docker's output is returned to the caller, so it is capped and cleaned of every secret. */
export const DOCKER_MAX_OUTPUT_BYTES = 256 * 1024;

export async function runBuiltCommand(
  ctx: DockerContext,
  target: SshTarget,
  built: BuiltCommand,
  timeoutMs: number,
): Promise<ExecResult> {
  const result = await ctx.ssh.exec(target, built.command, {
    timeoutMs,
    maxOutputBytes: DOCKER_MAX_OUTPUT_BYTES,
    ...(built.stdin === undefined ? {} : { stdin: built.stdin }),
  });
  return {
    ...result,
    stdout: redactSecrets(result.stdout, built.secrets),
    stderr: redactSecrets(result.stderr, built.secrets),
  };
}
