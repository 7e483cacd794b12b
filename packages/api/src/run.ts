import { type AdminBootstrap, type Config, redactedConfig } from '@tensornode/core';
import type { DemoNetworkOutcome } from '@tensornode/core/demo';
import { exitOnEnvError } from '@tensornode/env';
import closeWithGrace from 'close-with-grace';
import type { FastifyInstance } from 'fastify';
import { loadConfig } from './env.ts';
import { createLogger, type Logger } from './logger.ts';
import { buildServer } from './server.ts';
import { type AppServices, createServices } from './services.ts';

export interface RunningApi {
  app: FastifyInstance;
  services: AppServices;
  address: string;
}

/** Reads configuration, opens everything, listens, and closes gracefully on SIGINT/SIGTERM. */
export async function runApi(env?: Record<string, string | undefined>): Promise<RunningApi> {
  const config = exitOnEnvError(() => loadConfig(env));
  const logger = createLogger(config);
  logger.debug({ config: redactedConfig(config) }, 'configuration');
  const services = await createServices({ config, log: logger, demoNetwork: true });
  const app = await buildServer({ services, logger });

  closeWithGrace({ delay: 10_000, logger }, async ({ signal, err }) => {
    if (err) logger.error({ err }, 'shutting down after an error');
    else logger.info({ signal }, 'shutting down');
    await app.close();
  });

  let address: string;
  try {
    address = await app.listen({ host: config.HOST, port: config.PORT });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'error';
    process.stderr.write(`cannot listen on ${config.HOST}:${config.PORT}: ${code}\n`);
    // Release what started (local miners, the devnet) before leaving; never hang on the way out.
    setTimeout(() => process.exit(1), 10_000).unref();
    await app.close().catch(() => {});
    process.exit(1);
  }
  reportAdminBootstrap(services, logger);
  process.stderr.write(
    startBanner(address, services.adminBootstrap, { terminal: process.stdout.isTTY === true }),
  );
  void services.demoNetwork?.then(printDemoNetwork, () => {});
  return { app, services, address };
}

function printDemoNetwork(outcome: DemoNetworkOutcome): void {
  if (outcome.kind === 'off') return;
  const accounts = outcome.miners.map((m) => m.accountId).join(', ');
  const rounds = outcome.scheduleEnabled
    ? 'asked by the validation schedule (its first round now)'
    : 'the validation schedule is off';
  process.stderr.write(
    `\nDemo network ${outcome.kind === 'created' ? 'ready' : 'kept'}: ${outcome.miners.length} local miners (accounts ${accounts}), ${rounds}. DEMO_MINERS=0 on a fresh DATA_DIR starts without it.\n\n`,
  );
}

/**
 * What the start prints. The first-start admin token appears only on a terminal: log collectors
 * keep whatever a service writes, so elsewhere the banner says where the 0600 file is instead.
 */
export function startBanner(
  address: string,
  bootstrap: AdminBootstrap,
  { terminal }: { terminal: boolean },
): string {
  const lines = [
    '',
    `TensorNode API listening on ${address}`,
    `  tRPC:    ${address}/trpc`,
    `  REST:    ${address}/v1 (OpenAPI ${address}/openapi.json, reference ${address}/docs)`,
    `  health:  ${address}/health`,
    `  metrics: ${address}/metrics`,
  ];
  if (bootstrap.kind === 'created' && terminal) {
    lines.push(
      '',
      `First start: created an admin API token (shown once, also saved to ${bootstrap.file}, mode 0600):`,
      '',
      `  ${bootstrap.token}`,
      '',
      `  curl -H "Authorization: Bearer $(cat ${bootstrap.file})" ${address}/trpc/auth.tokens.list`,
    );
  } else if (bootstrap.kind === 'created') {
    lines.push(
      '',
      `First start: created an admin API token in ${bootstrap.file} (mode 0600); not printed, stdout is not a terminal.`,
    );
  }
  return `${lines.join('\n')}\n\n`;
}

function reportAdminBootstrap(services: AppServices, logger: Logger): void {
  const bootstrap = services.adminBootstrap;
  if (bootstrap.kind === 'created') {
    logger.info({ file: bootstrap.file }, 'first start: admin API token created in this file (mode 0600)');
  } else if (bootstrap.kind === 'configured' && bootstrap.revoked) {
    logger.warn(
      'TENSORNODE_ADMIN_TOKEN was revoked by an admin and stays revoked; set a new value to replace it',
    );
  } else if (bootstrap.kind === 'configured' && bootstrap.revokedPrevious > 0) {
    logger.info(
      { revoked: bootstrap.revokedPrevious },
      'TENSORNODE_ADMIN_TOKEN changed: the previous one is revoked',
    );
  }
}
