import { distributeRewards, epochOf } from '@tensornode/core/rewards';
import type { Command } from 'commander';
import { stderrLog, withLedger } from './ledger.ts';

export function registerRewardCommands(program: Command): void {
  program
    .command('rewards')
    .description('reward epochs')
    .command('run')
    .description(
      'mint the daily emission and pay miners by score (an epoch pays once; reruns pay what is owed)',
    )
    .option('--epoch <YYYY-MM-DD>', 'the UTC day (default: today)')
    .action(async (opts: { epoch?: string }) => {
      const epoch = opts.epoch ?? epochOf(new Date());
      await withLedger(async ({ config, db, running }) => {
        process.stderr.write(`Epoch ${epoch} on ${running.ledger.kind}\n`);
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
        const paid = report.payouts.filter((p) => p.status === 'paid').length;
        const unpaid = report.payouts.filter((p) => p.status === 'unpaid').length;
        process.stdout.write(
          `epoch ${report.epoch}: emission ${report.emission}, paid ${report.distributed} to ${paid} miners, ` +
            `${unpaid} unpaid, ${report.remainder} stays with the treasury\n`,
        );
      });
    });
}
