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
    /** Requests per client (token, else address): the seed's 1000/hour, 100/minute, 10/minute on deploys. */
    RATE_LIMIT_PER_HOUR: positiveInt.default(1000),
    RATE_LIMIT_PER_MINUTE: positiveInt.default(100),
    RATE_LIMIT_DEPLOY_PER_MINUTE: positiveInt.default(10),
    /** Fastify's trustProxy: false, true, a hop count, or proxy addresses/CIDRs, comma-separated. */
    TRUST_PROXY: z
      .string()
      .trim()
      .default('false')
      .transform((v): boolean | number | string =>
        v === 'true' ? true : v === 'false' ? false : /^\d+$/.test(v) ? Number(v) : v,
      ),

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
    /** Round progress streams (`validation.onProgress`) one API token may hold open at once. */
    PROGRESS_STREAMS_PER_TOKEN: positiveInt.default(5),
    /** Events a progress stream may fall behind by before it is dropped (it resumes by event id). */
    PROGRESS_SUBSCRIBER_BUFFER: positiveInt.default(500),
    SCORE_EMA_ALPHA: z.coerce.number().gt(0).max(1).default(0.1),
    /** A bank question is not asked again within this many picks. */
    BANK_REPEAT_WINDOW: z.coerce.number().int().min(0).default(100),
    /** The schedule's interval on a database's first start; 0 creates it switched off. */
    SCHEDULE_INTERVAL_SECONDS: z.coerce.number().int().min(0).default(60),

    OPENAI_API_KEY: optionalString,
    OPENAI_BASE_URL: z.url().default('https://api.openai.com/v1'),
    SCORER_MODEL: z.string().default('gpt-4o-mini'),
    SCORER_CONCURRENCY: positiveInt.default(8),
    /** Of those, the most `scoring.evaluate` calls may hold; rounds are served first. */
    SCORER_EVALUATE_CONCURRENCY: positiveInt.default(1),

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

    /** Local miners deployed on a first start on embedded defaults (0: none); never on Fluence or Hedera. */
    DEMO_MINERS: z.coerce.number().int().min(0).max(16).default(3),

    GITHUB_TOKEN: optionalString,
    /** Dockerfile URL prefixes whose builds receive GITHUB_TOKEN (comma-separated); none = no build. */
    GITHUB_TOKEN_URL_PREFIXES: z
      .string()
      .default('')
      .transform((value, ctx) => {
        const prefixes = value
          .split(',')
          .map((p) => p.trim())
          .filter((p) => p !== '');
        for (const prefix of prefixes) {
          const href = URL.canParse(prefix) ? new URL(prefix).href : '';
          // A prefix ending in a path segment ("…/org") would also admit "…/org-evil".
          if (!href.startsWith('https://') || !href.endsWith('/') || href !== prefix) {
            ctx.addIssue({
              code: 'custom',
              message: `each prefix must be a normalised https URL ending in "/" (got ${JSON.stringify(prefix)})`,
            });
            return z.NEVER;
          }
        }
        return prefixes;
      }),
    REDIS_URL: optionalString.pipe(z.url().optional()),

    /** Dashboard sessions: idle minutes before one lapses (each use slides it), and its longest life. */
    SESSION_IDLE_MINUTES: positiveInt.default(720),
    SESSION_MAX_HOURS: positiveInt.default(168),
    /** When set, `GET /metrics` needs `Authorization: Bearer <METRICS_TOKEN>`. */
    METRICS_TOKEN: optionalString.pipe(z.string().min(16, 'must be at least 16 characters').optional()),
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
  'REDIS_URL',
  'METRICS_TOKEN',
] as const satisfies readonly (keyof Config)[];

/** A bad setting: the shared env error, one line per variable (`Invalid configuration:`). */
export { EnvError as ConfigError } from '@tensornode/env';

/** Validates an environment map (never `process.env` directly: callers pass it in). */
export function parseConfig(env: Record<string, string | undefined>): Config {
  return parseEnv(configSchema, env);
}

/** The secret values present in a config, for log redaction. */
export function secretValues(config: Config): string[] {
  const values: (string | undefined)[] = SECRET_CONFIG_KEYS.map((k) => config[k]);
  // A Redis URL's password can show up on its own (client errors, a pasted DSN).
  if (config.REDIS_URL) values.push(redisPassword(config.REDIS_URL));
  return values.filter((v): v is string => typeof v === 'string' && v.length >= 6);
}

function redisPassword(url: string): string | undefined {
  try {
    return decodeURIComponent(new URL(url).password) || undefined;
  } catch {
    return undefined;
  }
}

/** The configuration as it may be shown (logs, diagnostics): every secret value replaced. */
export function redactedConfig(config: Config): Record<string, unknown> {
  const secret = new Set<string>(SECRET_CONFIG_KEYS);
  return Object.fromEntries(
    Object.entries(config).map(([key, value]) => [
      key,
      secret.has(key) && value !== undefined
        ? '[REDACTED]'
        : typeof value === 'bigint'
          ? String(value)
          : value,
    ]),
  );
}
