import {
  BANK_PROMPT_MAX,
  type BankQuestionView,
  bankStats,
  importQuestions,
  listBankQuestions,
  retireQuestion,
} from '@tensornode/core/bank';
import type { TRPCRouterRecord } from '@trpc/server';
import { z } from 'zod';
import { adminProcedure, operatorProcedure, viewerProcedure } from '../trpc.ts';

/** Imports are read whole in the request; larger banks go in several files. */
export const BANK_IMPORT_MAX_CHARS = 4_000_000;

const question = z.object({
  id: z.number().int(),
  prompt: z.string().max(BANK_PROMPT_MAX),
  /** Admins only; null for everyone else. */
  truth: z.string().nullable(),
  tags: z.array(z.string()),
  source: z.string(),
  timesAsked: z.number().int(),
  lastAskedAt: z.date().nullable(),
  retiredAt: z.date().nullable(),
  createdAt: z.date(),
}) satisfies z.ZodType<BankQuestionView>;

export const bankRouter = {
  /** A JSONL or CSV file's content: good lines are imported in one transaction, bad ones reported by number. */
  import: adminProcedure
    .input(
      z.object({
        content: z.string().min(1).max(BANK_IMPORT_MAX_CHARS),
        format: z.enum(['jsonl', 'csv']).optional(),
        fileName: z.string().trim().min(1).max(200).optional(),
      }),
    )
    .output(
      z.object({
        format: z.enum(['jsonl', 'csv']),
        imported: z.number().int(),
        duplicates: z.number().int(),
        errors: z.array(z.object({ line: z.number().int(), message: z.string() })),
      }),
    )
    .mutation(({ ctx, input }) => importQuestions({ ...ctx.services, log: ctx.log }, input)),

  list: operatorProcedure
    .input(
      z
        .object({
          cursor: z.number().int().positive().nullish(),
          limit: z.number().int().min(1).max(200).default(50),
          retired: z.boolean().optional(),
        })
        .default({ limit: 50 }),
    )
    .output(z.object({ items: z.array(question), nextCursor: z.number().int().nullable() }))
    .query(({ ctx, input }) =>
      listBankQuestions(ctx.services, { ...input, withTruths: ctx.caller.role === 'admin' }),
    ),

  stats: viewerProcedure
    .output(
      z.object({
        total: z.number().int(),
        active: z.number().int(),
        asked: z.number().int(),
        byTag: z.array(z.object({ tag: z.string(), active: z.number().int() })),
      }),
    )
    .query(({ ctx }) => bankStats(ctx.services)),

  retire: adminProcedure
    .input(z.object({ id: z.number().int().positive() }))
    .output(z.object({ id: z.number().int(), retired: z.literal(true), revealedRounds: z.number().int() }))
    .mutation(({ ctx, input }) => {
      const revealedRounds = retireQuestion(ctx.services, input.id);
      return { id: input.id, retired: true as const, revealedRounds };
    }),
} satisfies TRPCRouterRecord;
