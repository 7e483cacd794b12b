import { and, asc, desc, eq, isNull, lt, or } from 'drizzle-orm';
import type { Executor } from '../client.ts';
import { rewardEpochs, rewardPayouts } from '../schema.ts';

export type RewardEpochRow = typeof rewardEpochs.$inferSelect;
export type RewardPayoutRow = typeof rewardPayouts.$inferSelect;

export function createRewardRepository(db: Executor) {
  return {
    /** Epochs newest first. */
    listEpochs(limit: number): RewardEpochRow[] {
      return db.select().from(rewardEpochs).orderBy(desc(rewardEpochs.epoch)).limit(limit).all();
    },
    findEpoch(epoch: string): RewardEpochRow | undefined {
      return db.select().from(rewardEpochs).where(eq(rewardEpochs.epoch, epoch)).get();
    },
    /** Inserts the epoch with its payouts; false when the epoch already exists. */
    insertEpoch(
      row: Pick<RewardEpochRow, 'epoch' | 'tokenId' | 'emission'> &
        Partial<Pick<RewardEpochRow, 'leaseOwner' | 'leaseUntil'>>,
      payouts: readonly { minerAddress: string; amount: string }[],
    ): boolean {
      const inserted = db
        .insert(rewardEpochs)
        .values({ ...row, status: 'minting' })
        .onConflictDoNothing()
        .run();
      if (inserted.changes === 0) return false;
      for (const payout of payouts) {
        db.insert(rewardPayouts)
          .values({ epoch: row.epoch, ...payout, status: 'pending' })
          .run();
      }
      return true;
    },
    updateEpoch(
      epoch: string,
      fields: Partial<Pick<RewardEpochRow, 'status' | 'mintTransactionId' | 'completedAt'>>,
    ): void {
      db.update(rewardEpochs).set(fields).where(eq(rewardEpochs.epoch, epoch)).run();
    },
    /**
     * Takes the epoch's lease when nobody holds a live one. One UPDATE decides, so two processes
     * cannot both win; false when another run holds it.
     */
    claimEpoch(epoch: string, lease: { owner: string; now: Date; until: Date }): boolean {
      return (
        db
          .update(rewardEpochs)
          .set({ leaseOwner: lease.owner, leaseUntil: lease.until })
          .where(
            and(
              eq(rewardEpochs.epoch, epoch),
              or(
                isNull(rewardEpochs.leaseOwner),
                isNull(rewardEpochs.leaseUntil),
                lt(rewardEpochs.leaseUntil, lease.now),
              ),
            ),
          )
          .run().changes === 1
      );
    },
    /** Extends a lease we still hold; false when another run has taken it over. */
    renewEpochLease(epoch: string, owner: string, until: Date): boolean {
      return (
        db
          .update(rewardEpochs)
          .set({ leaseUntil: until })
          .where(and(eq(rewardEpochs.epoch, epoch), eq(rewardEpochs.leaseOwner, owner)))
          .run().changes === 1
      );
    },
    releaseEpoch(epoch: string, owner: string): void {
      db.update(rewardEpochs)
        .set({ leaseOwner: null, leaseUntil: null })
        .where(and(eq(rewardEpochs.epoch, epoch), eq(rewardEpochs.leaseOwner, owner)))
        .run();
    },
    /** Records the mint's transaction id only if the stored one is still `expected` (compare-and-set). */
    setMintTransaction(epoch: string, transactionId: string, expected: string | null): boolean {
      return (
        db
          .update(rewardEpochs)
          .set({ mintTransactionId: transactionId })
          .where(
            and(
              eq(rewardEpochs.epoch, epoch),
              expected === null
                ? isNull(rewardEpochs.mintTransactionId)
                : eq(rewardEpochs.mintTransactionId, expected),
            ),
          )
          .run().changes === 1
      );
    },
    payout(id: number): RewardPayoutRow | undefined {
      return db.select().from(rewardPayouts).where(eq(rewardPayouts.id, id)).get();
    },
    /**
     * Marks the payout pending with the transaction about to be sent, only if its stored id is still
     * `expected` and it is not paid: of two runs, one records, the other re-reads and follows that id.
     */
    setPayoutTransaction(id: number, transactionId: string, expected: string | null): boolean {
      return (
        db
          .update(rewardPayouts)
          .set({ status: 'pending', transactionId, reason: null })
          .where(
            and(
              eq(rewardPayouts.id, id),
              or(eq(rewardPayouts.status, 'pending'), eq(rewardPayouts.status, 'unpaid')),
              expected === null
                ? isNull(rewardPayouts.transactionId)
                : eq(rewardPayouts.transactionId, expected),
            ),
          )
          .run().changes === 1
      );
    },
    payouts(epoch: string): RewardPayoutRow[] {
      return db
        .select()
        .from(rewardPayouts)
        .where(eq(rewardPayouts.epoch, epoch))
        .orderBy(asc(rewardPayouts.id))
        .all();
    },
    updatePayout(
      id: number,
      fields: Partial<Pick<RewardPayoutRow, 'status' | 'reason' | 'transactionId' | 'paidAt'>>,
    ): void {
      db.update(rewardPayouts).set(fields).where(eq(rewardPayouts.id, id)).run();
    },
  };
}
export type RewardRepository = ReturnType<typeof createRewardRepository>;
