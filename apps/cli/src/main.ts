import { runApi } from '@tensornode/api';
import { TRPCClientError } from '@tensornode/client';
import { DomainError } from '@tensornode/core';
import { Command } from 'commander';
import { registerDeploymentCommands } from './commands/deployments.ts';
import { registerKeyCommands } from './commands/keys.ts';
import { registerLedgerCommands } from './commands/ledger.ts';
import { registerRewardCommands } from './commands/rewards.ts';
import { registerScheduleCommands } from './commands/schedule.ts';
import { registerTokenCommands } from './commands/tokens.ts';
import { registerValidateCommand } from './commands/validate.ts';
import { registerVmCommands } from './commands/vms.ts';
import { cliEnv } from './env.ts';

const program = new Command()
  .name('tensornode')
  .description('TensorNode control plane: operate VMs, miners, validation rounds, the ledger and rewards')
  .showHelpAfterError();

program
  .command('serve')
  .description('run the API server (same as `pnpm start` without the dashboard)')
  .action(async () => {
    await runApi(cliEnv());
  });

registerTokenCommands(program);
registerKeyCommands(program);
registerVmCommands(program);
registerDeploymentCommands(program);
registerLedgerCommands(program);
registerRewardCommands(program);
registerValidateCommand(program);
registerScheduleCommands(program);

try {
  await program.parseAsync(process.argv);
} catch (error) {
  // Domain errors carry messages meant for the operator; anything else is a bug worth its stack.
  if (error instanceof DomainError || error instanceof TRPCClientError) {
    process.stderr.write(`error: ${error.message}\n`);
    process.exit(1);
  }
  throw error;
}
