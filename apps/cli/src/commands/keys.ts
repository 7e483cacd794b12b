import type { Command } from 'commander';
import { apiClient } from '../api-client.ts';

/** SSH keys for VMs, through the API (the private key stays on the server). */
export function registerKeyCommands(program: Command): void {
  const keys = program.command('keys').description('the SSH keypair deploys put on VMs');

  keys
    .command('generate')
    .description('create the ed25519 keypair at SSH_KEY_PATH and print its public key')
    .option('--force', 'replace an existing key (VMs that trust the old one lose access)', false)
    .action(async (opts: { force: boolean }) => {
      const { publicKey, fingerprint } = await apiClient().keys.generate.mutate({ force: opts.force });
      process.stderr.write(`Generated SSH key ${fingerprint}. Public key:\n`);
      process.stdout.write(`${publicKey}\n`);
    });

  keys
    .command('public')
    .description('print the public key deploys pass in sshKeys')
    .action(async () => {
      process.stdout.write(`${(await apiClient().keys.public.query()).publicKey}\n`);
    });
}
