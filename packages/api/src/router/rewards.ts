import { requireLedger } from '@tensornode/core/ledger';
import { distributeRewards, EPOCH_PATTERN, listEpochs, previewRewards } from '@tensornode/core/rewards';
import type { TRPCRouterRecord } from '@trpc/server';
import { z } from 'zod';
import { adminProcedure, operatorProcedure, viewerProcedure } from '../trpc.ts';

/** A UTC day, YYYY-MM-DD; core checks it is a real day and not in the future. */
export const ZEpochInput = z.object({ epoch: z.string().regex(EPOCH_PATTERN, 'expected YYYY-MM-DD') });

const report = z.object({
  epoch: z.string(),
  tokenId: z.string().nullable(),
  emission: z.string(),
  distributed: z.string(),
  remainder: z.string(),
  status: z.enum(['not_run', 'minting', 'minted', 'distributed']),
  payouts: z.array(
    z.object({
      minerAddress: z.string(),
      emaScore: z.number().nullable(),
      amount: z.string(),
      status: z.enum(['planned', 'pending', 'paid', 'unpaid']),
      reason: z.string().nullable(),
      transactionId: z.string().nullable(),
    }),
  ),
  /** The epoch's rounds and the scores roots they anchored (docs/audit.md). */
  rounds: z.array(
    z.object({
      roundId: z.string(),
      completedAt: z.date(),
      scoresRoot: z.string().nullable(),
      topicId: z.string().nullable(),
      sequenceNumber: z.number().nullable(),
    }),
  ),
});

export const rewardsRouter = {
  /** What the epoch pays: its stored payouts once it ran, else the split of the current scores. */
  preview: operatorProcedure
    .input(ZEpochInput)
    .output(report)
    .query(({ ctx, input }) => previewRewards(ctx.services, input)),
  /** Mints the epoch's emission and pays the miners; running it again pays nothing twice. */
  distribute: adminProcedure
    .input(ZEpochInput)
    .output(report)
    .mutation(({ ctx, input }) =>
      distributeRewards({ ...ctx.services, log: ctx.log, ledger: requireLedger(ctx.services).ledger }, input),
    ),
  /** Epochs newest first, with their status and the rounds (by trigger) of their UTC day. */
  epochs: viewerProcedure
    .input(z.object({ limit: z.number().int().min(1).max(366).default(30) }).default({ limit: 30 }))
    .output(
      z.array(
        z.object({
          epoch: z.string(),
          status: z.enum(['minting', 'minted', 'distributed']),
          tokenId: z.string(),
          emission: z.string(),
          paid: z.number().int(),
          unpaid: z.number().int(),
          rounds: z.object({ manual: z.number().int(), schedule: z.number().int() }),
          createdAt: z.date(),
          completedAt: z.date().nullable(),
        }),
      ),
    )
    .query(({ ctx, input }) => listEpochs(ctx.services, input)),
} satisfies TRPCRouterRecord;
