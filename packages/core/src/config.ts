import { availableParallelism } from 'node:os';
import { parseEnv } from '@tensornode/env';
import { z } from 'zod';

const optionalString = z
  .string()
  .trim()
  .transform((v) => (v === '' ? undefined : v))
  .optional();
const port = z.coerce.number().int().min(0).max(65535);
const positiveInt = z.coerce.number().int().positive();
const hederaAccount = z.string().regex(/^\d+\.\d+\.\d+$/, 'expected an entity id like 0.0.1234');

/**
 * Every setting TensorNode reads, with its default. `.env.example` lists the same variables; a test
 * keeps the two in step.
 */
export const configSchema = z
  .object({
    HOST: z.string().default('127.0.0.1'),
    PORT: port.default(8000),
    DATA_DIR: z.string().default('./data'),
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    LOG_FILE: optionalString,
    TENSORNODE_ADMIN_TOKEN: optionalString.pipe(
      z.string().min(20, 'must be at least 20 characters').optional(),
    ),
    WEB_PORT: port.default(3001),

    VM_PROVIDER: z.enum(['local', 'fluence']).optional(),
    FLUENCE_API_KEY: optionalString,
    FLUENCE_API_URL: z.url().default('https://api.fluence.dev'),
    SSH_KEY_PATH: optionalString,
    SSH_USERNAME: z.string().default('ubuntu'),
    SSH_PORT: port.default(22),
    MINER_PORT: port.default(3000),
    MINER_PATH: z.string().startsWith('/').default('/api/chat'),
    VM_CACHE_TTL_MS: z.coerce.number().int().min(0).default(15_000),
    HEALTH_CHECK_INTERVAL_MS: positiveInt.default(60_000),

    VALIDATION_TIMEOUT_MS: positiveInt.default(30_000),
    VALIDATION_CONCURRENCY: positiveInt.default(1024),
    /** Worker threads for rounds of 4,000+ miners; unset: one per CPU (at most 4), none on one CPU. */
    VALIDATION_THREADS: z.coerce.number().int().min(0).max(64).optional(),
    MINER_MAX_RESPONSE_BYTES: positiveInt.default(64 * 1024),
    SCORE_EMA_ALPHA: z.coerce.number().gt(0).max(1).default(0.1),

    OPENAI_API_KEY: optionalString,
    OPENAI_BASE_URL: z.url().default('https://api.openai.com/v1'),
    SCORER_MODEL: z.string().default('gpt-4o-mini'),
    SCORER_CONCURRENCY: positiveInt.default(8),

    HEDERA_NETWORK: z.enum(['testnet', 'mainnet', 'previewnet', 'devnet']).optional(),
    HEDERA_OPERATOR_ID: optionalString.pipe(hederaAccount.optional()),
    HEDERA_OPERATOR_KEY: optionalString,
    /** `host:port=0.0.3,host:port=0.0.4` — a custom network's consensus nodes. */
    HEDERA_NODES: optionalString,
    HEDERA_MIRROR_URL: optionalString.pipe(z.url().optional()),
    MASTER_SCORE_TOPIC: optionalString.pipe(hederaAccount.optional()),
    REWARD_TOKEN_ID: optionalString.pipe(hederaAccount.optional()),
    REWARD_DAILY_EMISSION: z.coerce.bigint().positive().default(1_000_000_000n),
    DEVNET_PORT: port.default(0),
    DEVNET_MIRROR_PORT: port.default(0),

    GITHUB_TOKEN: optionalString,
    REDIS_URL: optionalString.pipe(z.url().optional()),
  })
  .transform((c) => ({
    ...c,
    VM_PROVIDER: c.VM_PROVIDER ?? (c.FLUENCE_API_KEY ? 'fluence' : 'local'),
    HEDERA_NETWORK: c.HEDERA_NETWORK ?? (c.HEDERA_OPERATOR_ID ? 'testnet' : 'devnet'),
    VALIDATION_THREADS: c.VALIDATION_THREADS ?? defaultValidationThreads(),
  }))
  .superRefine((c, ctx) => {
    if (c.VM_PROVIDER === 'fluence' && !c.FLUENCE_API_KEY) {
      ctx.addIssue({
        code: 'custom',
        path: ['FLUENCE_API_KEY'],
        message: 'required when VM_PROVIDER=fluence',
      });
    }
    if (Boolean(c.HEDERA_OPERATOR_ID) !== Boolean(c.HEDERA_OPERATOR_KEY)) {
      ctx.addIssue({
        code: 'custom',
        path: ['HEDERA_OPERATOR_KEY'],
        message: 'HEDERA_OPERATOR_ID and HEDERA_OPERATOR_KEY are set together',
      });
    }
  });

export type Config = z.output<typeof configSchema>;

/**
 * A large round's fan-out is CPU-bound (a fresh connection per miner), so it is spread over the
 * cores; with one core a worker thread would only add messages.
 */
function defaultValidationThreads(): number {
  const cores = availableParallelism();
  return cores > 1 ? Math.min(4, cores) : 0;
}

/** Names whose values are secrets: never logged, never echoed back. */
export const SECRET_CONFIG_KEYS = [
  'TENSORNODE_ADMIN_TOKEN',
  'FLUENCE_API_KEY',
  'OPENAI_API_KEY',
  'HEDERA_OPERATOR_KEY',
  'GITHUB_TOKEN',
] as const satisfies readonly (keyof Config)[];

/** A bad setting: the shared env error, one line per variable (`Invalid configuration:`). */
export { EnvError as ConfigError } from '@tensornode/env';

/** Validates an environment map (never `process.env` directly: callers pass it in). */
export function parseConfig(env: Record<string, string | undefined>): Config {
  return parseEnv(configSchema, env);
}

/** The secret values present in a config, for log redaction. */
export function secretValues(config: Config): string[] {
  return SECRET_CONFIG_KEYS.map((k) => config[k]).filter(
    (v): v is string => typeof v === 'string' && v.length >= 6,
  );
}
