import { createOutboxRepository, type Database, type OutboxEntryView } from '@tensornode/db';
import type { Ledger } from './ledger.ts';

export interface DecodedTopicMessage {
  sequenceNumber: number;
  consensusTimestamp: string;
  payerAccountId: string;
  runningHash: string;
  transactionId: string | null;
  chunks: number;
  /** The message as text (UTF-8), and parsed when it is JSON. */
  text: string;
  json: unknown;
}

/** One page of the topic's messages, decoded. */
export async function listTopicMessages(
  ctx: { ledger: Ledger; topicId: string },
  input: { limit?: number; cursor?: string; order?: 'asc' | 'desc' },
): Promise<{ topicId: string; messages: DecodedTopicMessage[]; next: string | null }> {
  const page = await ctx.ledger.messages(ctx.topicId, input);
  return {
    topicId: ctx.topicId,
    messages: page.messages.map((m) => {
      const text = Buffer.from(m.message).toString('utf8');
      let json: unknown = null;
      try {
        json = JSON.parse(text);
      } catch {
        json = null;
      }
      return {
        sequenceNumber: m.sequenceNumber,
        consensusTimestamp: m.consensusTimestamp,
        payerAccountId: m.payerAccountId,
        runningHash: m.runningHash,
        transactionId: m.transactionId,
        chunks: m.chunkSequenceNumbers.length,
        text,
        json,
      };
    }),
    next: page.next,
  };
}

/** Entries not yet confirmed (pending, in flight, failed), with counts per status. */
export function listOutbox(
  db: Database,
  input: { limit?: number } = {},
): {
  entries: OutboxEntryView[];
  counts: ReturnType<ReturnType<typeof createOutboxRepository>['countByStatus']>;
} {
  const repo = createOutboxRepository(db);
  return { entries: repo.listUnconfirmed(input.limit ?? 100), counts: repo.countByStatus() };
}
