import type { SshContext } from '../ssh/exec-on-vm.ts';
import type { ExecResult, SshTarget } from '../ssh/executor.ts';
import { redactSecrets } from '../ssh/shell-quote.ts';
import type { BuiltCommand } from './commands.ts';

export interface DockerContext extends SshContext {
  /** GITHUB_TOKEN from configuration, handed as a BuildKit secret to the builds `githubTokenFor` allows. */
  githubToken?: string;
  /** GITHUB_TOKEN_URL_PREFIXES: Dockerfile URLs whose builds get the token. */
  githubTokenUrlPrefixes?: readonly string[];
}

/**
 * The token for this build, or undefined. Whoever writes the Dockerfile can send the token away
 * (`RUN --mount=type=secret… curl`), so it goes only to Dockerfiles from an admin-approved URL
 * prefix, or to a build an admin asked for it (`withGithubToken`; the API checks the role).
 */
export function githubTokenFor(
  ctx: DockerContext,
  build: { dockerfileUrl?: string; withGithubToken: boolean },
): string | undefined {
  if (!ctx.githubToken) return undefined;
  if (build.withGithubToken) return ctx.githubToken;
  const url = build.dockerfileUrl;
  const allowed =
    url !== undefined && (ctx.githubTokenUrlPrefixes ?? []).some((prefix) => url.startsWith(prefix));
  return allowed ? ctx.githubToken : undefined;
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
