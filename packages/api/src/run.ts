import { exitOnEnvError } from '@tensornode/env';
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
export async function runApi(env?: Record<string, string | undefined>): Promise<RunningApi> {
  const config = exitOnEnvError(() => loadConfig(env));
  const logger = createLogger(config);
  const services = await createServices({ config, log: logger });
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
  return { app, services, address };
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
