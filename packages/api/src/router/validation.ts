import { hederaAccountSchema } from '@tensornode/core';
import { resolveRoundQuestion } from '@tensornode/core/bank';
import { sybilGroupSchema } from '@tensornode/core/deployments';
import {
  getRound,
  type LeaderboardEntry,
  leaderboard,
  listRounds,
  type MinerScorePoint,
  minerScoreHistory,
  type RoundAnswer,
  type RoundPage,
  type RoundResult,
  runValidationRound,
  ZRunRoundInput,
} from '@tensornode/core/validation';
import { type Role, schema } from '@tensornode/db';
import { TRPCError, type TRPCRouterRecord, tracked } from '@trpc/server';
import { z } from 'zod';
import { authorize } from '../caller.ts';
import { recordRoundMetrics } from '../metrics.ts';
import {
  type ProgressRecord,
  ReplayGapError,
  SubscriberDroppedError,
  TooManySubscriptionsError,
} from '../progress-hub.ts';
import { operatorProcedure, publicProcedure, viewerProcedure } from '../trpc.ts';

// Output shapes. Each `satisfies` ties a schema to the core type it describes, and tRPC checks each
// resolver's return against its schema, so the two cannot drift apart unnoticed.
const roundRecord = z.object({
  id: z.string(),
  prompt: z.string(),
  /** Null when the round asked a bank question and the caller is not an admin. */
  truth: z.string().nullable(),
  method: z.string(),
  startedAt: z.date(),
  completedAt: z.date(),
  minerCount: z.number().int(),
  answeredCount: z.number().int(),
  meanScore: z.number(),
  payloadHash: z.string(),
  ledgerStatus: z.enum(schema.LEDGER_STATUSES),
  ledgerTopicId: z.string().nullable(),
  ledgerSequence: z.number().int().nullable(),
  ledgerRunningHash: z.string().nullable(),
  ledgerTransactionId: z.string().nullable(),
  ledgerConsensusAt: z.string().nullable(),
  trigger: z.enum(schema.ROUND_TRIGGERS),
  questionId: z.number().int().nullable(),
}) satisfies z.ZodType<TruthHidden<RoundPage['items'][number]>>;

const roundAnswer = z.object({
  vmId: z.string(),
  minerAddress: z.string().nullable(),
  endpoint: z.string(),
  ok: z.boolean(),
  response: z.string().nullable(),
  latencyMs: z.number().int(),
  score: z.number().int(),
  method: z.string(),
  reason: z.string().nullable(),
}) satisfies z.ZodType<RoundAnswer>;

const roundWithAnswers = roundRecord.extend({
  answers: z.array(roundAnswer),
}) satisfies z.ZodType<TruthHidden<RoundResult>>;

const roundPage = z.object({
  items: z.array(roundRecord),
  nextCursor: z.string().nullable(),
}) satisfies z.ZodType<TruthHidden<RoundPage>>;

const leaderboardEntry = z.object({
  minerAddress: z.string(),
  emaScore: z.number(),
  rounds: z.number().int(),
  lastScore: z.number(),
  lastSeenAt: z.date(),
  suspicion: z.object({ reason: z.enum(['copy', 'relay']), rounds: z.array(z.string()) }).nullable(),
  sybilGroup: sybilGroupSchema.nullable(),
}) satisfies z.ZodType<LeaderboardEntry>;

const scorePoint = z.object({
  roundId: z.string(),
  score: z.number(),
  emaScore: z.number(),
  at: z.date(),
}) satisfies z.ZodType<MinerScorePoint>;

type TruthHidden<T> = T extends { items: (infer I)[] }
  ? Omit<T, 'items'> & { items: TruthHidden<I>[] }
  : Omit<T, 'truth'> & { truth: string | null };

/** A bank question's truth is asked again later: only admins see it (manual rounds show theirs). */
function hideBankTruth<R extends { truth: string; questionId: number | null }>(
  round: R,
  role: Role,
): Omit<R, 'truth'> & { truth: string | null } {
  return round.questionId !== null && role !== 'admin' ? { ...round, truth: null } : round;
}

export const validationRouter = {
  run: operatorProcedure
    .meta({
      openapi: {
        method: 'POST',
        path: '/rounds',
        tags: ['rounds'],
        summary: 'Run a validation round (operator)',
      },
    })
    .input(ZRunRoundInput)
    .output(roundWithAnswers)
    .mutation(async ({ ctx, input }) => {
      const { services } = ctx;
      const { questionId, fromBank, prompt, truth, ...rest } = input;
      const question = resolveRoundQuestion(services, { questionId, fromBank, prompt, truth });
      const round = await runValidationRound(
        {
          db: services.db,
          config: services.config,
          log: ctx.log,
          miners: services.miners,
          ledgerHook: services.ledgerHook,
          fanOut: services.fanOut,
          judge: services.judge,
        },
        { ...rest, ...question, trigger: 'manual' },
        { onProgress: (event) => services.progress.publish(event) },
      );
      if (ctx.metrics) recordRoundMetrics(ctx.metrics, round);
      return hideBankTruth(round, ctx.caller.role);
    }),

  rounds: viewerProcedure
    .meta({
      openapi: { method: 'GET', path: '/rounds', tags: ['rounds'], summary: 'Rounds, newest first (viewer)' },
    })
    .input(
      z.object({
        cursor: z.string().max(200).nullish(),
        limit: z.number().int().min(1).max(100).default(20),
      }),
    )
    .output(roundPage)
    .query(({ ctx, input }) => {
      const page = listRounds(ctx.services, input);
      return { ...page, items: page.items.map((r) => hideBankTruth(r, ctx.caller.role)) };
    }),

  round: viewerProcedure
    .meta({
      openapi: {
        method: 'GET',
        path: '/rounds/{roundId}',
        tags: ['rounds'],
        summary: 'One round with its answers (viewer)',
      },
    })
    .input(z.object({ roundId: z.uuid() }))
    .output(roundWithAnswers)
    .query(({ ctx, input }) => hideBankTruth(getRound(ctx.services, input.roundId), ctx.caller.role)),

  // Each token holds at most PROGRESS_STREAMS_PER_TOKEN streams; a reader that falls too far behind
  // is dropped with a reason and resumes from its last event id (tRPC's client sends it back).
  onProgress: viewerProcedure
    .input(z.object({ roundId: z.uuid().optional(), lastEventId: z.string().max(100).nullish() }).default({}))
    .subscription(({ ctx, input, signal }) => {
      let records: AsyncIterableIterator<ProgressRecord>;
      try {
        records = ctx.services.progress.open({
          ...(signal ? { signal } : {}),
          lastEventId: input.lastEventId,
          holder: ctx.caller.tokenId,
          maxPerHolder: ctx.services.config.PROGRESS_STREAMS_PER_TOKEN,
        });
      } catch (error) {
        throw progressError(error);
      }
      return roundEvents(records, input.roundId);
    }),
} satisfies TRPCRouterRecord;

async function* roundEvents(records: AsyncIterableIterator<ProgressRecord>, roundId: string | undefined) {
  try {
    for await (const { id, event } of records) {
      if (roundId && event.roundId !== roundId) continue;
      yield tracked(id, event);
    }
  } catch (error) {
    throw progressError(error);
  } finally {
    await records.return?.();
  }
}

function progressError(error: unknown): unknown {
  if (error instanceof TooManySubscriptionsError)
    return new TRPCError({ code: 'TOO_MANY_REQUESTS', message: error.message, cause: error });
  if (error instanceof SubscriberDroppedError)
    return new TRPCError({ code: 'TIMEOUT', message: error.message, cause: error });
  if (error instanceof ReplayGapError)
    return new TRPCError({ code: 'NOT_FOUND', message: error.message, cause: error });
  return error;
}

export const minersRouter = {
  /**
   * Miners by moving average, best first. VMs that answered without an assigned miner are kept
   * under `vm:<vmId>`; they are not miners, so the public board leaves them out and only a signed-in
   * caller (the dashboard) may ask for them with `includeUnassigned`.
   */
  leaderboard: publicProcedure
    .meta({
      openapi: {
        method: 'GET',
        path: '/leaderboard',
        tags: ['miners'],
        summary: 'Miners by moving average',
        protect: false,
      },
    })
    .input(
      z
        .object({
          limit: z.number().int().min(1).max(1000).default(100),
          includeUnassigned: z.boolean().default(false),
        })
        .default({ limit: 100, includeUnassigned: false }),
    )
    .output(z.array(leaderboardEntry))
    .query(({ ctx, input }) => {
      if (input.includeUnassigned) authorize(ctx, 'viewer', 'includeUnassigned needs an API token');
      return leaderboard(ctx.services, input);
    }),
  history: viewerProcedure
    .input(z.object({ minerAddress: z.union([hederaAccountSchema, z.string().regex(/^vm:[\w.-]{1,200}$/)]) }))
    .output(z.array(scorePoint))
    .query(({ ctx, input }) => minerScoreHistory(ctx.services, input.minerAddress)),
} satisfies TRPCRouterRecord;
