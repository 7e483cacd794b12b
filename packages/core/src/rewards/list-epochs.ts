import { createRewardRepository, createRoundRepository } from '@tensornode/db';
import type { CoreContext } from '../context.ts';

const DAY_MS = 24 * 3600_000;

/** Epochs newest first: status, payouts paid and unpaid, and the rounds run on the epoch's UTC day. */
export function listEpochs(ctx: CoreContext, input: { limit: number }) {
  const repo = createRewardRepository(ctx.db);
  const rounds = createRoundRepository(ctx.db);
  return repo.listEpochs(input.limit).map((e) => {
    const payouts = repo.payouts(e.epoch);
    const from = new Date(`${e.epoch}T00:00:00.000Z`);
    return {
      epoch: e.epoch,
      status: e.status,
      tokenId: e.tokenId,
      emission: e.emission,
      paid: payouts.filter((p) => p.status === 'paid').length,
      unpaid: payouts.filter((p) => p.status === 'unpaid').length,
      rounds: rounds.countByTrigger(from, new Date(from.getTime() + DAY_MS)),
      createdAt: e.createdAt,
      completedAt: e.completedAt,
    };
  });
}
