import { TRPCClientError } from '@tensornode/client';
import { UnavailableError } from '@tensornode/core';
import { distributeRewards, epochOf, type RewardsReport } from '@tensornode/core/rewards';
import type { Command } from 'commander';
import { apiClient } from '../api-client.ts';
import { apiTarget, apiUrlIsExplicit, cliConfig } from '../env.ts';
import { stderrLog, withLedger } from './ledger.ts';

/**
 * `rewards.distribute` on the running server. Undefined when no server can be reached (no token on
 * record, or nothing listening at the default address): the caller then runs the epoch locally.
 * An explicit TENSORNODE_URL that cannot be reached is an error, never a silent local run.
 */
async function distributeThroughApi(epoch: string): Promise<RewardsReport | undefined> {
  let client: ReturnType<typeof apiClient>;
  try {
    client = apiClient();
  } catch (error) {
    if (error instanceof UnavailableError) return undefined;
    throw error;
  }
  try {
    return await client.rewards.distribute.mutate({ epoch });
  } catch (error) {
    const unreachable =
      error instanceof TRPCClientError &&
      error.data === undefined &&
      /ECONNREFUSED|fetch failed/i.test(
        `${error.message} ${String((error.cause as Error | undefined)?.cause ?? '')}`,
      );
    if (unreachable && !apiUrlIsExplicit()) return undefined;
    throw error;
  }
}

function printReport(report: RewardsReport): void {
  const paid = report.payouts.filter((p) => p.status === 'paid').length;
  const unpaid = report.payouts.filter((p) => p.status === 'unpaid').length;
  process.stdout.write(
    `epoch ${report.epoch}: emission ${report.emission}, paid ${report.distributed} to ${paid} miners, ` +
      `${unpaid} unpaid, ${report.remainder} stays with the treasury\n`,
  );
}

export function registerRewardCommands(program: Command): void {
  program
    .command('rewards')
    .description('reward epochs')
    .command('run')
    .description(
      'mint the daily emission and pay miners by score (an epoch pays once; reruns pay what is owed). ' +
        'Goes through the running server (rewards.distribute) when one answers, else runs locally',
    )
    .option('--epoch <YYYY-MM-DD>', 'the UTC day (default: today)')
    .action(async (opts: { epoch?: string }) => {
      const epoch = opts.epoch ?? epochOf(new Date());
      const viaApi = await distributeThroughApi(epoch);
      if (viaApi) {
        process.stderr.write(`Epoch ${epoch} through the server at ${apiTarget(cliConfig()).url}\n`);
        for (const p of viaApi.payouts) {
          const detail = p.status === 'paid' ? '' : ` — ${p.reason ?? ''}`;
          process.stderr.write(`  ${p.minerAddress} ${p.amount} ${p.status}${detail}\n`);
        }
        printReport(viaApi);
        return;
      }
      await withLedger(
        "stop that process, or run the epoch through the server's API (rewards.distribute; set TENSORNODE_URL if it listens elsewhere)",
        async ({ config, db, running }) => {
          process.stderr.write(
            `Epoch ${epoch} on ${running.ledger.kind} (no server answered; running locally)\n`,
          );
          const report = await distributeRewards(
            { db, config, log: stderrLog, ledger: running.ledger },
            { epoch },
            (event) => {
              if (event.type === 'minting') process.stderr.write(`  minting ${event.amount} …\n`);
              if (event.type === 'minted') process.stderr.write(`  minted (${event.transactionId})\n`);
              if (event.type === 'payout') {
                const detail = event.status === 'paid' ? '' : ` — ${event.reason ?? ''}`;
                process.stderr.write(
                  `  [${event.index}/${event.total}] ${event.minerAddress} ${event.amount} ${event.status}${detail}\n`,
                );
              }
            },
          );
          printReport(report);
        },
      );
    });
}
