import { z } from 'zod';
import { shellQuote } from '../ssh/shell-quote.ts';
import { validateInput } from '../validate-input.ts';
import { deployFromUploadInput, deployFromUrlInput, stopContainerInput } from './schemas.ts';

/**
 * A shell script for a VM plus what must travel beside it. Secrets never appear in `command`:
 * they go on `stdin` and are listed in `secrets` so callers can redact them from any output.
 */
export interface BuiltCommand {
  command: string;
  stdin?: string;
  secrets: string[];
}

/**
 * Tagged template for one shell line: the literal parts are ours, every interpolated value is
 * shell-quoted. `sh\`cd -- ${dir}\`` can therefore never turn a value into syntax.
 */
export function sh(strings: TemplateStringsArray, ...values: (string | number)[]): string {
  return strings.reduce((line, part, i) => {
    const value = values[i - 1];
    return `${line}${shellQuote(String(value))}${part}`;
  });
}

const githubToken = z
  .string()
  .min(1)
  .max(1024)
  .refine((t) => !/[\u0000-\u001f\u007f]/.test(t), 'must be a single line without control characters');

const urlBuildInput = deployFromUrlInput
  .omit({ vmId: true, timeoutMs: true, withGithubToken: true })
  .extend({ githubToken: githubToken.optional() });
const uploadBuildInput = deployFromUploadInput
  .omit({ vmId: true, timeoutMs: true, dockerfilePath: true, withGithubToken: true })
  .extend({ githubToken: githubToken.optional() });
const stopInput = stopContainerInput.omit({ vmId: true });

export type DeployFromUrlCommandInput = z.input<typeof urlBuildInput>;
export type DeployFromUploadCommandInput = z.input<typeof uploadBuildInput>;
export type StopCommandInput = z.input<typeof stopInput>;

/** Downloads the Dockerfile into `workdir` (under the SSH user's home), builds it, (re)starts the container. */
export function buildDeployFromUrlCommand(input: DeployFromUrlCommandInput): BuiltCommand {
  const { dockerfileUrl, workdir, image, container, port, githubToken } = validateInput(urlBuildInput, input);
  return script(
    [
      ...readTokenLines(githubToken),
      sh`mkdir -p -- ${workdir}`,
      sh`cd -- ${workdir}`,
      sh`curl -fsSL --proto =http,https --proto-redir =http,https --max-redirs 5 -o Dockerfile ${dockerfileUrl}`,
      ...buildAndRunLines({ image, container, port, withToken: githubToken !== undefined }),
    ],
    githubToken,
  );
}

/** Builds the Dockerfile already uploaded to `workdir/Dockerfile` and (re)starts the container. */
export function buildDeployFromUploadCommand(input: DeployFromUploadCommandInput): BuiltCommand {
  const { workdir, image, container, port, githubToken } = validateInput(uploadBuildInput, input);
  return script(
    [
      ...readTokenLines(githubToken),
      sh`cd -- ${workdir}`,
      ...buildAndRunLines({ image, container, port, withToken: githubToken !== undefined }),
    ],
    githubToken,
  );
}

/** Stops and removes the container; a missing container makes it fail with Docker's message. */
export function buildStopCommand(input: StopCommandInput): BuiltCommand {
  const { container } = validateInput(stopInput, input);
  return script([sh`sudo docker stop ${container}`, sh`sudo docker rm ${container}`]);
}

function script(lines: string[], token?: string): BuiltCommand {
  const command = ['set -e', ...lines].join('\n');
  return token === undefined ? { command, secrets: [] } : { command, stdin: `${token}\n`, secrets: [token] };
}

/** The token arrives on stdin, so it is in neither the command line nor any process's argv. */
function readTokenLines(token: string | undefined): string[] {
  return token === undefined ? [] : ['IFS= read -r GITHUB_TOKEN', 'export GITHUB_TOKEN'];
}

function buildAndRunLines(o: {
  image: string;
  container: string;
  port: number;
  withToken: boolean;
}): string[] {
  const build = o.withToken
    ? // A BuildKit secret: the Dockerfile reads it with RUN --mount=type=secret,id=github_token; it stays out of layers and history.
      sh`sudo --preserve-env=GITHUB_TOKEN docker build --secret id=github_token,env=GITHUB_TOKEN -t ${o.image} .`
    : sh`sudo docker build -t ${o.image} .`;
  return [
    build,
    sh`sudo docker rm -f ${o.container} >/dev/null 2>&1 || true`,
    sh`sudo docker run -d --restart unless-stopped --name ${o.container} -p ${`${o.port}:${o.port}`} ${o.image}`,
  ];
}
