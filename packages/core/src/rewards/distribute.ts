import { createMinerScoreRepository, createRewardRepository, type RewardPayoutRow } from '@tensornode/db';
import { UpstreamError } from '../errors.ts';
import { type Ledger, LedgerError, type LedgerReceipt, type PreparedTransaction } from '../ledger/ledger.ts';
import { validStartOf } from '../ledger/outbox.ts';
import { epochOf, parseEpoch } from './epoch.ts';
import { findRewardTokenId, type RewardsContext, requireRewardTokenId } from './reward-token.ts';
import { splitEmission } from './shares.ts';

export interface RewardPayoutView {
  minerAddress: string;
  /** The moving average the share was computed from (previews; null once stored). */
  emaScore: number | null;
  /** Smallest token units, as a decimal string. */
  amount: string;
  status: 'planned' | 'pending' | 'paid' | 'unpaid';
  reason: string | null;
  transactionId: string | null;
}

export interface RewardsReport {
  epoch: string;
  tokenId: string | null;
  emission: string;
  distributed: string;
  remainder: string;
  status: 'not_run' | 'minting' | 'minted' | 'distributed';
  payouts: RewardPayoutView[];
}

export type RewardsProgress =
  | { type: 'minting'; amount: string }
  | { type: 'minted'; transactionId: string }
  | {
      type: 'payout';
      minerAddress: string;
      amount: string;
      status: 'paid' | 'unpaid';
      reason: string | null;
      index: number;
      total: number;
    };

function toView(p: RewardPayoutRow): RewardPayoutView {
  return {
    minerAddress: p.minerAddress,
    emaScore: null,
    amount: p.amount,
    status: p.status,
    reason: p.reason,
    transactionId: p.transactionId,
  };
}

function scoresSnapshot(ctx: RewardsContext) {
  // Every miner: the leaderboard query orders them, the split filters unpayable keys.
  return createMinerScoreRepository(ctx.db).leaderboard(Number.MAX_SAFE_INTEGER);
}

/** What an epoch pays (or paid): stored payouts once it ran, else the split of today's scores. */
export function previewRewards(ctx: Omit<RewardsContext, 'ledger'>, input: { epoch: string }): RewardsReport {
  const epoch = parseEpoch(input.epoch, ctx.now?.() ?? new Date());
  const stored = createRewardRepository(ctx.db).findEpoch(epoch);
  if (stored) {
    const payouts = createRewardRepository(ctx.db).payouts(epoch);
    const distributed = payouts.filter((p) => p.status === 'paid').reduce((s, p) => s + BigInt(p.amount), 0n);
    return {
      epoch,
      tokenId: stored.tokenId,
      emission: stored.emission,
      distributed: distributed.toString(),
      remainder: (BigInt(stored.emission) - distributed).toString(),
      status: stored.status,
      payouts: payouts.map(toView),
    };
  }
  const emission = ctx.config.REWARD_DAILY_EMISSION;
  const split = splitEmission(emission, scoresSnapshot(ctx as RewardsContext));
  return {
    epoch,
    tokenId: findRewardTokenId(ctx) ?? null,
    emission: emission.toString(),
    distributed: split.distributed.toString(),
    remainder: split.remainder.toString(),
    status: 'not_run',
    payouts: split.shares.map((s) => ({
      minerAddress: s.minerAddress,
      emaScore: s.emaScore,
      amount: s.amount.toString(),
      status: 'planned',
      reason: null,
      transactionId: null,
    })),
  };
}

/**
 * Sends a transaction at most once across crashes and reruns. `storedId` is the id recorded
 * before an earlier send: while it is valid it is resent (Hedera executes an id once); after it
 * expired, a new id is used only when the ledger says the old one never executed.
 */
async function sendOnce(
  ledger: Ledger,
  storedId: string | null,
  prepare: (transactionId?: string) => Promise<PreparedTransaction>,
  record: (transactionId: string) => void,
): Promise<LedgerReceipt> {
  if (storedId) {
    const validUntil = new Date(validStartOf(storedId).getTime() + ledger.validDurationSeconds * 1000);
    const outcome = await ledger.transactionOutcome(storedId, validUntil);
    if (outcome.state === 'executed') {
      if (outcome.receipt.status !== 'SUCCESS')
        throw new LedgerError(outcome.receipt.status, outcome.receipt.status, false);
      return outcome.receipt;
    }
    if (outcome.state === 'unknown') {
      if (Date.now() >= validUntil.getTime()) {
        throw new UpstreamError(
          'hedera',
          `cannot tell yet whether ${storedId} executed; run again in a minute`,
        );
      }
      return ledger.submitPrepared((await prepare(storedId)).chunks);
    }
  }
  const prepared = await prepare();
  record(prepared.transactionId);
  return ledger.submitPrepared(prepared.chunks);
}

const running = new Set<string>();

/**
 * Runs an epoch: mints the daily emission and pays each miner its share of it, once. The split is
 * fixed when the epoch first runs; a rerun pays only what is still owed (crashed sends, and
 * miners that were unpaid because they had not associated the token).
 */
export async function distributeRewards(
  ctx: RewardsContext,
  input: { epoch?: string },
  onProgress: (event: RewardsProgress) => void = () => {},
): Promise<RewardsReport> {
  const now = () => ctx.now?.() ?? new Date();
  const epoch = parseEpoch(input.epoch ?? epochOf(now()), now());
  if (running.has(epoch)) throw new UpstreamError('rewards', `epoch ${epoch} is already being distributed`);
  running.add(epoch);
  try {
    const repo = createRewardRepository(ctx.db);
    let row = repo.findEpoch(epoch);
    if (!row) {
      const tokenId = requireRewardTokenId(ctx);
      const emission = ctx.config.REWARD_DAILY_EMISSION;
      const { shares } = splitEmission(emission, scoresSnapshot(ctx));
      ctx.db.transaction((tx) => {
        createRewardRepository(tx).insertEpoch(
          { epoch, tokenId, emission: emission.toString() },
          shares.map((s) => ({ minerAddress: s.minerAddress, amount: s.amount.toString() })),
        );
      });
      row = repo.findEpoch(epoch)!;
      ctx.log.info({ epoch, tokenId, miners: shares.length }, 'reward epoch planned');
    }
    const { tokenId } = row;
    const emission = BigInt(row.emission);

    if (row.status === 'minting') {
      onProgress({ type: 'minting', amount: emission.toString() });
      const receipt = await sendOnce(
        ctx.ledger,
        row.mintTransactionId,
        (transactionId) => ctx.ledger.prepareMint(tokenId, emission, transactionId ? { transactionId } : {}),
        (transactionId) => repo.updateEpoch(epoch, { mintTransactionId: transactionId }),
      );
      repo.updateEpoch(epoch, { status: 'minted' });
      onProgress({ type: 'minted', transactionId: receipt.transactionId });
    }

    const owed = repo.payouts(epoch).filter((p) => p.status !== 'paid');
    let index = 0;
    for (const payout of owed) {
      index++;
      const amount = BigInt(payout.amount);
      try {
        await sendOnce(
          ctx.ledger,
          payout.status === 'pending' ? payout.transactionId : null,
          (transactionId) =>
            ctx.ledger.prepareTokenTransfer(
              tokenId,
              payout.minerAddress,
              amount,
              transactionId ? { transactionId } : {},
            ),
          (transactionId) => repo.updatePayout(payout.id, { status: 'pending', transactionId, reason: null }),
        );
        repo.updatePayout(payout.id, { status: 'paid', reason: null, paidAt: now() });
        onProgress({
          type: 'payout',
          minerAddress: payout.minerAddress,
          amount: payout.amount,
          status: 'paid',
          reason: null,
          index,
          total: owed.length,
        });
      } catch (error) {
        // Retryable trouble stops the run (a rerun continues); a refusal is recorded and skipped.
        if (!(error instanceof LedgerError) || error.retryable) throw error;
        repo.updatePayout(payout.id, { status: 'unpaid', reason: error.message });
        onProgress({
          type: 'payout',
          minerAddress: payout.minerAddress,
          amount: payout.amount,
          status: 'unpaid',
          reason: error.message,
          index,
          total: owed.length,
        });
      }
    }
    repo.updateEpoch(epoch, {
      status: 'distributed',
      completedAt: repo.findEpoch(epoch)?.completedAt ?? now(),
    });
    return previewRewards(ctx, { epoch });
  } finally {
    running.delete(epoch);
  }
}
