import { type Config, ConfigError } from '@tensornode/core';
import type { DemoNetworkOutcome } from '@tensornode/core/demo';
import closeWithGrace from 'close-with-grace';
import type { FastifyInstance } from 'fastify';
import { loadConfig } from './env.ts';
import { createLogger } from './logger.ts';
import { buildServer } from './server.ts';
import { type AppServices, createServices } from './services.ts';

export interface RunningApi {
  app: FastifyInstance;
  services: AppServices;
  address: string;
}

/** Reads configuration, opens everything, listens, and closes gracefully on SIGINT/SIGTERM. */
export async function runApi(env: Record<string, string | undefined> = process.env): Promise<RunningApi> {
  let config: Config;
  try {
    config = loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(2);
    }
    throw error;
  }
  const logger = createLogger(config);
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
  printBanner(address, services);
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

function printBanner(address: string, services: AppServices): void {
  const bootstrap = services.adminBootstrap;
  const lines = [
    '',
    `TensorNode API listening on ${address}`,
    `  tRPC:    ${address}/trpc`,
    `  health:  ${address}/health`,
    `  metrics: ${address}/metrics`,
  ];
  if (bootstrap.kind === 'created') {
    lines.push(
      '',
      `First start: created an admin API token (shown once, also saved to ${bootstrap.file}, mode 0600):`,
      '',
      `  ${bootstrap.token}`,
      '',
      `  curl -H "Authorization: Bearer $(cat ${bootstrap.file})" ${address}/trpc/auth.tokens.list`,
    );
  }
  // Straight to stderr, never through the logger: the token must not reach log files.
  process.stderr.write(`${lines.join('\n')}\n\n`);
}
