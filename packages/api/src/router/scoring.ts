import { scoreAnswer } from '@tensornode/core/scoring';
import type { TRPCRouterRecord } from '@trpc/server';
import { z } from 'zod';
import { operatorProcedure } from '../trpc.ts';

export const scoringMethodSchema = z.enum(['heuristic', 'llm', 'auto']);

export const ZEvaluateInput = z.object({
  question: z.string().max(20_000).optional(),
  truth: z.string().trim().min(1).max(10_000),
  candidate: z.string().max(100_000),
  method: scoringMethodSchema.default('auto'),
});

export const scoreResultSchema = z.object({
  score: z.number().int().min(0).max(100),
  method: z.enum(['heuristic', 'llm']),
  fallback: z.boolean().optional(),
  reason: z.string().optional(),
});

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
