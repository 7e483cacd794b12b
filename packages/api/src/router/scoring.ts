import { scoreAnswer, scoreResultSchema, ZEvaluateInput } from '@tensornode/core/scoring';
import type { TRPCRouterRecord } from '@trpc/server';
import { operatorProcedure } from '../trpc.ts';

export const scoringRouter = {
  // Operator: each call may spend the LLM judge's budget; it waits behind rounds for the judge's slots.
  evaluate: operatorProcedure
    .input(ZEvaluateInput)
    .output(scoreResultSchema)
    .mutation(({ ctx, input }) =>
      scoreAnswer(
        { judge: ctx.services.judge, log: ctx.log, lane: 'evaluate' },
        { question: input.question, truth: input.truth, candidate: input.candidate },
        input.method,
      ),
    ),
} satisfies TRPCRouterRecord;
