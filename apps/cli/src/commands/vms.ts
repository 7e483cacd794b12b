import { setTimeout as sleep } from 'node:timers/promises';
import type { RouterOutputs, TensorNodeClient } from '@tensornode/client';
import { type Command, InvalidArgumentError, Option } from 'commander';
import { apiClient } from '../api-client.ts';

type ListedVm = RouterOutputs['vms']['list'][number];

/** Statuses after which a VM will not become Active by waiting. */
const FINAL = new Set(['Active', 'SmallBalance', 'InsufficientFunds', 'Terminated', 'Stopped']);

function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('must be a positive integer');
  return n;
}

export function registerVmCommands(program: Command): void {
  const vms = program.command('vms').description('VMs of the configured provider, through the API');

  vms
    .command('list')
    .description('VMs merged with their deployment record and last health check')
    .option('--json', 'print JSON instead of a table', false)
    .action(async (opts: { json: boolean }) => {
      const list = await apiClient().vms.list.query();
      if (opts.json) {
        process.stdout.write(`${JSON.stringify(list, null, 2)}\n`);
        return;
      }
      if (list.length === 0) {
        process.stderr.write('No VMs.\n');
        return;
      }
      console.table(list.map(vmRow));
    });

  vms
    .command('deploy')
    .description('rent VMs (recorded as inactive deployments) and wait until they are Active')
    .option('-n, --instances <n>', 'how many VMs', positiveInt, 1)
    .option('--wallet <account>', 'the Hedera account (0.0.N) the VMs belong to')
    .option('--name <instanceName>', 'instance name (1–50 characters)')
    .option('--no-ssh-key', 'do not put our SSH public key on the VMs')
    .option('--no-wait', 'return once the provider accepted the order')
    .addOption(
      new Option('--timeout <seconds>', 'how long to wait for Active').argParser(positiveInt).default(600),
    )
    .action(
      async (opts: {
        instances: number;
        wallet?: string;
        name?: string;
        sshKey: boolean;
        wait: boolean;
        timeout: number;
      }) => {
        const client = apiClient();
        const { vms: deployed } = await client.vms.deploy.mutate({
          instances: opts.instances,
          includeSshKey: opts.sshKey,
          ...(opts.wallet ? { walletAddress: opts.wallet } : {}),
          ...(opts.name ? { instanceName: opts.name } : {}),
        });
        process.stderr.write(
          `Deployed ${deployed.length} VM(s): ${deployed.map((v) => v.vmId).join(', ')}\n`,
        );
        if (!opts.wait) return;
        const final = await watchUntilActive(
          client,
          deployed.map((v) => v.vmId),
          { timeoutMs: opts.timeout * 1000 },
        );
        const notActive = final.filter((vm) => vm.status !== 'Active');
        if (notActive.length > 0) {
          process.stderr.write(`${notActive.length} VM(s) did not become Active.\n`);
          process.exitCode = 1;
        }
      },
    );

  vms
    .command('delete <vmIds...>')
    .description('delete VMs at the provider; their deployments become terminated')
    .action(async (vmIds: string[]) => {
      const { terminated } = await apiClient().vms.delete.mutate({ vmIds });
      process.stderr.write(`Deleted ${vmIds.length} VM(s); ${terminated.length} deployment(s) terminated.\n`);
    });

  vms
    .command('clear-host-key <vmId>')
    .description(
      "after a rebuild: forget the VM's pinned SSH host key; the next connection pins the new one (admin)",
    )
    .action(async (vmId: string) => {
      const { previousFingerprint } = await apiClient().vms.clearHostKey.mutate({ vmId });
      process.stderr.write(
        previousFingerprint
          ? `Cleared the pinned host key of ${vmId} (was ${previousFingerprint}); the next connection pins the new one.\n`
          : `No host key was pinned for ${vmId}; the next connection pins one.\n`,
      );
    });
}

function vmRow(vm: ListedVm) {
  const d = vm.deployment;
  return {
    id: vm.id,
    name: vm.vmName,
    status: vm.status,
    ip: vm.publicIp ?? '',
    deployment: d?.status ?? '',
    miner: d?.minerAddress ?? '',
    wallet: d?.walletAddress ?? '',
    health: d?.healthCheckedAt ? (d.healthy ? 'healthy' : `unhealthy: ${d.healthError ?? ''}`) : '',
  };
}

interface Progress {
  vmId: string;
  status: string;
  publicIp: string | null;
  error?: string;
}

/**
 * Polls vms.get until every VM reaches a final status or time runs out. On a terminal the lines
 * are redrawn in place, one per VM; otherwise a line is printed whenever a VM's status changes.
 */
export async function watchUntilActive(
  client: TensorNodeClient,
  vmIds: string[],
  options: { timeoutMs: number; intervalMs?: number; out?: NodeJS.WriteStream },
): Promise<Progress[]> {
  const out = options.out ?? process.stderr;
  const tty = out.isTTY === true;
  const started = Date.now();
  const deadline = started + options.timeoutMs;
  const state: Progress[] = vmIds.map((vmId) => ({ vmId, status: 'New', publicIp: null }));
  const printed = new Map<string, string>();
  let drawn = 0;

  const line = (p: Progress) => {
    const seconds = Math.round((Date.now() - started) / 1000);
    const mark = p.status === 'Active' ? '✓' : FINAL.has(p.status) ? '✗' : '…';
    const ip = p.publicIp ? ` ${p.publicIp}` : '';
    return `${mark} ${p.vmId} ${p.status}${ip}${p.error ? ` (${p.error})` : ''} [${seconds}s]`;
  };
  const render = () => {
    if (tty) {
      if (drawn > 0) out.write(`\x1b[${drawn}A`);
      for (const p of state) out.write(`\x1b[2K${line(p)}\n`);
      drawn = state.length;
      return;
    }
    for (const p of state) {
      const key = `${p.status}|${p.publicIp}|${p.error ?? ''}`;
      if (printed.get(p.vmId) !== key) {
        printed.set(p.vmId, key);
        out.write(`${line(p)}\n`);
      }
    }
  };

  for (;;) {
    await Promise.all(
      state.map(async (p) => {
        if (p.status === 'Active' || (FINAL.has(p.status) && !p.error)) return;
        try {
          const vm = await client.vms.get.query({ vmId: p.vmId });
          Object.assign(p, { status: vm.status, publicIp: vm.publicIp, error: undefined });
        } catch (error) {
          p.error = error instanceof Error ? error.message : String(error);
        }
      }),
    );
    render();
    if (state.every((p) => FINAL.has(p.status) && !p.error) || Date.now() > deadline) return state;
    await sleep(options.intervalMs ?? 2_000);
  }
}
