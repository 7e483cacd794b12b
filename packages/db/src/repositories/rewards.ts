import { asc, eq } from 'drizzle-orm';
import type { Executor } from '../client.ts';
import { rewardEpochs, rewardPayouts } from '../schema.ts';

export type RewardEpochRow = typeof rewardEpochs.$inferSelect;
export type RewardPayoutRow = typeof rewardPayouts.$inferSelect;

export function createRewardRepository(db: Executor) {
  return {
    findEpoch(epoch: string): RewardEpochRow | undefined {
      return db.select().from(rewardEpochs).where(eq(rewardEpochs.epoch, epoch)).get();
    },
    /** Inserts the epoch with its payouts; false when the epoch already exists. */
    insertEpoch(
      row: Pick<RewardEpochRow, 'epoch' | 'tokenId' | 'emission'>,
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
