import { UnavailableError } from '@tensornode/core';
import { listOutbox, listTopicMessages, type RunningLedger, verifyRound } from '@tensornode/core/ledger';
import { schema } from '@tensornode/db';
import type { TRPCRouterRecord } from '@trpc/server';
import { z } from 'zod';
import type { AppServices } from '../services.ts';
import { viewerProcedure } from '../trpc.ts';

function runningLedger(services: AppServices): RunningLedger {
  if (!services.ledger) throw new UnavailableError('the ledger is not running in this instance');
  return services.ledger;
}

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
});

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
});

const verifyResult = z.object({
  roundId: z.string(),
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
});

export const ledgerRouter = {
  /** The score topic's messages from the mirror node, decoded (JSON parsed when it is JSON). */
  messages: viewerProcedure
    .input(ZLedgerMessagesInput)
    .output(z.object({ topicId: z.string(), messages: z.array(topicMessage), next: z.string().nullable() }))
    .query(({ ctx, input }) => {
      const { ledger, topicId } = runningLedger(ctx.services);
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
      verifyRound({ ...ctx.services, ledger: runningLedger(ctx.services).ledger }, input.roundId),
    ),
} satisfies TRPCRouterRecord;
