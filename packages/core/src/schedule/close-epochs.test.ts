import {
  createMinerScoreRepository,
  createRewardRepository,
  createSettingsRepository,
  type DatabaseHandle,
  openDatabase,
} from '@tensornode/db';
import { type Devnet, startDevnet } from '@tensornode/devnet';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../config.ts';
import { silentLogger } from '../context.ts';
import type { Ledger } from '../ledger/ledger.ts';
import { devnetLedger } from '../ledger/testing.ts';
import { createRewardToken, findRewardTokenId, listEpochs, type RewardsContext } from '../rewards/index.ts';
import { AUTO_EPOCHS_SINCE_SETTING, closeDueEpochs, nextUtcMidnight, setSchedule } from './index.ts';

let devnet: Devnet;
let ledger: Ledger;
let database: DatabaseHandle | undefined;

beforeAll(async () => {
  devnet = await startDevnet({ dbPath: ':memory:' });
  ledger = await devnetLedger(devnet);
}, 30_000);
afterAll(async () => {
  await ledger?.close();
  await devnet?.stop();
});
afterEach(() => database?.close());

function context(clock: { at: number }, env: Record<string, string> = {}): RewardsContext {
  database = openDatabase({ path: ':memory:' });
  return {
    db: database.db,
    config: parseConfig({ REWARD_DAILY_EMISSION: '1000', ...env }),
    log: silentLogger,
    ledger,
    now: () => new Date(clock.at),
  };
}

describe('epochs close themselves after each UTC midnight', () => {
  it('distributes three days once each across three midnights, one of them missed while down', async () => {
    const clock = { at: Date.parse('2026-11-01T09:30:00Z') };
    const ctx = context(clock);
    await createRewardToken(ctx, { name: 'TensorNode Reward', symbol: 'TAO', decimals: 0 });
    const miner = await devnet.createAccount({ initialHbar: 5 });
    const tokenId = findRewardTokenId(ctx)!;
    await ledger.associate(miner.accountId, miner.privateKey!, [tokenId]);
    createMinerScoreRepository(ctx.db).upsert([
      {
        minerAddress: miner.accountId,
        emaScore: 80,
        rounds: 1,
        answered: 1,
        lastScore: 80,
        lastSeenAt: new Date(clock.at),
      },
    ]);
    const distributed: string[] = [];
    const run = () => closeDueEpochs({ ...ctx, observer: { epochDistributed: (e) => distributed.push(e) } });

    // First start (devnet: on by default): nothing is owed yet; closing starts with today.
    expect(await run()).toEqual([]);
    expect(await run()).toEqual([]);

    // Midnight 1, seen by the running server a few seconds after.
    clock.at = nextUtcMidnight(new Date(clock.at)).getTime() + 5_000;
    expect(await run()).toEqual(['2026-11-01']);
    clock.at += 3600_000;
    expect(await run()).toEqual([]);

    // Down from 11-02 20:00 until after midnight 3: midnight 2 is missed and caught up, in order.
    clock.at = Date.parse('2026-11-04T00:00:02Z');
    expect(await run()).toEqual(['2026-11-02', '2026-11-03']);
    expect(await run()).toEqual([]);

    expect(distributed).toEqual(['2026-11-01', '2026-11-02', '2026-11-03']);
    const epochs = listEpochs(ctx, { limit: 10 });
    expect(epochs.map((e) => [e.epoch, e.status, e.paid])).toEqual([
      ['2026-11-03', 'distributed', 1],
      ['2026-11-02', 'distributed', 1],
      ['2026-11-01', 'distributed', 1],
    ]);
    // Each epoch paid the miner the whole emission exactly once.
    const payouts = epochs.flatMap((e) => createRewardRepository(ctx.db).payouts(e.epoch));
    expect(payouts.map((p) => [p.minerAddress, p.amount, p.status])).toEqual(
      Array.from({ length: 3 }, () => [miner.accountId, '1000', 'paid']),
    );
  }, 60_000);

  it('stays off on testnet until an admin turns it on, then starts from that day', async () => {
    const clock = { at: Date.parse('2026-11-10T12:00:00Z') };
    const ctx = context(clock, { HEDERA_NETWORK: 'testnet' });
    expect(await closeDueEpochs(ctx)).toEqual([]);
    clock.at += 2 * 86_400_000;
    expect(await closeDueEpochs(ctx)).toEqual([]);
    setSchedule(ctx, { autoEpochs: true });
    expect(await closeDueEpochs(ctx)).toEqual([]);
    expect(createSettingsRepository(ctx.db).get(AUTO_EPOCHS_SINCE_SETTING)).toBe('2026-11-12');
  });
});
