import { ForbiddenError, roleAtLeast } from '@tensornode/core';
import {
  containerHealth,
  containerHealthInput,
  type DockerContext,
  deployFromUrl,
  deployFromUrlInput,
  stopContainer,
  stopContainerInput,
} from '@tensornode/core/docker';
import type { Role } from '@tensornode/db';
import type { TRPCRouterRecord } from '@trpc/server';
import { z } from 'zod';
import type { Context } from '../trpc.ts';
import { operatorProcedure, viewerProcedure } from '../trpc.ts';

export function dockerContext(ctx: Pick<Context, 'services' | 'log'>): DockerContext {
  const { services } = ctx;
  return {
    provider: services.vmProvider,
    ssh: services.ssh,
    log: ctx.log,
    ...(services.config.GITHUB_TOKEN ? { githubToken: services.config.GITHUB_TOKEN } : {}),
    githubTokenUrlPrefixes: services.config.GITHUB_TOKEN_URL_PREFIXES,
  };
}

/** `withGithubToken` hands the token to a Dockerfile of the caller's choosing: an admin's call. */
export function assertMayRequestGithubToken(role: Role, withGithubToken: unknown): void {
  if ((withGithubToken === true || withGithubToken === 'true') && !roleAtLeast(role, 'admin')) {
    throw new ForbiddenError(
      `withGithubToken: only an admin may give a build GITHUB_TOKEN; your token has ${role} (builds from GITHUB_TOKEN_URL_PREFIXES get it anyway)`,
    );
  }
}

export const containerRunResult = z.object({
  vmId: z.string(),
  image: z.string(),
  container: z.string(),
  port: z.number(),
  exitCode: z.number().nullable(),
  /** Docker's stdout and stderr, capped and cleaned of secrets. */
  output: z.string(),
  stdout: z.string(),
  stderr: z.string(),
  durationMs: z.number(),
  timedOut: z.boolean(),
  truncated: z.boolean(),
});

export function toContainerRunResult(result: {
  vmId: string;
  image: string;
  container: string;
  port: number;
  exitCode: number | null;
  stdout: string;
  stderr: string;
  durationMs: number;
  timedOut: boolean;
  truncated: boolean;
}): z.infer<typeof containerRunResult> {
  const { vmId, image, container, port, exitCode, stdout, stderr, durationMs, timedOut, truncated } = result;
  const output = [stdout, stderr].filter((s) => s.length > 0).join('\n');
  return { vmId, image, container, port, exitCode, output, stdout, stderr, durationMs, timedOut, truncated };
}

export const dockerRouter = {
  deployFromUrl: operatorProcedure
    .input(deployFromUrlInput)
    .output(containerRunResult)
    .mutation(async ({ ctx, input }) => {
      assertMayRequestGithubToken(ctx.caller.role, input.withGithubToken);
      return toContainerRunResult(await deployFromUrl(dockerContext(ctx), input));
    }),

  stop: operatorProcedure
    .input(stopContainerInput)
    .output(
      z.object({
        vmId: z.string(),
        container: z.string(),
        exitCode: z.number().nullable(),
        stdout: z.string(),
        stderr: z.string(),
        durationMs: z.number(),
      }),
    )
    .mutation(async ({ ctx, input }) => {
      const { vmId, container, exitCode, stdout, stderr, durationMs } = await stopContainer(
        dockerContext(ctx),
        input,
      );
      return { vmId, container, exitCode, stdout, stderr, durationMs };
    }),

  /** Viewers learn healthy/status/error only; the answer's body goes to operators and admins. */
  health: viewerProcedure
    .input(containerHealthInput)
    .output(
      z.object({
        vmId: z.string(),
        url: z.string(),
        healthy: z.boolean(),
        status: z.number().optional(),
        body: z.string().optional(),
        error: z.string().optional(),
      }),
    )
    .query(({ ctx, input }) =>
      containerHealth({ provider: ctx.services.vmProvider }, input, {
        includeBody: roleAtLeast(ctx.caller.role, 'operator'),
      }),
    ),
} satisfies TRPCRouterRecord;
