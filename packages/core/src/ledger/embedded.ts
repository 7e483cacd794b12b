import { join } from 'node:path';
import { createSettingsRepository, type Database } from '@tensornode/db';
import type { Config } from '../config.ts';
import type { Logger } from '../context.ts';
import { UnavailableError } from '../errors.ts';
import type { HealthProbe } from '../health/index.ts';
import { createRewardToken, findRewardTokenId } from '../rewards/reward-token.ts';
import type { RoundLedgerHook } from '../validation/round-summary.ts';
import { createHederaLedger, PUBLIC_MIRRORS, parseHederaNodes } from './hedera-ledger.ts';
import type { Ledger, LedgerKind } from './ledger.ts';
import { createOutboxHook, createOutboxWorker, type OutboxMetrics, type OutboxWorker } from './outbox.ts';

export const SCORE_TOPIC_SETTING = 'score_topic_id';

/** The devnet chain in DATA_DIR is run by another live process (usually the API server). */
export class DevnetBusyError extends UnavailableError {
  override name = 'DevnetBusyError';
  constructor(readonly ownerPid: number) {
    super(`the local devnet (DATA_DIR/devnet.db) is in use by process ${ownerPid}, usually the API server`);
  }
}

/** Starts the devnet on DATA_DIR/devnet.db; a chain another process runs is a DevnetBusyError. */
async function startDevnetOnDataDir(config: Config, ports: { grpcPort: number; mirrorPort: number }) {
  const { startDevnet, DevnetInUseError } = await import('@tensornode/devnet');
  try {
    return await startDevnet({ dbPath: join(config.DATA_DIR, 'devnet.db'), ...ports });
  } catch (error) {
    if (error instanceof DevnetInUseError) throw new DevnetBusyError(error.ownerPid);
    throw error;
  }
}

export interface RunningLedger {
  ledger: Ledger;
  topicId: string;
  worker: OutboxWorker;
  /** For the round runner: writes each round to the outbox and wakes the worker. */
  hook: RoundLedgerHook;
  probe: HealthProbe;
  /** Stops the worker, closes the client, then stops the devnet (when it runs in-process). */
  close(): Promise<void>;
}

/**
 * The ledger this process uses, from configuration: Hedera testnet/mainnet/previewnet or a custom
 * network when an operator is configured, else a devnet started in-process (its chain kept in
 * DATA_DIR/devnet.db). The score topic is MASTER_SCORE_TOPIC, or one created on first start and
 * remembered in settings. The outbox worker is started.
 */
export async function startConfiguredLedger(
  config: Config,
  db: Database,
  log: Logger,
  options: {
    metrics?: OutboxMetrics;
    /** false for one-off commands: only the server's worker sends outbox entries. */
    startWorker?: boolean;
  } = {},
): Promise<RunningLedger> {
  const closers: (() => Promise<void>)[] = [];
  const closeAll = async () => {
    for (const close of closers.splice(0).reverse())
      await close().catch((error) => log.warn({ err: error }, 'ledger shutdown step failed'));
  };
  try {
    let ledger: Ledger;
    let kind: LedgerKind;
    if (config.HEDERA_OPERATOR_ID && config.HEDERA_OPERATOR_KEY) {
      kind = config.HEDERA_NODES
        ? 'custom'
        : config.HEDERA_NETWORK === 'devnet'
          ? 'custom'
          : config.HEDERA_NETWORK;
      const mirrorUrl =
        config.HEDERA_MIRROR_URL ??
        (kind === 'custom' ? undefined : PUBLIC_MIRRORS[kind as keyof typeof PUBLIC_MIRRORS]);
      if (!mirrorUrl) throw new Error('HEDERA_MIRROR_URL is required with HEDERA_NODES');
      ledger = await createHederaLedger({
        kind,
        ...(config.HEDERA_NODES ? { nodes: parseHederaNodes(config.HEDERA_NODES) } : {}),
        mirrorUrl,
        operatorId: config.HEDERA_OPERATOR_ID,
        operatorKey: config.HEDERA_OPERATOR_KEY,
      });
      closers.push(() => ledger.close());
    } else {
      kind = 'devnet';
      const devnet = await startDevnetOnDataDir(config, {
        grpcPort: config.DEVNET_PORT,
        mirrorPort: config.DEVNET_MIRROR_PORT,
      });
      closers.push(() => devnet.stop());
      ledger = await createHederaLedger({
        kind,
        nodes: { [devnet.grpcEndpoint]: devnet.nodeAccountId },
        mirrorUrl: devnet.mirrorUrl,
        operatorId: devnet.operator.accountId,
        operatorKey: devnet.operator.privateKey,
      });
      closers.push(() => ledger.close());
      log.info(
        { grpc: devnet.grpcEndpoint, mirror: devnet.mirrorUrl, operator: devnet.operator.accountId },
        'devnet ledger started in-process',
      );
    }

    const topicId = await scoreTopic(config, db, ledger, log);
    if (kind === 'devnet') await ensureDevnetRewardToken(config, db, ledger, log);
    const worker = createOutboxWorker({
      db,
      ledger,
      topicId,
      log,
      ...(options.metrics ? { metrics: options.metrics } : {}),
    });
    if (options.startWorker !== false) {
      worker.start();
      closers.push(() => worker.stop());
    }

    return {
      ledger,
      topicId,
      worker,
      hook: createOutboxHook({ topicId, onEnqueued: () => worker.kick() }),
      probe: async () => {
        try {
          await ledger.ping();
          return { status: 'up', kind };
        } catch (error) {
          return { status: 'down', kind, error: error instanceof Error ? error.message : 'ping failed' };
        }
      },
      close: closeAll,
    };
  } catch (error) {
    await closeAll();
    throw error;
  }
}

async function scoreTopic(config: Config, db: Database, ledger: Ledger, log: Logger): Promise<string> {
  if (config.MASTER_SCORE_TOPIC) return config.MASTER_SCORE_TOPIC;
  const settings = createSettingsRepository(db);
  const stored = settings.get(SCORE_TOPIC_SETTING);
  if (stored) return stored;
  const topicId = await ledger.createTopic('TensorNode validation scores');
  settings.set(SCORE_TOPIC_SETTING, topicId);
  log.info({ topicId }, 'score topic created');
  return topicId;
}

/**
 * On the embedded devnet the reward token is created on first start, as the score topic is, so
 * `rewards.distribute` works with nothing configured. Real networks use `tensornode token create`.
 */
async function ensureDevnetRewardToken(
  config: Config,
  db: Database,
  ledger: Ledger,
  log: Logger,
): Promise<void> {
  if (findRewardTokenId({ db, config })) return;
  try {
    await createRewardToken(
      { db, config, log, ledger },
      { name: 'TensorNode Reward', symbol: 'TAO', decimals: 8 },
    );
  } catch (error) {
    log.warn({ err: error }, 'could not create the devnet reward token; rewards.distribute will say so');
  }
}

/** The devnet alone, on DATA_DIR/devnet.db (what `tensornode devnet` runs). */
export async function startLocalDevnet(
  config: Config,
  ports: { grpcPort?: number; mirrorPort?: number } = {},
) {
  return startDevnetOnDataDir(config, {
    grpcPort: ports.grpcPort ?? config.DEVNET_PORT,
    mirrorPort: ports.mirrorPort ?? config.DEVNET_MIRROR_PORT,
  });
}
