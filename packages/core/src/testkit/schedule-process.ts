/**
 * A process that runs the validation schedule on a database file, the way the API server does
 * (job runner + schedule job), over miners named in MINERS. Tests start two at once, or kill one
 * with SIGKILL mid-round and start it again. Prints `started <id>` and `stored <id>` per round.
 *
 * Env: DB (file), MINERS (JSON RoundMiner[]), LEASE_MS (default 3000).
 */
import { openDatabase } from '@tensornode/db';
import { parseConfig } from '../config.ts';
import { silentLogger } from '../context.ts';
import { createJobRunner } from '../jobs/runner.ts';
import { disabledLedgerHook } from '../ledger/outbox.ts';
import { registerScheduleJobs, type ScheduleContext } from '../schedule/index.ts';
import { type RoundMiner, staticMinerDirectory } from '../validation/index.ts';

const handle = openDatabase({ path: process.env.DB! });
const miners = JSON.parse(process.env.MINERS!) as RoundMiner[];
const ctx: ScheduleContext = {
  db: handle.db,
  config: parseConfig({}),
  log: silentLogger,
  miners: staticMinerDirectory(miners),
  ledgerHook: disabledLedgerHook,
  hooks: {
    onProgress: (event) => {
      if (event.type === 'started') process.stdout.write(`started ${event.roundId}\n`);
      if (event.type === 'stored') process.stdout.write(`stored ${event.roundId}\n`);
    },
  },
};
const runner = createJobRunner({
  db: handle.db,
  log: silentLogger,
  leaseMs: Number(process.env.LEASE_MS ?? 3000),
});
registerScheduleJobs(runner, ctx, null);
runner.start();
// The runner's timers are unref'd (they never hold a server open); this process has nothing else.
const keepAlive = setInterval(() => {}, 60_000);
process.stdout.write(`ready ${process.pid}\n`);
process.on('SIGTERM', () => {
  clearInterval(keepAlive);
  void runner.stop().then(() => {
    handle.close();
    process.exit(0);
  });
});
