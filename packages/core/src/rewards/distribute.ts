import { randomUUID } from 'node:crypto';
import {
  createMinerScoreRepository,
  createRewardRepository,
  createRoundAuditRepository,
  type Executor,
  type RewardEpochRow,
  type RewardPayoutRow,
} from '@tensornode/db';
import { getAuditPolicy, sybilGroups } from '../audit/flags.ts';
import { revealRoundsBefore } from '../audit/reveal.ts';
import { ConflictError, UpstreamError } from '../errors.ts';
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
  /**
   * The rounds of the epoch's UTC day, whose scores moved the averages the payouts split by, each
   * with the scores root it anchored on the topic (null for a v1 round): a miner traces its payout
   * to its anchored scores with `ledger.proof`.
   */
  rounds: EpochRound[];
}

export interface EpochRound {
  roundId: string;
  completedAt: Date;
  scoresRoot: string | null;
  topicId: string | null;
  sequenceNumber: number | null;
}

function epochEnd(epoch: string): Date {
  return new Date(new Date(`${epoch}T00:00:00.000Z`).getTime() + 86_400_000);
}

function epochRounds(db: Executor, epoch: string): EpochRound[] {
  return createRoundAuditRepository(db).roundsBetween(new Date(`${epoch}T00:00:00.000Z`), epochEnd(epoch));
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

function scoresSnapshot(db: Executor) {
  // Every miner: the leaderboard query orders them, the split filters unpayable keys.
  return createMinerScoreRepository(db).leaderboard(Number.MAX_SAFE_INTEGER);
}

/** Under the one-share-per-Sybil-group policy, the groups whose miners share one share. */
function sharedRewardGroups(db: Executor): string[][] {
  if (!getAuditPolicy({ db }).oneSharePerSybilGroup) return [];
  return sybilGroups({ db }).map((g) => g.minerAddresses);
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
      rounds: epochRounds(ctx.db, epoch),
    };
  }
  const emission = ctx.config.REWARD_DAILY_EMISSION;
  const split = splitEmission(emission, scoresSnapshot(ctx.db), sharedRewardGroups(ctx.db));
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
    rounds: epochRounds(ctx.db, epoch),
  };
}

/** How long a run holds an epoch without renewing; after it, a crashed run's epoch can be resumed. */
export const EPOCH_LEASE_MS = 5 * 60_000;

/**
 * Sends a transaction at most once across crashes, reruns and concurrent runs. `stored()` reads the
 * id recorded before an earlier send: while it is valid it is resent (Hedera executes an id once);
 * after it expired, a new id is used only when the ledger says the old one never executed.
 * `record(id, expected)` stores a new id only if the stored one is still `expected`; when another run
 * recorded first, its id is re-read and followed instead of sending a second transaction.
 */
async function sendOnce(
  ledger: Ledger,
  stored: () => { sendable: string | null; current: string | null },
  prepare: (transactionId?: string) => Promise<PreparedTransaction>,
  record: (transactionId: string, expected: string | null) => boolean,
  /** Keeps why the send waits beside the entry, which stays pending. */
  waiting: (reason: string) => void = () => {},
): Promise<LedgerReceipt> {
  for (;;) {
    const { sendable, current } = stored();
    if (sendable) {
      const validUntil = new Date(validStartOf(sendable).getTime() + ledger.validDurationSeconds * 1000);
      const outcome = await ledger.transactionOutcome(sendable, validUntil);
      if (outcome.state === 'executed') {
        if (outcome.receipt.status !== 'SUCCESS')
          throw new LedgerError(outcome.receipt.status, outcome.receipt.status, false);
        return outcome.receipt;
      }
      if (outcome.state === 'unknown') {
        if (Date.now() >= validUntil.getTime()) {
          const reason = `cannot tell yet whether ${sendable} executed (${outcome.reason}); kept pending, not signed again — run again once the mirror has caught up`;
          waiting(reason);
          throw new UpstreamError('hedera', reason);
        }
        return ledger.submitPrepared((await prepare(sendable)).chunks);
      }
    }
    const prepared = await prepare();
    if (record(prepared.transactionId, current)) return ledger.submitPrepared(prepared.chunks);
  }
}

/**
 * Takes the epoch for this run, planning it on its first run. The check and the claim happen in one
 * IMMEDIATE transaction, so of two processes on one database exactly one gets the epoch.
 */
function claimEpoch(ctx: RewardsContext, epoch: string, owner: string, now: Date): RewardEpochRow {
  return ctx.db.transaction(
    (tx) => {
      const repo = createRewardRepository(tx);
      const until = new Date(now.getTime() + EPOCH_LEASE_MS);
      const existing = repo.findEpoch(epoch);
      if (!existing) {
        const tokenId = requireRewardTokenId(ctx);
        const emission = ctx.config.REWARD_DAILY_EMISSION;
        const { shares } = splitEmission(emission, scoresSnapshot(tx), sharedRewardGroups(tx));
        repo.insertEpoch(
          { epoch, tokenId, emission: emission.toString(), leaseOwner: owner, leaseUntil: until },
          shares.map((s) => ({ minerAddress: s.minerAddress, amount: s.amount.toString() })),
        );
        ctx.log.info({ epoch, tokenId, miners: shares.length }, 'reward epoch planned');
      } else if (!repo.claimEpoch(epoch, { owner, now, until })) {
        throw new ConflictError(`epoch ${epoch} is already being distributed; try again when that run ends`);
      }
      return repo.findEpoch(epoch)!;
    },
    { behavior: 'immediate' },
  );
}

/**
 * Runs an epoch: mints the daily emission and pays each miner its share of it, once. The split is
 * fixed when the epoch first runs; a rerun pays only what is still owed (crashed sends, and
 * miners that were unpaid because they had not associated the token). The database is the lock:
 * a second run while one holds the epoch's lease gets a ConflictError.
 */
export async function distributeRewards(
  ctx: RewardsContext,
  input: { epoch?: string },
  onProgress: (event: RewardsProgress) => void = () => {},
): Promise<RewardsReport> {
  const now = () => ctx.now?.() ?? new Date();
  const epoch = parseEpoch(input.epoch ?? epochOf(now()), now());
  const owner = randomUUID();
  const row = claimEpoch(ctx, epoch, owner, now());
  const repo = createRewardRepository(ctx.db);
  const keepLease = () => {
    if (!repo.renewEpochLease(epoch, owner, new Date(now().getTime() + EPOCH_LEASE_MS)))
      throw new ConflictError(`epoch ${epoch} was taken over by another run; this run stopped`);
  };
  try {
    const { tokenId } = row;
    const emission = BigInt(row.emission);

    if (row.status === 'minting') {
      onProgress({ type: 'minting', amount: emission.toString() });
      keepLease();
      const receipt = await sendOnce(
        ctx.ledger,
        () => {
          const id = repo.findEpoch(epoch)?.mintTransactionId ?? null;
          return { sendable: id, current: id };
        },
        (transactionId) => ctx.ledger.prepareMint(tokenId, emission, transactionId ? { transactionId } : {}),
        (transactionId, expected) => repo.setMintTransaction(epoch, transactionId, expected),
      );
      repo.updateEpoch(epoch, { status: 'minted' });
      onProgress({ type: 'minted', transactionId: receipt.transactionId });
    }

    const owed = repo.payouts(epoch).filter((p) => p.status !== 'paid');
    let index = 0;
    for (const payout of owed) {
      index++;
      keepLease();
      // Re-read right before sending: another run may have paid or recorded it since the list was read.
      const fresh = repo.payout(payout.id);
      if (!fresh || fresh.status === 'paid') continue;
      const amount = BigInt(payout.amount);
      try {
        await sendOnce(
          ctx.ledger,
          () => {
            const current = repo.payout(payout.id);
            if (current?.status === 'paid')
              throw new ConflictError(`payout to ${payout.minerAddress} was paid by another run`);
            // An unpaid payout's id executed with a refusal: it is replaced, never resent.
            const id = current?.transactionId ?? null;
            return { sendable: current?.status === 'pending' ? id : null, current: id };
          },
          (transactionId) =>
            ctx.ledger.prepareTokenTransfer(
              tokenId,
              payout.minerAddress,
              amount,
              transactionId ? { transactionId } : {},
            ),
          (transactionId, expected) => repo.setPayoutTransaction(payout.id, transactionId, expected),
          (reason) => repo.updatePayout(payout.id, { reason }),
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
    // The epoch is closed: its rounds' salts, questions and truths go to the topic.
    revealRoundsBefore(ctx, epochEnd(epoch));
    return previewRewards(ctx, { epoch });
  } finally {
    repo.releaseEpoch(epoch, owner);
  }
}
