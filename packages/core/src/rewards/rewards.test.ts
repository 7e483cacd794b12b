import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  createMinerScoreRepository,
  createRewardRepository,
  type DatabaseHandle,
  openDatabase,
} from '@tensornode/db';
import { type Devnet, startDevnet } from '@tensornode/devnet';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../config.ts';
import { silentLogger } from '../context.ts';
import { ConflictError, InvalidInputError } from '../errors.ts';
import type { Ledger } from '../ledger/ledger.ts';
import { createOutboxHook, createOutboxWorker } from '../ledger/outbox.ts';
import { devnetLedger, recordTestRound } from '../ledger/testing.ts';
import { verifyRound } from '../ledger/verify-round.ts';
import {
  createRewardToken,
  distributeRewards,
  parseEpoch,
  previewRewards,
  type RewardsContext,
  splitEmission,
} from './index.ts';

let devnet: Devnet;
let ledger: Ledger;
let database: DatabaseHandle;

beforeAll(async () => {
  devnet = await startDevnet({ dbPath: ':memory:' });
  ledger = await devnetLedger(devnet);
}, 30_000);

afterAll(async () => {
  await ledger?.close();
  await devnet?.stop();
});

afterEach(() => database?.close());

function context(env: Record<string, string> = {}): RewardsContext {
  database = openDatabase({ path: ':memory:' });
  return {
    db: database.db,
    config: parseConfig({ REWARD_DAILY_EMISSION: '1000000007', ...env }),
    log: silentLogger,
    ledger,
  };
}

function seedScores(ctx: RewardsContext, scores: Record<string, number>) {
  createMinerScoreRepository(ctx.db).upsert(
    Object.entries(scores).map(([minerAddress, emaScore]) => ({
      minerAddress,
      emaScore,
      rounds: 3,
      answered: 3,
      lastScore: Math.round(emaScore),
      lastSeenAt: new Date(),
    })),
  );
}

describe('reward split', () => {
  it('pays whole units by score, never more than the emission, remainder to the treasury', () => {
    const { shares, distributed, remainder } = splitEmission(100n, [
      { minerAddress: '0.0.1', emaScore: 1 },
      { minerAddress: '0.0.2', emaScore: 1 },
      { minerAddress: '0.0.3', emaScore: 1 },
      { minerAddress: 'vm:abc', emaScore: 99 },
    ]);
    expect(shares.map((s) => s.amount)).toEqual([33n, 33n, 33n]);
    expect(distributed).toBe(99n);
    expect(remainder).toBe(1n);
  });

  it('rejects epochs that are not real past days', () => {
    const now = new Date('2026-11-26T12:00:00Z');
    expect(parseEpoch('2026-11-26', now)).toBe('2026-11-26');
    expect(() => parseEpoch('2026-02-30', now)).toThrow(InvalidInputError);
    expect(() => parseEpoch('2026-11-27', now)).toThrow(/future/);
    expect(() => parseEpoch('26-11-2026', now)).toThrow(/YYYY-MM-DD/);
  });
});

describe('rewards on the devnet', () => {
  it('mints the emission, pays miners by score once, and pays an unassociated miner after it associates', async () => {
    const ctx = context();
    const { tokenId } = await createRewardToken(ctx, {
      name: 'TensorNode Reward',
      symbol: 'TAO',
      decimals: 8,
    });
    const miners = await Promise.all([1, 2, 3].map(() => devnet.createAccount({ initialHbar: 5 })));
    const [a, b, late] = miners as [(typeof miners)[0], (typeof miners)[0], (typeof miners)[0]];
    await ledger.associate(a.accountId, a.privateKey!, [tokenId]);
    await ledger.associate(b.accountId, b.privateKey!, [tokenId]);
    seedScores(ctx, { [a.accountId]: 90, [b.accountId]: 45.5, [late.accountId]: 30, 'vm:unassigned': 80 });
    const epoch = new Date().toISOString().slice(0, 10);

    const preview = previewRewards(ctx, { epoch });
    expect(preview.status).toBe('not_run');
    expect(preview.payouts.map((p) => p.minerAddress).sort()).toEqual(
      [a.accountId, b.accountId, late.accountId].sort(),
    );

    const progress: string[] = [];
    const first = await distributeRewards(ctx, { epoch }, (e) => progress.push(e.type));
    expect(progress).toContain('minted');
    const byMiner = Object.fromEntries(first.payouts.map((p) => [p.minerAddress, p]));
    expect(byMiner[a.accountId]?.status).toBe('paid');
    expect(byMiner[b.accountId]?.status).toBe('paid');
    expect(byMiner[late.accountId]?.status).toBe('unpaid');
    expect(byMiner[late.accountId]?.reason).toMatch(/TOKEN_NOT_ASSOCIATED_TO_ACCOUNT/);
    expect(first.payouts.every((p) => p.status !== 'paid' || /^0\.0\.\d+@/.test(p.transactionId ?? ''))).toBe(
      true,
    );

    // Balances on the ledger: treasury keeps exactly what was not paid out.
    const planned = preview.payouts.reduce((s, p) => s + BigInt(p.amount), 0n);
    const balances = await Promise.all([a, b, late, devnet.operator].map((m) => ledger.balance(m.accountId)));
    const [ba, bb, bl, treasury] = balances.map((x) => x.tokens[tokenId] ?? 0n) as [
      bigint,
      bigint,
      bigint,
      bigint,
    ];
    expect(ba + bb + bl + treasury).toBe(1_000_000_007n);
    expect(ba).toBe(BigInt(byMiner[a.accountId]!.amount));
    expect(bl).toBe(0n);

    // A second run pays nothing twice.
    const second = await distributeRewards(ctx, { epoch });
    const after = await Promise.all([a, b].map((m) => ledger.balance(m.accountId)));
    expect(after.map((x) => x.tokens[tokenId])).toEqual([ba, bb]);
    expect(second.payouts.find((p) => p.minerAddress === late.accountId)?.status).toBe('unpaid');

    // Once the late miner associates, the next run pays it — and only it.
    await ledger.associate(late.accountId, late.privateKey!, [tokenId]);
    const third = await distributeRewards(ctx, { epoch });
    expect(third.payouts.every((p) => p.status === 'paid')).toBe(true);
    expect(BigInt(third.distributed)).toBe(planned);
    expect(BigInt(third.distributed) + BigInt(third.remainder)).toBe(1_000_000_007n);
    const final = await Promise.all([a, b, late, devnet.operator].map((m) => ledger.balance(m.accountId)));
    const amounts = final.map((x) => x.tokens[tokenId] ?? 0n);
    expect(amounts.slice(0, 3)).toEqual([ba, bb, BigInt(byMiner[late.accountId]!.amount)]);
    expect(amounts.reduce((s, x) => s + x, 0n)).toBe(1_000_000_007n);
  }, 30_000);

  it('does not pay twice when a crash left a payout pending with its transaction id', async () => {
    const ctx = context();
    const { tokenId } = await createRewardToken(ctx, { name: 'R', symbol: 'R', decimals: 0 });
    const miner = await devnet.createAccount({ initialHbar: 5 });
    await ledger.associate(miner.accountId, miner.privateKey!, [tokenId]);
    seedScores(ctx, { [miner.accountId]: 50 });
    const epoch = new Date().toISOString().slice(0, 10);
    const first = await distributeRewards(ctx, { epoch });
    const paid = first.payouts[0]!;
    // Simulate a crash after the send: the payout is recorded pending with the id that was sent.
    const repo = createRewardRepository(ctx.db);
    const [row] = repo.payouts(epoch);
    repo.updatePayout(row!.id, { status: 'pending', paidAt: null });

    const rerun = await distributeRewards(ctx, { epoch });
    expect(rerun.payouts[0]).toMatchObject({ status: 'paid', transactionId: paid.transactionId });
    expect((await ledger.balance(miner.accountId)).tokens[tokenId]).toBe(BigInt(paid.amount));
  }, 20_000);
});

describe('an expired transaction and a lagging mirror', () => {
  afterEach(() => devnet.holdMirror(null));

  /** An id of ours whose validity window closed minutes ago: recorded by a run that died before sending it. */
  const expiredId = () => `${devnet.operator.accountId}@${Math.floor(Date.now() / 1000) - 600}.000000000`;
  /** The mirror imported nothing of the last hour: every transaction id is a 404 there. */
  const mirrorLagsAnHour = () => devnet.holdMirror(new Date(Date.now() - 3_600_000));

  it('keeps a payout pending (not signed again) while the mirror has no data past its valid-until, then pays it once', async () => {
    const ctx = context();
    const { tokenId } = await createRewardToken(ctx, { name: 'R', symbol: 'R', decimals: 0 });
    const miner = await devnet.createAccount({ initialHbar: 5 });
    seedScores(ctx, { [miner.accountId]: 50 });
    const epoch = new Date().toISOString().slice(0, 10);
    // Minted; the payout is refused (not associated) and the miner associates afterwards.
    expect((await distributeRewards(ctx, { epoch })).payouts[0]?.status).toBe('unpaid');
    await ledger.associate(miner.accountId, miner.privateKey!, [tokenId]);
    const repo = createRewardRepository(ctx.db);
    const [row] = repo.payouts(epoch);
    const stale = expiredId();
    repo.updatePayout(row!.id, { status: 'pending', transactionId: stale, reason: null, paidAt: null });

    mirrorLagsAnHour();
    await expect(distributeRewards(ctx, { epoch })).rejects.toThrow(/kept pending, not signed again/);
    const waiting = repo.payout(row!.id)!;
    expect(waiting).toMatchObject({ status: 'pending', transactionId: stale });
    expect(waiting.reason).toMatch(
      /mirror does not know it, but its history ends at .* before the transaction's valid-until/,
    );
    expect((await ledger.balance(miner.accountId)).tokens[tokenId] ?? 0n).toBe(0n);

    devnet.holdMirror(null); // caught up: its newest record is past the stale id's valid-until
    const paid = await distributeRewards(ctx, { epoch });
    expect(paid.payouts[0]).toMatchObject({ status: 'paid', reason: null });
    expect(paid.payouts[0]?.transactionId).not.toBe(stale);
    const rerun = await distributeRewards(ctx, { epoch });
    expect(rerun.payouts[0]?.transactionId).toBe(paid.payouts[0]?.transactionId);
    expect((await ledger.balance(miner.accountId)).tokens[tokenId]).toBe(BigInt(paid.payouts[0]!.amount));
  }, 30_000);

  it('keeps a mint whose run died before sending it while the mirror lags, then mints once', async () => {
    const ctx = context({ REWARD_DAILY_EMISSION: '1000' });
    const { tokenId } = await createRewardToken(ctx, { name: 'R', symbol: 'R', decimals: 0 });
    const miner = await devnet.createAccount({ initialHbar: 5 });
    await ledger.associate(miner.accountId, miner.privateKey!, [tokenId]);
    seedScores(ctx, { [miner.accountId]: 50 });
    const epoch = new Date().toISOString().slice(0, 10);
    const dies: Ledger = { ...ledger, submitPrepared: () => Promise.reject(new Error('process killed')) };
    await expect(distributeRewards({ ...ctx, ledger: dies }, { epoch })).rejects.toThrow(/process killed/);
    const repo = createRewardRepository(ctx.db);
    const recorded = repo.findEpoch(epoch)!.mintTransactionId;
    const stale = expiredId();
    expect(repo.setMintTransaction(epoch, stale, recorded)).toBe(true);
    const treasury = async () => (await ledger.balance(devnet.operator.accountId)).tokens[tokenId] ?? 0n;

    mirrorLagsAnHour();
    await expect(distributeRewards(ctx, { epoch })).rejects.toThrow(/history ends at/);
    expect(repo.findEpoch(epoch)).toMatchObject({ status: 'minting', mintTransactionId: stale });
    expect(await treasury()).toBe(0n);

    devnet.holdMirror(null);
    const done = await distributeRewards(ctx, { epoch });
    expect(done.payouts[0]?.status).toBe('paid');
    expect(repo.findEpoch(epoch)?.mintTransactionId).not.toBe(stale);
    expect((await ledger.balance(miner.accountId)).tokens[tokenId]).toBe(1000n);
    expect(await treasury()).toBe(0n); // minted 1000 once, all of it paid out
  }, 30_000);
});

describe('one epoch, two processes', () => {
  let dir: string;
  const handles: DatabaseHandle[] = [];
  afterEach(() => {
    for (const h of handles.splice(0)) h.close();
    rmSync(dir, { recursive: true, force: true });
  });

  function twoHandles(): [RewardsContext, RewardsContext] {
    dir = mkdtempSync(join(tmpdir(), 'tn-rewards-'));
    const config = parseConfig({ REWARD_DAILY_EMISSION: '1000', DATA_DIR: dir });
    const open = () => {
      const h = openDatabase({ path: join(dir, 'tensornode.db') });
      handles.push(h);
      return { db: h.db, config, log: silentLogger, ledger } satisfies RewardsContext;
    };
    return [open(), open()];
  }

  it('pays each miner once when two runs on separate database handles race', async () => {
    const [one, two] = twoHandles();
    const { tokenId } = await createRewardToken(one, { name: 'R', symbol: 'R', decimals: 0 });
    const miners = await Promise.all([1, 2].map(() => devnet.createAccount({ initialHbar: 5 })));
    for (const m of miners) await ledger.associate(m.accountId, m.privateKey!, [tokenId]);
    seedScores(one, { [miners[0]!.accountId]: 30, [miners[1]!.accountId]: 70 });
    const epoch = new Date().toISOString().slice(0, 10);

    const results = await Promise.allSettled([
      distributeRewards(one, { epoch }),
      distributeRewards(two, { epoch }),
    ]);
    const refused = results.filter((r) => r.status === 'rejected');
    expect(refused).toHaveLength(1);
    expect((refused[0] as PromiseRejectedResult).reason).toBeInstanceOf(ConflictError);
    // Once the first run ended, a rerun from the other handle pays nothing again.
    const rerun = await distributeRewards(two, { epoch });
    expect(rerun.distributed).toBe('1000');

    const balances = await Promise.all(miners.map((m) => ledger.balance(m.accountId)));
    expect(balances.map((b) => b.tokens[tokenId])).toEqual([300n, 700n]);
  }, 30_000);

  it('resumes an epoch whose run crashed once its lease expired, and refuses while it is live', async () => {
    const [one, two] = twoHandles();
    const { tokenId } = await createRewardToken(one, { name: 'R', symbol: 'R', decimals: 0 });
    const miner = await devnet.createAccount({ initialHbar: 5 });
    await ledger.associate(miner.accountId, miner.privateKey!, [tokenId]);
    seedScores(one, { [miner.accountId]: 50 });
    const epoch = new Date().toISOString().slice(0, 10);
    await distributeRewards(one, { epoch });
    const repo = createRewardRepository(one.db);
    const [row] = repo.payouts(epoch);
    // A crashed run: it holds a live lease and left the payout pending after sending it.
    repo.updatePayout(row!.id, { status: 'pending', paidAt: null });
    const crashedUntil = new Date(Date.now() + 60_000);
    expect(repo.claimEpoch(epoch, { owner: 'crashed', now: new Date(), until: crashedUntil })).toBe(true);
    await expect(distributeRewards(two, { epoch })).rejects.toThrow(/already being distributed/);

    const later = { ...two, now: () => new Date(crashedUntil.getTime() + 1000) };
    const resumed = await distributeRewards(later, { epoch });
    expect(resumed.payouts[0]?.status).toBe('paid');
    expect((await ledger.balance(miner.accountId)).tokens[tokenId]).toBe(1000n);
    expect(repo.findEpoch(epoch)?.leaseOwner).toBeNull();
  }, 30_000);
});

describe('verifyRound', () => {
  it('matches a published round and detects a tampered stored answer', async () => {
    const ctx = context();
    const topicId = await ledger.createTopic('scores');
    const hook = createOutboxHook({ topicId });
    recordTestRound(ctx.db, hook); // an earlier message, so the chain check has a predecessor
    const summary = recordTestRound(ctx.db, hook, {
      answers: [
        { vmId: 'vm-a', minerAddress: '0.0.7001', score: 90, ok: true, response: '42' },
        { vmId: 'vm-b', minerAddress: null, score: 0, ok: false },
      ],
    });
    const worker = createOutboxWorker({ db: ctx.db, ledger, topicId, log: silentLogger });
    await worker.drain();

    const verified = await verifyRound(ctx, summary.roundId);
    expect(verified.reasons).toEqual([]);
    expect(verified.match).toBe(true);
    expect(verified.onLedger.runningHashValid).toBe(true);

    database.sqlite.prepare("update miner_answers set score = 100 where vm_id = 'vm-b'").run();
    const tampered = await verifyRound(ctx, summary.roundId);
    expect(tampered.match).toBe(false);
    expect(tampered.reasons.join(' ')).toMatch(/stored data changed/);
    expect(tampered.reasons.join(' ')).toMatch(/differs from the round rebuilt/);
  });
});
