import { runApi } from '@tensornode/api';
import { DomainError } from '@tensornode/core';
import { Command } from 'commander';
import { registerTokenCommands } from './commands/tokens.ts';
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

try {
  await program.parseAsync(process.argv);
} catch (error) {
  // Domain errors carry messages meant for the operator; anything else is a bug worth its stack.
  if (error instanceof DomainError) {
    process.stderr.write(`error: ${error.message}\n`);
    process.exit(1);
  }
  throw error;
}
