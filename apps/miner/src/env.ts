/** The miner's configuration, read from the environment once and validated. */
import { z } from 'zod';

// `docker run -e X=` and compose files often set a variable to ''; treat that as unset.
const optional = <T extends z.ZodType>(schema: T) =>
  z.preprocess((value) => (value === '' ? undefined : value), schema.optional());

const minerEnvSchema = z.object({
  HOST: optional(z.string()).transform((value) => value ?? '0.0.0.0'),
  PORT: optional(z.coerce.number().int().min(0).max(65_535)).transform((value) => value ?? 3000),
  LOG_LEVEL: optional(z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])).transform(
    (value) => value ?? 'info',
  ),
  MINER_MODEL_NAME: optional(z.string().min(1)).transform((value) => value ?? 'tensornode-reference-solver'),
  MINER_UPSTREAM_URL: optional(
    z.url({ protocol: /^https?$/, error: 'must be an http(s) URL such as http://127.0.0.1:11434/v1' }),
  ),
  MINER_UPSTREAM_MODEL: optional(z.string().min(1)),
  MINER_UPSTREAM_API_KEY: optional(z.string().min(1)),
  MINER_UPSTREAM_TIMEOUT_MS: optional(z.coerce.number().int().min(100).max(600_000)).transform(
    (value) => value ?? 60_000,
  ),
  /** The validator's ed25519 public key (hex or PEM, GET /v1/validator-key): chat requests must be signed. */
  VALIDATOR_PUBLIC_KEY: optional(z.string().min(1)),
  /** This miner's VM id: with VALIDATOR_PUBLIC_KEY, requests signed for another VM are refused too. */
  MINER_VM_ID: optional(z.string().min(1)),
  // Set by the local VM provider, which spawns miners with piped stdio: exit when the parent goes.
  MINER_EXIT_WITH_PARENT: optional(z.enum(['0', '1', 'true', 'false'])).transform(
    (value) => value === '1' || value === 'true',
  ),
});

export type MinerEnv = z.infer<typeof minerEnvSchema>;

export class MinerEnvError extends Error {}

export function loadMinerEnv(source: Record<string, string | undefined> = process.env): MinerEnv {
  const parsed = minerEnvSchema.safeParse(source);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
    throw new MinerEnvError(`invalid miner environment: ${problems.join('; ')}`);
  }
  return parsed.data;
}
