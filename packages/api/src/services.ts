import { once } from 'node:events';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import {
  type AdminBootstrap,
  type Config,
  type Logger as CoreLogger,
  cachedProbe,
  ensureAdminToken,
  type HealthProbe,
} from '@tensornode/core';
import { loadOrCreateValidatorKey, type ValidatorKey } from '@tensornode/core/audit';
import { ensureStarterBank } from '@tensornode/core/bank';
import { type DemoNetworkContext, type DemoNetworkOutcome, ensureDemoNetwork } from '@tensornode/core/demo';
import {
  createDeploymentMinerDirectory,
  createVmListCache,
  type DeploymentContext,
  type VmListCache,
} from '@tensornode/core/deployments';
import { createJobRunner, type JobRunner, registerDeploymentJobs } from '@tensornode/core/jobs';
import { sshKeyPath } from '@tensornode/core/keys';
import { disabledLedgerHook, type RunningLedger, startConfiguredLedger } from '@tensornode/core/ledger';
import { registerScheduleJobs, type ScheduleContext, schedulerHealthProbe } from '@tensornode/core/schedule';
import { type Judge, judgeFromConfig } from '@tensornode/core/scoring';
import { createDeploymentHostKeyStore, createSshExecutor, type SshExecutor } from '@tensornode/core/ssh';
import {
  createFanOutPool,
  type FanOut,
  type MinerDirectory,
  type RoundLedgerHook,
} from '@tensornode/core/validation';
import { createVmProvider, type VmProvider } from '@tensornode/core/vms';
import { type Database, type DatabaseHandle, openDatabase, pingDatabase } from '@tensornode/db';
import { Redis } from 'ioredis';
import { createMetricsRelay, type MetricsRelay } from './metrics.ts';
import { createProgressHub, type ProgressHub } from './progress-hub.ts';

/**
 * Everything a request can reach, built once per process from configuration. Areas add their
 * service here (VM provider, ledger, judge…) and release it in `close`.
 */
export interface AppServices {
  config: Config;
  db: Database;
  database: DatabaseHandle;
  log: CoreLogger;
  startedAt: Date;
  adminBootstrap: AdminBootstrap;
  /** One probe per dependency; `health.check` and `GET /health` report them. */
  healthProbes: Record<string, HealthProbe>;
  vmProvider: VmProvider;
  /** SSH to VMs with the configured key and user. */
  ssh: SshExecutor;
  /** The VM listing cache every request shares; writes invalidate it. */
  vmCache: VmListCache;
  /** What the deployment verbs and background jobs take. */
  deployments: DeploymentContext;
  /** Background jobs (miner health checks, deployment clean-up). */
  jobs: JobRunner;
  /** The Hedera ledger, score topic and outbox worker; null when started with `startLedger: false`. */
  ledger: RunningLedger | null;
  /** What the round runner calls to put each round on the score topic (through the outbox). */
  ledgerHook: RoundLedgerHook;
  /** Which miners a validation round asks: active deployments, or the VMs named. */
  miners: MinerDirectory;
  /** Asks a round's miners: large rounds spread over VALIDATION_THREADS worker threads. */
  fanOut: FanOut;
  /** Signs every request to a miner (DATA_DIR/validator-key.pem); public half at GET /v1/validator-key. */
  validatorKey: ValidatorKey;
  /** The LLM judge when OPENAI_API_KEY is set; the heuristic scores otherwise. */
  judge: Judge | undefined;
  /** Round progress for `validation.onProgress` subscribers. */
  progress: ProgressHub;
  /** Shared state for several API instances (rate-limit budgets) when REDIS_URL is set. */
  redis: Redis | undefined;
  /** The demo network being made or kept (started with `demoNetwork: true`); null otherwise. */
  demoNetwork: Promise<DemoNetworkOutcome> | null;
  /** What scheduled rounds run with (the same miners, ledger, judge and progress as `validation.run`). */
  schedule: ScheduleContext;
  /** Metrics of work outside requests (schedule, epochs, outbox), reported into the server's registry. */
  metricsRelay: MetricsRelay;
  close(): Promise<void>;
}

export interface CreateServicesOptions {
  config: Config;
  log: CoreLogger;
  /** Overrides the database file (tests pass `:memory:`). */
  databasePath?: string;
  /** Start the background jobs (default true); tests that drive jobs by hand pass false. */
  startJobs?: boolean;
  /** Start the ledger (default true: Hedera when configured, else the in-process devnet). */
  startLedger?: boolean;
  /** Make (first start) or keep the demo network on embedded defaults; the start path passes true. */
  demoNetwork?: boolean;
}

const UPSTREAM_PROBE_TTL_MS = 5000;

export function databaseFile(config: Pick<Config, 'DATA_DIR'>): string {
  return join(config.DATA_DIR, 'tensornode.db');
}

export async function createServices({
  config,
  log,
  databasePath,
  startJobs = true,
  startLedger = true,
  demoNetwork = false,
}: CreateServicesOptions): Promise<AppServices> {
  const database = openDatabase({ path: databasePath ?? databaseFile(config) });
  const closers: (() => Promise<void> | void)[] = [() => database.close()];
  try {
    const adminBootstrap = ensureAdminToken({ db: database.db, config });
    ensureStarterBank({ db: database.db, config, log });
    const metricsRelay = createMetricsRelay();
    const validatorKey = loadOrCreateValidatorKey(config.DATA_DIR);
    // Local miners pin this validator's key: they answer only requests it signed.
    const vmProvider = createVmProvider(config, {
      db: database.db,
      log,
      minerEnv: { VALIDATOR_PUBLIC_KEY: validatorKey.publicKeyHex },
    });
    closers.push(() => vmProvider.close());
    const vmCache = createVmListCache(vmProvider, config.VM_CACHE_TTL_MS);
    const deployments: DeploymentContext = { db: database.db, config, log, provider: vmProvider, vmCache };
    const ssh = createSshExecutor({
      privateKeyPath: sshKeyPath(config),
      username: config.SSH_USERNAME,
      port: config.SSH_PORT,
      log,
      // Trust on first use: each VM's SSH host key is pinned on its deployment row.
      hostKeys: createDeploymentHostKeyStore(database.db, vmProvider.name),
    });
    const jobs = createJobRunner({ db: database.db, log });
    registerDeploymentJobs(jobs, deployments);
    closers.push(() => jobs.stop());
    if (startJobs) jobs.start();
    const ledger = startLedger
      ? await startConfiguredLedger(config, database.db, log, { metrics: metricsRelay.outbox })
      : null;
    if (ledger) closers.push(() => ledger.close());
    const judge = judgeFromConfig(config);
    // Threads start with the first large round and stay until shutdown.
    const fanOutPool = createFanOutPool({ size: config.VALIDATION_THREADS });
    closers.push(() => fanOutPool.close());
    // Every round asked through the services is signed, whoever starts it (API, schedule, demo).
    const fanOut: FanOut = (input) => fanOutPool.fanOut({ ...input, signingKey: validatorKey.privateKey });
    const progress = createProgressHub({ subscriberBuffer: config.PROGRESS_SUBSCRIBER_BUFFER });
    const miners = createDeploymentMinerDirectory(deployments);
    const schedule: ScheduleContext = {
      db: database.db,
      config,
      log: log.child({ component: 'schedule' }),
      miners,
      ledgerHook: ledger?.hook ?? disabledLedgerHook,
      fanOut,
      judge,
      hooks: { onProgress: (event) => progress.publish(event) },
      observer: metricsRelay.schedule,
    };
    registerScheduleJobs(jobs, schedule, () =>
      ledger ? { db: database.db, config, log: schedule.log, ledger: ledger.ledger } : null,
    );
    const startedAt = new Date();
    const redis = config.REDIS_URL ? await connectRedis(config.REDIS_URL, log) : undefined;
    if (redis) closers.push(() => redis.quit().then(() => undefined));
    const healthProbes: Record<string, HealthProbe> = {
      db: () => {
        pingDatabase(database);
        return { status: 'up', kind: 'sqlite' };
      },
      // Upstream probes are cached briefly so health polling never multiplies calls to Fluence or Hedera.
      vmProvider: cachedProbe(async () => {
        await vmProvider.ping();
        return { status: 'up', kind: vmProvider.name };
      }, UPSTREAM_PROBE_TTL_MS),
      ledger: ledger ? cachedProbe(ledger.probe, UPSTREAM_PROBE_TTL_MS) : () => ({ status: 'disabled' }),
      // The judge is not called here: a health probe must not spend model tokens.
      scorer: () => ({ status: 'up', kind: judge ? `llm (${config.SCORER_MODEL})` : 'heuristic' }),
      scheduler: schedulerHealthProbe({ db: database.db, config, log }, startedAt),
      ...(redis
        ? {
            redis: async () => {
              await redis.ping();
              return { status: 'up' as const, kind: 'redis' };
            },
          }
        : {}),
    };
    // In the background: the API answers while the demo miners start; shutdown stops it between steps.
    const demo = demoNetwork
      ? startDemoNetwork({ deployments, ledger: ledger?.ledger ?? null, jobs }, log)
      : null;
    if (demo) closers.push(demo.stop);
    return {
      config,
      db: database.db,
      database,
      log,
      startedAt,
      adminBootstrap,
      healthProbes,
      vmProvider,
      ssh,
      vmCache,
      deployments,
      jobs,
      ledger,
      ledgerHook: ledger?.hook ?? disabledLedgerHook,
      miners,
      fanOut,
      validatorKey,
      judge,
      progress,
      redis,
      demoNetwork: demo?.outcome ?? null,
      schedule,
      metricsRelay,
      async close() {
        // Last opened, first closed: workers stop before the database they write to.
        await closeAll(closers, log);
      },
    };
  } catch (error) {
    await closeAll(closers, log);
    throw error;
  }
}

function startDemoNetwork(ctx: Omit<DemoNetworkContext, 'signal'>, log: CoreLogger) {
  const controller = new AbortController();
  const outcome = ensureDemoNetwork({ ...ctx, signal: controller.signal });
  const settled = outcome.catch((error) => {
    if (!controller.signal.aborted)
      log.error({ err: error }, 'demo network failed; the next start resumes it');
  });
  return {
    outcome,
    async stop() {
      controller.abort();
      await settled;
    },
  };
}

/**
 * A Redis connection that fails fast instead of queueing commands while Redis is away, so a Redis
 * outage degrades health and rate limiting (which then lets requests through) rather than stalling
 * requests.
 */
async function connectRedis(url: string, log: CoreLogger): Promise<Redis> {
  const redis = new Redis(url, {
    connectTimeout: 2000,
    maxRetriesPerRequest: 1,
    enableOfflineQueue: false,
    retryStrategy: (attempt) => Math.min(attempt * 200, 5000),
  });
  let reported = false;
  redis.on('error', (error) => {
    if (!reported)
      log.warn({ err: error }, 'redis unavailable; rate limits fall back to letting requests through');
    reported = true;
  });
  redis.on('ready', () => {
    reported = false;
  });
  // Start with the connection up when Redis is there; do not hold the start hostage when it is not.
  // (events.once rejects on the first 'error': a refused connection settles this at once.)
  const ready = once(redis, 'ready').then(
    () => true,
    () => false,
  );
  const late = delay(REDIS_READY_WAIT_MS, false, { ref: false });
  if (!(await Promise.race([ready, late])))
    log.warn('redis not ready at start; continuing without it until it is');
  return redis;
}

const REDIS_READY_WAIT_MS = 2000;

/** Runs every shutdown step once, last opened first; a failing step is logged and the rest still run. */
async function closeAll(closers: (() => Promise<void> | void)[], log: CoreLogger): Promise<void> {
  for (const close of closers.splice(0).reverse()) {
    try {
      await close();
    } catch (error) {
      log.error({ err: error }, 'shutdown step failed');
    }
  }
}
