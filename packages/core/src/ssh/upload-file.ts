import { z } from 'zod';
import { vmIdSchema } from '../deployments/schemas.ts';
import { InvalidInputError, UpstreamError } from '../errors.ts';
import { validateInput } from '../validate-input.ts';
import { resolveSshTarget, type SshContext } from './exec-on-vm.ts';
import type { SshExecutor, SshTarget, UploadResult } from './executor.ts';
import { UPLOAD_WORKDIR, validateRemotePath, validateWorkdirPath } from './remote-path.ts';
import { shellQuote } from './shell-quote.ts';

export const uploadFileInput = z.strictObject({
  vmId: vmIdSchema,
  /** A temp file on this machine (the multipart route writes it), not a request-supplied path. */
  localPath: z.string().min(1),
  remotePath: z.string(),
  /**
   * Confined (operators): `remotePath` is relative to ~/tensornode-files and may not leave it, not
   * even through a symlink on the VM. Unconfined (admins, who may run any command anyway): any path.
   */
  confined: z.boolean(),
});
export type UploadFileInput = z.input<typeof uploadFileInput>;

/** The exit code of the check script when the path leaves the upload directory. */
const ESCAPES = 65;

/**
 * `POST /v1/vms/:vmId/files`. A confined upload first walks the path on the VM, one directory at a
 * time with `cd -P`, refusing any step whose real path is outside the upload directory and a file
 * name that is a symlink; SFTP then writes to the real path the walk printed.
 */
export async function uploadFileToVm(
  ctx: SshContext,
  input: z.input<typeof uploadFileInput>,
): Promise<UploadResult & { vmId: string }> {
  const { vmId, localPath, remotePath, confined } = validateInput(uploadFileInput, input);
  const segments = confined ? validateWorkdirPath(remotePath) : [validateRemotePath(remotePath)];
  const { target } = await resolveSshTarget(ctx.provider, vmId);
  const destination = confined ? await confinedDestination(ctx.ssh, target, segments) : remotePath;
  ctx.log?.info({ vmId: target.vmId, confined }, 'vms.upload');
  const result = await ctx.ssh.upload(target, localPath, destination);
  return { vmId: target.vmId, ...result };
}

/**
 * Where SFTP may write `segments` (directories, then a file name) on the VM without leaving `within`
 * (a directory in the SSH user's home, made if missing; the home itself when null): walks it one
 * directory at a time with `cd -P`, refusing a step whose real path is outside and a file name that
 * is a symlink. Returns the real path. Someone with a shell on the VM could still swap a directory
 * between this check and the write; operators have no such shell.
 */
export async function confinedDestination(
  ssh: SshExecutor,
  target: SshTarget,
  segments: string[],
  { within = UPLOAD_WORKDIR, field = 'remotePath' }: { within?: string | null; field?: string } = {},
): Promise<string> {
  const name = segments.at(-1)!;
  const area = within === null ? 'the home directory' : `~/${within}`;
  const refuse = (why: string) => `{ echo ${shellQuote(why)} >&2; exit ${ESCAPES}; }`;
  const enter = (dir: string, mode = '') => {
    const q = shellQuote(dir);
    return `{ [ -d ${q} ] || mkdir ${mode}-- ${q} 2>/dev/null; } && cd -P -- ${q} || ${refuse(`${dir} is not a directory`)}`;
  };
  const script = [
    'set -e',
    'cd',
    ...(within === null
      ? []
      : [`[ ! -L ${shellQuote(within)} ] || ${refuse(`${area} is a symlink`)}`, enter(within, '-m 700 ')]),
    'root=$(pwd -P)',
    ...segments
      .slice(0, -1)
      .flatMap((dir) => [
        enter(dir),
        `case "$(pwd -P)/" in "$root"/*) ;; *) ${refuse(`${dir} leads out of ${area} (a symlink)`)} ;; esac`,
      ]),
    `[ ! -L ${shellQuote(name)} ] || ${refuse(`${name} is a symlink`)}`,
    'printf "%s\\n" "$(pwd -P)"',
  ].join('\n');
  const result = await ssh.exec(target, script, { timeoutMs: 15_000, maxOutputBytes: 8 * 1024 });
  if (result.exitCode === ESCAPES) {
    throw new InvalidInputError(
      field,
      `must stay inside ${area} on the VM: ${result.stderr.trim().slice(0, 200)}`,
    );
  }
  if (result.exitCode !== 0) {
    throw new UpstreamError(
      'SSH',
      `preparing ${area} on ${target.vmId ?? target.host} failed (exit ${result.exitCode ?? 'none'}): ${result.stderr.trim().slice(0, 200)}`,
    );
  }
  const dir = result.stdout.trim();
  if (!dir.startsWith('/')) throw new UpstreamError('SSH', `the VM answered no directory for ${area}`);
  return `${dir === '/' ? '' : dir}/${name}`;
}
