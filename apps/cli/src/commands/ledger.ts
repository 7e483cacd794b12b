import { databaseFile } from '@tensornode/api';
import { type Config, type Logger, UnavailableError } from '@tensornode/core';
import {
  DevnetBusyError,
  type RunningLedger,
  startConfiguredLedger,
  startLocalDevnet,
} from '@tensornode/core/ledger';
import { createRewardToken } from '@tensornode/core/rewards';
import { openDatabase } from '@tensornode/db';
import type { Command } from 'commander';
import { cliConfig } from '../env.ts';

/** Progress on stderr, so stdout carries only the result (an id) for scripts. */
export const stderrLog: Logger = {
  debug() {},
  info(obj: object | string, msg?: string) {
    process.stderr.write(`${typeof obj === 'string' ? obj : (msg ?? '')}\n`);
  },
  warn(obj: object | string, msg?: string) {
    process.stderr.write(`warning: ${typeof obj === 'string' ? obj : (msg ?? '')}\n`);
  },
  error(obj: object | string, msg?: string) {
    process.stderr.write(`error: ${typeof obj === 'string' ? obj : (msg ?? '')}\n`);
  },
  child: () => stderrLog,
};

/**
 * Runs `fn` with the configured ledger (the local devnet when no operator is configured) and the
 * local database. The outbox worker is not started: only the server sends score records.
 * When the server runs the local devnet, this refuses with one line: `whenBusy` says what to do.
 */
export async function withLedger<T>(
  whenBusy: string,
  fn: (ctx: {
    config: Config;
    db: ReturnType<typeof openDatabase>['db'];
    running: RunningLedger;
  }) => Promise<T>,
): Promise<T> {
  const config = cliConfig();
  const handle = openDatabase({ path: databaseFile(config) });
  try {
    const running = await startConfiguredLedger(config, handle.db, stderrLog, { startWorker: false }).catch(
      (error: unknown) => {
        if (error instanceof DevnetBusyError) throw new UnavailableError(`${error.message}: ${whenBusy}`);
        throw error;
      },
    );
    try {
      return await fn({ config, db: handle.db, running });
    } finally {
      await running.close();
    }
  } finally {
    handle.close();
  }
}

const STOP_THE_SERVER =
  'stop the server and run this again (the server creates the devnet topic and token itself)';

const integer = (name: string) => (value: string) => {
  if (!/^\d+$/.test(value)) throw new Error(`${name} must be a whole number`);
  return value;
};

export function registerLedgerCommands(program: Command): void {
  program
    .command('topic')
    .description('Hedera Consensus Service topics')
    .command('create')
    .description('create a topic (prints its id; set it as MASTER_SCORE_TOPIC to publish scores there)')
    .option('--memo <memo>', 'topic memo', 'TensorNode validation scores')
    .action(async (opts: { memo: string }) => {
      await withLedger(STOP_THE_SERVER, async ({ running }) => {
        const topicId = await running.ledger.createTopic(opts.memo);
        process.stderr.write(`Created topic on ${running.ledger.kind}.\n`);
        process.stdout.write(`${topicId}\n`);
      });
    });

  program
    .command('token')
    .description('the reward token')
    .command('create')
    .description('create the reward token (treasury and supply key: the operator) and remember its id')
    .requiredOption('--name <name>', 'token name')
    .requiredOption('--symbol <symbol>', 'token symbol')
    .requiredOption('--decimals <n>', 'decimal places (0–18)', integer('--decimals'))
    .option('--initial-supply <units>', 'initial supply in the smallest unit', integer('--initial-supply'))
    .action(async (opts: { name: string; symbol: string; decimals: string; initialSupply?: string }) => {
      await withLedger(STOP_THE_SERVER, async ({ config, db, running }) => {
        const { tokenId } = await createRewardToken(
          { db, config, log: stderrLog, ledger: running.ledger },
          {
            name: opts.name,
            symbol: opts.symbol,
            decimals: Number(opts.decimals),
            ...(opts.initialSupply ? { initialSupply: BigInt(opts.initialSupply) } : {}),
          },
        );
        process.stderr.write(`Created reward token ${opts.symbol} on ${running.ledger.kind}.\n`);
        process.stdout.write(`${tokenId}\n`);
      });
    });

  program
    .command('devnet')
    .description('run the local Hedera-compatible devnet alone (gRPC node + mirror REST) until interrupted')
    .option('--grpc-port <port>', 'gRPC port (default DEVNET_PORT, 0 = any free port)')
    .option('--mirror-port <port>', 'mirror REST port (default DEVNET_MIRROR_PORT)')
    .action(async (opts: { grpcPort?: string; mirrorPort?: string }) => {
      const config = cliConfig();
      const devnet = await startLocalDevnet(config, {
        ...(opts.grpcPort ? { grpcPort: Number(opts.grpcPort) } : {}),
        ...(opts.mirrorPort ? { mirrorPort: Number(opts.mirrorPort) } : {}),
      });
      // The operator key stays in DATA_DIR/devnet.db; it is never printed.
      process.stdout.write(
        [
          `devnet running`,
          `  gRPC node:  ${devnet.grpcEndpoint} (node account ${devnet.nodeAccountId})`,
          `  mirror:     ${devnet.mirrorUrl}`,
          `  operator:   ${devnet.operator.accountId}`,
          `  HEDERA_NODES=${devnet.grpcEndpoint}=${devnet.nodeAccountId} HEDERA_MIRROR_URL=${devnet.mirrorUrl}`,
          '',
        ].join('\n'),
      );
      await new Promise<void>((resolve) => {
        process.once('SIGINT', resolve);
        process.once('SIGTERM', resolve);
      });
      await devnet.stop();
    });
}
