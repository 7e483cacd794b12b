import { setTimeout as sleep } from 'node:timers/promises';
import type { Config } from '../config.ts';
import { allocateVm } from '../deployments/allocate-vm.ts';
import type { DeploymentContext } from '../deployments/context.ts';
import { listDeployments } from '../deployments/list-deployments.ts';
import { NotFoundError } from '../errors.ts';
import type { JobRunner } from '../jobs/runner.ts';
import { type Ledger, LedgerError } from '../ledger/ledger.ts';
import { findRewardTokenId } from '../rewards/reward-token.ts';
import { loadSchedule } from '../schedule/schedule.ts';
import type { VmProvider } from '../vms/provider.ts';
import {
  type DemoNetworkState,
  readDemoMinerKeys,
  readDemoNetworkState,
  writeDemoMinerKeys,
  writeDemoNetworkState,
} from './demo-state.ts';
import { enableDemoSchedule } from './enable-demo-schedule.ts';

export interface DemoNetworkContext {
  /** The deployment verbs' context: the database, configuration, log and the VM provider. */
  deployments: DeploymentContext;
  /** The running ledger; null when this process runs none (then there is no demo network). */
  ledger: Ledger | null;
  /** Aborted on shutdown: the demo stops between steps and resumes on the next start. */
  signal?: AbortSignal;
  /** How long a demo miner may take to become Active. Default 150 s (the local provider gives up after 120 s). */
  activeTimeoutMs?: number;
  /** The job runner, woken so the schedule's first round starts as soon as the miners run. */
  jobs?: Pick<JobRunner, 'wake'>;
}

export interface DemoMiner {
  accountId: string;
  vmId: string;
  tokenAssociated: boolean;
}

export type DemoNetworkOutcome =
  | { kind: 'off'; reason: string }
  | { kind: 'created' | 'kept'; miners: DemoMiner[]; scheduleEnabled: boolean };

/** Hbar each demo account starts with, so its owner can pay fees to move its rewards. */
const DEMO_ACCOUNT_HBAR = 100;

/**
 * Why this start makes no demo network, or null when it does: only on embedded defaults (local
 * VMs, the in-process devnet), never when Fluence or a Hedera operator is configured.
 */
export function demoNetworkOffReason(
  config: Pick<Config, 'VM_PROVIDER' | 'HEDERA_OPERATOR_ID'>,
  ledger: Pick<Ledger, 'kind'> | null,
): string | null {
  if (config.VM_PROVIDER !== 'local') return `VMs come from ${config.VM_PROVIDER}, not local processes`;
  if (config.HEDERA_OPERATOR_ID) return 'a Hedera operator is configured';
  if (!ledger) return 'no ledger runs in this process';
  if (ledger.kind !== 'devnet') return `the ledger is ${ledger.kind}, not the local devnet`;
  return null;
}

/**
 * On a first start on embedded defaults: DEMO_MINERS local miners, each allocated to its own new
 * devnet account that is associated with the reward token (so epochs pay it), and the schedule's
 * first round due at once, so rounds run with no further command. Every step is recorded as it completes (settings
 * `demo_network`), so a start cut short resumes and later starts keep the same network: nothing
 * is deployed or created twice. A database that already has deployments gets no demo network.
 */
export async function ensureDemoNetwork(ctx: DemoNetworkContext): Promise<DemoNetworkOutcome> {
  const { db, config } = ctx.deployments;
  const log = ctx.deployments.log.child({ component: 'demo-network' });
  const offReason = demoNetworkOffReason(config, ctx.ledger);
  if (offReason) {
    log.info({ reason: offReason }, 'no demo network');
    return { kind: 'off', reason: offReason };
  }
  const ledger = ctx.ledger as Ledger;

  let state = readDemoNetworkState(db);
  if (state?.completedAt && state.miners.length === 0) {
    const reason = 'turned off on the first start (DEMO_MINERS=0)';
    log.info({ reason }, 'no demo network');
    return { kind: 'off', reason };
  }
  if (state?.completedAt) {
    const miners = state.miners.flatMap((m) => (m.vmId ? [{ ...m, vmId: m.vmId }] : []));
    log.info({ miners: miners.map((m) => m.accountId) }, 'demo network kept');
    return { kind: 'kept', miners, scheduleEnabled: loadSchedule({ db, config, log }).enabled };
  }
  const firstStart = !state && listDeployments({ db }).length === 0;
  if (!state && !firstStart) {
    const reason = 'this database has deployments already; the demo network is made on a first start';
    log.info({ reason }, 'no demo network');
    return { kind: 'off', reason };
  }
  if (config.DEMO_MINERS === 0) {
    // Remembered: a later start without DEMO_MINERS=0 keeps the network empty.
    if (firstStart) writeDemoNetworkState(db, { miners: [], completedAt: new Date().toISOString() });
    log.info({ reason: 'DEMO_MINERS=0' }, 'no demo network');
    return { kind: 'off', reason: 'DEMO_MINERS=0' };
  }
  if (!state) {
    state = { miners: [], completedAt: null };
    writeDemoNetworkState(db, state);
  }
  log.info({ miners: config.DEMO_MINERS }, 'deploying the demo network');

  await createDemoAccounts(ctx, ledger, state);
  await associateRewardToken(ctx, ledger, state, log);
  await allocateDemoVms(ctx, state);
  const vmIds = state.miners.map((m) => m.vmId as string);
  await waitUntilActive(ctx.deployments.provider, vmIds, {
    timeoutMs: ctx.activeTimeoutMs ?? 150_000,
    signal: ctx.signal,
  }).catch((error) => {
    if (ctx.signal?.aborted) throw error;
    // A miner that did not start scores 0 in the rounds; the local provider restarts it on the next start.
    log.warn({ err: error }, 'a demo miner did not become Active');
  });
  ctx.signal?.throwIfAborted();

  const scheduleEnabled = enableDemoSchedule({ ...ctx.deployments, ...(ctx.jobs ? { jobs: ctx.jobs } : {}) });
  state.completedAt = new Date().toISOString();
  writeDemoNetworkState(db, state);
  const miners = state.miners.map((m) => ({ ...m, vmId: m.vmId as string }));
  log.info(
    { miners: miners.map((m) => `${m.accountId} on ${m.vmId}`), scheduleEnabled },
    'demo network ready',
  );
  return { kind: 'created', miners, scheduleEnabled };
}

/** One new devnet account per missing demo miner; its key is saved before the account is recorded. */
async function createDemoAccounts(
  ctx: DemoNetworkContext,
  ledger: Ledger,
  state: DemoNetworkState,
): Promise<void> {
  const { db, config } = ctx.deployments;
  while (state.miners.length < config.DEMO_MINERS) {
    ctx.signal?.throwIfAborted();
    const account = await ledger.createAccount({ initialHbar: DEMO_ACCOUNT_HBAR });
    writeDemoMinerKeys(config, { ...readDemoMinerKeys(config), [account.accountId]: account.privateKey });
    state.miners.push({ accountId: account.accountId, tokenAssociated: false, vmId: null });
    writeDemoNetworkState(db, state);
  }
}

/** Signs each demo account's association with the reward token with that account's own key. */
async function associateRewardToken(
  ctx: DemoNetworkContext,
  ledger: Ledger,
  state: DemoNetworkState,
  log: DeploymentContext['log'],
): Promise<void> {
  const { db, config } = ctx.deployments;
  const pending = state.miners.filter((m) => !m.tokenAssociated);
  if (pending.length === 0) return;
  const tokenId = findRewardTokenId({ db, config });
  if (!tokenId) {
    log.warn('no reward token on the devnet: the demo miners are not associated (epochs record them unpaid)');
    return;
  }
  const keys = readDemoMinerKeys(config);
  for (const miner of pending) {
    ctx.signal?.throwIfAborted();
    const key = keys[miner.accountId];
    if (!key) {
      log.warn({ accountId: miner.accountId }, 'demo miner key missing; cannot associate the reward token');
      continue;
    }
    try {
      await ledger.associate(miner.accountId, key, [tokenId]);
    } catch (error) {
      // A start cut short after the association reached consensus: it is done.
      if (!(error instanceof LedgerError && error.status === 'TOKEN_ALREADY_ASSOCIATED_TO_ACCOUNT'))
        throw error;
    }
    miner.tokenAssociated = true;
    writeDemoNetworkState(db, state);
  }
}

/**
 * One VM per demo miner through `allocateVm`, as `deployments.allocate` does. One at a time: a
 * local deploy returns at once (the miner starts in the background), and each picks a free port.
 */
async function allocateDemoVms(ctx: DemoNetworkContext, state: DemoNetworkState): Promise<void> {
  const { db } = ctx.deployments;
  for (const [index, miner] of state.miners.entries()) {
    if (miner.vmId) continue;
    ctx.signal?.throwIfAborted();
    // Allocated by a start that stopped before recording it.
    const existing = listDeployments({ db }, { minerAddress: miner.accountId, status: 'active' })[0];
    miner.vmId =
      existing?.vmId ??
      (
        await allocateVm(ctx.deployments, {
          minerAddress: miner.accountId,
          instanceName: `demo-miner-${index + 1}`,
        })
      ).deployment.vmId;
    writeDemoNetworkState(db, state);
  }
}

/** Polls the provider until every VM is Active; throws naming those that are not by the deadline. */
async function waitUntilActive(
  provider: VmProvider,
  vmIds: readonly string[],
  options: { timeoutMs: number; signal: AbortSignal | undefined },
): Promise<void> {
  const deadline = Date.now() + options.timeoutMs;
  let waiting = [...vmIds];
  for (;;) {
    const statuses = await Promise.all(
      waiting.map((id) =>
        provider.get(id).then(
          (vm) => vm.status,
          (error) => {
            if (error instanceof NotFoundError) return 'Terminated';
            throw error;
          },
        ),
      ),
    );
    waiting = waiting.filter((_, i) => statuses[i] !== 'Active');
    if (waiting.length === 0) return;
    if (Date.now() > deadline)
      throw new Error(`not Active after ${options.timeoutMs} ms: ${waiting.join(', ')}`);
    await sleep(250, undefined, options.signal ? { signal: options.signal } : {});
  }
}
