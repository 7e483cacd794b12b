/**
 * Environment parsing shared by the runtimes in this workspace (core/api/cli and the devnet): one
 * zod schema per runtime, read in its env module, and one way to report what is wrong. The
 * reference miner keeps its own copy: it is built alone (apps/miner/docker) and imports nothing
 * from the workspace.
 */
import type { z } from 'zod';

export interface EnvIssue {
  /** The variable, e.g. `PORT`. */
  path: string;
  message: string;
}

/** Names every bad variable, one a line, so an operator can fix them all at once. */
export class EnvError extends Error {
  constructor(
    readonly issues: EnvIssue[],
    subject = 'configuration',
  ) {
    super(`Invalid ${subject}:\n${issues.map((i) => `  ${i.path}: ${i.message}`).join('\n')}`);
    this.name = 'EnvError';
  }
}

/**
 * Validates an environment map against `schema`; an empty variable means "not set", as in .env
 * files and `docker run -e X=`. Throws an EnvError naming each bad variable.
 */
export function parseEnv<S extends z.ZodType>(
  schema: S,
  env: Record<string, string | undefined>,
  subject?: string,
): z.output<S> {
  const present = Object.fromEntries(
    Object.entries(env).filter(([, v]) => v !== undefined && v.trim() !== ''),
  );
  const result = schema.safeParse(present);
  if (!result.success) {
    throw new EnvError(
      result.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })),
      subject,
    );
  }
  return result.data;
}

/** For a binary's entry: runs `load`; on an EnvError prints the problems and exits 2 (a usage error, not a crash). */
export function exitOnEnvError<T>(load: () => T): T {
  try {
    return load();
  } catch (error) {
    if (!(error instanceof EnvError)) throw error;
    process.stderr.write(`${error.message}\n`);
    process.exit(2);
  }
}
