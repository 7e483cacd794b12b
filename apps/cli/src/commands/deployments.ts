import type { RouterOutputs } from '@tensornode/client';
import { type Command, InvalidArgumentError, Option } from 'commander';
import { apiClient } from '../api-client.ts';
import { watchUntilActive } from './vms.ts';

type DeploymentRecord = RouterOutputs['deployments']['list'][number];

const STATUSES = ['inactive', 'active', 'terminated'] as const;

function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('must be a positive integer');
  return n;
}

/** `tensornode deployments list | allocate | release`: which VM serves which miner, through the API. */
export function registerDeploymentCommands(program: Command): void {
  const deployments = program
    .command('deployments')
    .description('which VM serves which miner: list, allocate a VM to a miner, release it');

  deployments
    .command('list')
    .description('deployment records, oldest first')
    .addOption(new Option('--status <status>', 'only this status').choices(STATUSES))
    .option('--miner <account>', 'only this miner (0.0.N)')
    .option('--json', 'print JSON instead of a table', false)
    .action(async (opts: { status?: (typeof STATUSES)[number]; miner?: string; json: boolean }) => {
      const list = await apiClient().deployments.list.query({
        ...(opts.status ? { status: opts.status } : {}),
        ...(opts.miner ? { minerAddress: opts.miner } : {}),
      });
      if (opts.json) {
        process.stdout.write(`${JSON.stringify(list, null, 2)}\n`);
        return;
      }
      if (list.length === 0) {
        process.stderr.write('No deployments.\n');
        return;
      }
      console.table(list.map(deploymentRow));
    });

  deployments
    .command('allocate')
    .description('give a miner an inactive VM, or deploy a new one for it; waits until it is Active')
    .requiredOption('--miner <account>', "the miner's Hedera account (0.0.N)")
    .requiredOption('--name <instanceName>', 'instance name (1–50 characters)')
    .option('--no-wait', 'return once the VM is allocated')
    .addOption(
      new Option('--timeout <seconds>', 'how long to wait for Active').argParser(positiveInt).default(600),
    )
    .action(async (opts: { miner: string; name: string; wait: boolean; timeout: number }) => {
      const client = apiClient();
      const { deployment, reused } = await client.deployments.allocate.mutate({
        minerAddress: opts.miner,
        instanceName: opts.name,
      });
      process.stderr.write(
        `${reused ? 'Reused' : 'Deployed'} VM ${deployment.vmId} for miner ${deployment.minerAddress} (${deployment.instanceName}).\n`,
      );
      process.stdout.write(`${deployment.vmId}\n`);
      if (!opts.wait) return;
      const [final] = await watchUntilActive(client, [deployment.vmId], { timeoutMs: opts.timeout * 1000 });
      if (final?.status !== 'Active') {
        process.stderr.write(`VM ${deployment.vmId} did not become Active.\n`);
        process.exitCode = 1;
      }
    });

  deployments
    .command('release <vmId>')
    .description('the miner gives its VM back; the VM returns to the pool as inactive')
    .action(async (vmId: string) => {
      const released = await apiClient().deployments.release.mutate({ vmId });
      process.stderr.write(`Released VM ${released.vmId}; it is ${released.status} again.\n`);
    });
}

function deploymentRow(d: DeploymentRecord) {
  return {
    vm: d.vmId,
    status: d.status,
    miner: d.minerAddress ?? '',
    name: d.instanceName ?? '',
    wallet: d.walletAddress ?? '',
    assigned: d.assignedAt?.toISOString() ?? '',
    health: d.healthCheckedAt ? (d.healthy ? 'healthy' : `unhealthy: ${d.healthError ?? ''}`) : '',
  };
}
