import {
  getSchedule,
  MAX_INTERVAL_SECONDS,
  SCHEDULE_JOB,
  type ScheduleView,
  setSchedule,
} from '@tensornode/core/schedule';
import { scoringMethodSchema } from '@tensornode/core/scoring';
import { createRoundRepository } from '@tensornode/db';
import type { TRPCRouterRecord } from '@trpc/server';
import { z } from 'zod';
import { adminProcedure, viewerProcedure } from '../trpc.ts';

const RECENT_ROUNDS = 10;

const scheduleView = z.object({
  enabled: z.boolean(),
  intervalSeconds: z.number().int(),
  sample: z.union([z.literal('all'), z.number().int()]),
  timeoutMs: z.number().int().nullable(),
  method: scoringMethodSchema,
  autoEpochs: z.boolean(),
  nextRoundAt: z.date().nullable(),
  lastRoundId: z.string().nullable(),
  lastRoundStartedAt: z.date().nullable(),
  lastRoundCompletedAt: z.date().nullable(),
  lastError: z.string().nullable(),
  skippedTicks: z.number().int(),
  updatedAt: z.date(),
}) satisfies z.ZodType<ScheduleView>;

const recentRound = z.object({
  id: z.string(),
  prompt: z.string(),
  startedAt: z.date(),
  completedAt: z.date(),
  minerCount: z.number().int(),
  answeredCount: z.number().int(),
  meanScore: z.number(),
  questionId: z.number().int().nullable(),
});

export const scheduleRouter = {
  /** The schedule, and the last scheduled rounds (prompts only: truths stay in the bank). */
  get: viewerProcedure
    .output(scheduleView.extend({ serverTime: z.date(), recentRounds: z.array(recentRound) }))
    .query(({ ctx }) => ({
      ...getSchedule(ctx.services),
      serverTime: new Date(),
      recentRounds: createRoundRepository(ctx.services.db)
        .recentByTrigger('schedule', RECENT_ROUNDS)
        .map(({ id, prompt, startedAt, completedAt, minerCount, answeredCount, meanScore, questionId }) => ({
          id,
          prompt,
          startedAt,
          completedAt,
          minerCount,
          answeredCount,
          meanScore,
          questionId,
        })),
    })),

  set: adminProcedure
    .input(
      z.object({
        enabled: z.boolean().optional(),
        intervalSeconds: z.number().int().min(1).max(MAX_INTERVAL_SECONDS).optional(),
        sample: z.union([z.literal('all'), z.number().int().min(1).max(100_000)]).optional(),
        timeoutMs: z.number().int().min(100).max(300_000).nullable().optional(),
        method: scoringMethodSchema.optional(),
        autoEpochs: z.boolean().optional(),
      }),
    )
    .output(scheduleView)
    .mutation(({ ctx, input }) => {
      const view = setSchedule({ ...ctx.services, log: ctx.log }, input);
      // This process's runner may be asleep until the old next tick.
      ctx.services.jobs.wake(SCHEDULE_JOB);
      return view;
    }),
} satisfies TRPCRouterRecord;
