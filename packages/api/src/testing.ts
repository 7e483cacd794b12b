import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApiToken, parseConfig } from '@tensornode/core';
import { type RoundMiner, staticMinerDirectory } from '@tensornode/core/validation';
import type { Role } from '@tensornode/db';
import type { FastifyInstance } from 'fastify';
import { createLogger } from './logger.ts';
import { createCaller } from './root.ts';
import { type BuildServerOptions, buildServer } from './server.ts';
import { type AppServices, createServices } from './services.ts';
import { createInternalContext } from './trpc.ts';

// One free-port helper for every test harness (the dashboard's too).
export { freePort } from '@tensornode/core/testkit';

export interface TestInstanceOptions {
  /** Environment overrides on top of a temp DATA_DIR and silent logs. */
  env?: Record<string, string | undefined>;
  /** `:memory:` (default) or `file` for tests that restart on the same data. */
  database?: ':memory:' | 'file';
  dataDir?: string;
  rateLimits?: BuildServerOptions['rateLimits'];
  rateLimitNamespace?: string;
  bodyLimitBytes?: number;
  uploadLimitBytes?: number;
  /** false: background jobs are not scheduled (tests run them with `services.jobs.runNow`). */
  startJobs?: boolean;
  /** true: start the ledger (an in-process devnet); off by default, it costs a few seconds. */
  ledger?: boolean;
  /** true: make the demo network as the start path does (needs `ledger: true`). */
  demoNetwork?: boolean;
}

/**
 * Services on embedded defaults in a temp directory, for router tests. `services.close()` removes the
 * directory when it was made here (a test that restarts on the same data passes its own `dataDir`).
 */
export async function createTestServices(
  options: TestInstanceOptions = {},
): Promise<{ services: AppServices; dataDir: string }> {
  const opened = await openTestServices(options);
  if (options.dataDir === undefined) {
    const close = opened.services.close.bind(opened.services);
    opened.services.close = async () => {
      await close();
      rmSync(opened.dataDir, { recursive: true, force: true });
    };
  }
  return opened;
}

/** A tRPC caller acting as a token of `role` (null: anonymous), without HTTP. */
export function callerAs(services: AppServices, role: Role | null) {
  return createCaller(createInternalContext(services, role ? { tokenId: 'test', name: 'test', role } : null));
}

async function openTestServices(
  options: TestInstanceOptions,
): Promise<{ services: AppServices; dataDir: string }> {
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'tensornode-test-'));
  const config = parseConfig({ DATA_DIR: dataDir, LOG_LEVEL: 'silent', ...options.env });
  const services = await createServices({
    config,
    log: createLogger(config),
    ...(options.database === 'file' ? {} : { databasePath: ':memory:' }),
    ...(options.startJobs === false ? { startJobs: false } : {}),
    startLedger: options.ledger === true,
    demoNetwork: options.demoNetwork === true,
  });
  return { services, dataDir };
}

export interface TestServer {
  url: string;
  app: FastifyInstance;
  services: AppServices;
  dataDir: string;
  /** Creates a token of the given role and returns its secret. */
  tokenFor(role: Role): string;
  /** Stops the server; removes the data directory unless `keepData`. */
  stop(options?: { keepData?: boolean }): Promise<void>;
}

/** A real Fastify server on 127.0.0.1 and an ephemeral port. */
export async function startTestServer(options: TestInstanceOptions = {}): Promise<TestServer> {
  // The server removes the directory itself on stop, so `keepData` can keep it for a restart.
  const { services, dataDir } = await openTestServices(options);
  const app = await buildServer({
    services,
    logger: createLogger(services.config),
    ...(options.rateLimits ? { rateLimits: options.rateLimits } : {}),
    ...(options.bodyLimitBytes ? { bodyLimitBytes: options.bodyLimitBytes } : {}),
    ...(options.uploadLimitBytes ? { uploadLimitBytes: options.uploadLimitBytes } : {}),
    ...(options.rateLimitNamespace ? { rateLimitNamespace: options.rateLimitNamespace } : {}),
  });
  const url = await app.listen({ host: '127.0.0.1', port: 0 });
  return {
    url,
    app,
    services,
    dataDir,
    tokenFor: (role) => createApiToken(services, { name: `test ${role}`, role }).token,
    async stop({ keepData = false } = {}) {
      await app.close();
      if (!keepData && !options.dataDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export { SCHEDULE_JOB } from '@tensornode/core/schedule';
export { type StandInMiners, startStandInMiners } from '@tensornode/core/testkit';

/** Rounds, manual and scheduled, ask these miners instead of the deployed VMs (tests without VMs). */
export function askMiners(services: AppServices, miners: readonly RoundMiner[]): void {
  const directory = staticMinerDirectory(miners);
  services.miners = directory;
  services.schedule.miners = directory;
}
