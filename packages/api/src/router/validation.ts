import { InvalidInputError } from '@tensornode/core';
import {
  getRound,
  leaderboard,
  listRounds,
  minerScoreHistory,
  runValidationRound,
} from '@tensornode/core/validation';
import { type TRPCRouterRecord, tracked } from '@trpc/server';
import { z } from 'zod';
import { operatorProcedure, publicProcedure, viewerProcedure } from '../trpc.ts';
import { scoringMethodSchema } from './scoring.ts';

const hederaAccount = z.string().regex(/^0\.0\.\d+$/, 'expected a Hedera account id like 0.0.1234');

export const ZRunRoundInput = z.object({
  roundId: z.uuid().optional(),
  prompt: z.string().trim().min(1).max(20_000),
  truth: z.string().trim().min(1).max(10_000),
  vmIds: z.array(z.string().min(1).max(200)).min(1).max(10_000).optional(),
  timeoutMs: z.number().int().min(100).max(300_000).optional(),
  method: scoringMethodSchema.optional(),
});

export const validationRouter = {
  run: operatorProcedure.input(ZRunRoundInput).mutation(async ({ ctx, input }) => {
    const { services } = ctx;
    // The provider's id format is checked before any miner is contacted.
    input.vmIds?.forEach((id, i) => {
      if (!services.vmProvider.isValidVmId(id)) {
        throw new InvalidInputError(`vmIds.${i}`, `is not a valid ${services.vmProvider.name} VM id`);
      }
    });
    const round = await runValidationRound(
      {
        db: services.db,
        config: services.config,
        log: ctx.log,
        miners: services.miners,
        ledgerHook: services.ledgerHook,
        judge: services.judge,
      },
      input,
      { onProgress: (event) => services.progress.publish(event) },
    );
    ctx.metrics?.validationRequests.inc();
    for (const answer of round.answers) {
      ctx.metrics?.minerAnswers.inc({ outcome: answer.ok ? 'answered' : (answer.reason ?? 'failed') });
    }
    return round;
  }),

  rounds: viewerProcedure
    .input(
      z.object({
        cursor: z.string().max(200).nullish(),
        limit: z.number().int().min(1).max(100).default(20),
      }),
    )
    .query(({ ctx, input }) => listRounds(ctx.services, input)),

  round: viewerProcedure
    .input(z.object({ roundId: z.uuid() }))
    .query(({ ctx, input }) => getRound(ctx.services, input.roundId)),

  onProgress: viewerProcedure
    .input(z.object({ roundId: z.uuid().optional(), lastEventId: z.string().max(100).nullish() }).default({}))
    .subscription(async function* ({ ctx, input, signal }) {
      for await (const { id, event } of ctx.services.progress.subscribe({
        signal,
        lastEventId: input.lastEventId,
      })) {
        if (input.roundId && event.roundId !== input.roundId) continue;
        yield tracked(id, event);
      }
    }),
} satisfies TRPCRouterRecord;

export const minersRouter = {
  leaderboard: publicProcedure
    .input(z.object({ limit: z.number().int().min(1).max(1000).default(100) }).default({ limit: 100 }))
    .query(({ ctx, input }) => leaderboard(ctx.services, input)),
  history: viewerProcedure
    .input(z.object({ minerAddress: z.union([hederaAccount, z.string().regex(/^vm:[\w.-]{1,200}$/)]) }))
    .query(({ ctx, input }) => minerScoreHistory(ctx.services, input.minerAddress)),
} satisfies TRPCRouterRecord;
