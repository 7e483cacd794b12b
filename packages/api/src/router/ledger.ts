import { proveScore, type ScoreProof } from '@tensornode/core/audit';
import {
  type DecodedTopicMessage,
  listOutbox,
  listTopicMessages,
  requireLedger,
  retryFailedEntries,
  type VerifyRoundResult,
  verifyRound,
} from '@tensornode/core/ledger';
import { type OutboxEntryView, schema } from '@tensornode/db';
import type { TRPCRouterRecord } from '@trpc/server';
import { z } from 'zod';
import { adminProcedure, publicProcedure, viewerProcedure } from '../trpc.ts';

export const ZLedgerMessagesInput = z
  .object({
    limit: z.number().int().min(1).max(100).optional(),
    /** The `next` of the previous page. */
    cursor: z.string().startsWith('/api/v1/topics/').max(500).optional(),
    order: z.enum(['asc', 'desc']).optional(),
  })
  .default({});

const topicMessage = z.object({
  sequenceNumber: z.number(),
  consensusTimestamp: z.string(),
  payerAccountId: z.string(),
  runningHash: z.string(),
  transactionId: z.string().nullable(),
  chunks: z.number(),
  text: z.string(),
  json: z.unknown(),
}) satisfies z.ZodType<DecodedTopicMessage>;

const outboxEntry = z.object({
  id: z.number(),
  kind: z.string(),
  roundId: z.string().nullable(),
  topicId: z.string().nullable(),
  transactionId: z.string().nullable(),
  status: z.enum(schema.OUTBOX_STATUSES),
  attempts: z.number(),
  lastError: z.string().nullable(),
  nextAttemptAt: z.date(),
  createdAt: z.date(),
  sentAt: z.date().nullable(),
  // The outbox lists unconfirmed entries only: the confirmation columns are empty and left out.
}) satisfies z.ZodType<Omit<OutboxEntryView, 'confirmedAt' | 'sequenceNumber' | 'runningHash'>>;

const verifyResult = z.object({
  roundId: z.string(),
  version: z.union([z.literal(1), z.literal(2)]),
  scoresRoot: z.string().nullable(),
  reveal: z
    .object({
      status: z.enum(['secret', 'pending', 'verified', 'failed']),
      sequenceNumber: z.number().nullable(),
    })
    .nullable(),
  match: z.boolean(),
  stored: z.object({
    payloadHash: z.string(),
    recomputedHash: z.string(),
    topicId: z.string().nullable(),
    sequenceNumber: z.number().nullable(),
    runningHash: z.string().nullable(),
  }),
  onLedger: z.object({
    found: z.boolean(),
    payloadHash: z.string().nullable(),
    consensusTimestamp: z.string().nullable(),
    runningHash: z.string().nullable(),
    runningHashValid: z.boolean().nullable(),
  }),
  reasons: z.array(z.string()),
}) satisfies z.ZodType<VerifyRoundResult>;

const hex = z.string().regex(/^[0-9a-f]*$/);

export const ZScoreProof = z.object({
  leaf: z.object({
    roundId: z.string(),
    vmId: z.string(),
    minerAddress: z.string().nullable(),
    score: z.number().int(),
    ok: z.boolean(),
  }),
  leafIndex: z.number().int(),
  treeSize: z.number().int(),
  auditPath: z.array(hex),
  scoresRoot: hex,
  topicId: z.string().nullable(),
  sequenceNumber: z.number().int().nullable(),
  consensusTimestamp: z.string().nullable(),
  runningHash: hex.nullable(),
}) satisfies z.ZodType<ScoreProof>;

export const ledgerRouter = {
  /**
   * One VM's score in a v2 round with its RFC 6962 audit path to the round's `scoresRoot` on the
   * topic. Public: a miner checks its own score without an account (docs/audit.md).
   */
  proof: publicProcedure
    .input(z.object({ roundId: z.string().min(1).max(100), vmId: z.string().min(1).max(200) }))
    .output(ZScoreProof)
    .query(({ ctx, input }) => proveScore(ctx.services, input)),
  /** The score topic's messages from the mirror node, decoded (JSON parsed when it is JSON). */
  messages: viewerProcedure
    .input(ZLedgerMessagesInput)
    .output(z.object({ topicId: z.string(), messages: z.array(topicMessage), next: z.string().nullable() }))
    .query(({ ctx, input }) => {
      const { ledger, topicId } = requireLedger(ctx.services);
      return listTopicMessages({ ledger, topicId }, input);
    }),
  /** Submissions not confirmed yet: pending, in flight, failed — never their signed bytes. */
  outbox: viewerProcedure
    .input(z.object({ limit: z.number().int().min(1).max(500).optional() }).default({}))
    .output(
      z.object({
        entries: z.array(outboxEntry),
        counts: z.record(z.enum(schema.OUTBOX_STATUSES), z.number()),
      }),
    )
    .query(({ ctx, input }) => {
      const { entries, counts } = listOutbox(ctx.services.db, input);
      return {
        entries: entries.map(({ confirmedAt: _c, sequenceNumber: _s, runningHash: _r, ...entry }) => entry),
        counts,
      };
    }),
  /** Does the message on the ledger match the round stored here? */
  verify: viewerProcedure
    .input(z.object({ roundId: z.string().min(1).max(100) }))
    .output(verifyResult)
    .query(({ ctx, input }) =>
      verifyRound({ ...ctx.services, ledger: requireLedger(ctx.services).ledger }, input.roundId),
    ),
  /**
   * Puts failed outbox entries back in the queue (after the cause was fixed). `republish` forgets a
   * stored transaction so the message goes out whole under a new id (a partial copy stays on the topic).
   */
  retry: adminProcedure
    .input(
      z
        .object({
          ids: z.array(z.number().int().positive()).min(1).max(500).optional(),
          republish: z.boolean().optional(),
        })
        .default({}),
    )
    .output(z.object({ retried: z.number() }))
    .mutation(({ ctx, input }) => {
      const retried = retryFailedEntries(ctx.services.db, {
        ...(input.ids ? { ids: input.ids } : {}),
        ...(input.republish ? { republish: true } : {}),
      });
      if (retried > 0) ctx.services.ledger?.worker.kick();
      return { retried };
    }),
} satisfies TRPCRouterRecord;
