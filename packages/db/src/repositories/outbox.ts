import { and, asc, count, eq, inArray, isNull, lte, min, sql } from 'drizzle-orm';
import type { Executor } from '../client.ts';
import { ledgerOutbox, type OutboxStatus, validationRounds } from '../schema.ts';

export type OutboxRow = typeof ledgerOutbox.$inferSelect;
/** An outbox entry as shown to operators: never its signed bytes. */
export type OutboxEntryView = Omit<OutboxRow, 'signedBytes' | 'payload'>;

const OPEN: OutboxStatus[] = ['pending', 'sent'];

const viewColumns = {
  id: ledgerOutbox.id,
  kind: ledgerOutbox.kind,
  roundId: ledgerOutbox.roundId,
  topicId: ledgerOutbox.topicId,
  transactionId: ledgerOutbox.transactionId,
  status: ledgerOutbox.status,
  attempts: ledgerOutbox.attempts,
  lastError: ledgerOutbox.lastError,
  nextAttemptAt: ledgerOutbox.nextAttemptAt,
  createdAt: ledgerOutbox.createdAt,
  sentAt: ledgerOutbox.sentAt,
  confirmedAt: ledgerOutbox.confirmedAt,
  sequenceNumber: ledgerOutbox.sequenceNumber,
  runningHash: ledgerOutbox.runningHash,
};

export function createOutboxRepository(db: Executor) {
  return {
    insert(entry: {
      kind: string;
      roundId: string | null;
      topicId: string | null;
      payload: string;
      nextAttemptAt: Date;
    }): number {
      return db.insert(ledgerOutbox).values(entry).returning({ id: ledgerOutbox.id }).get().id;
    },
    findById(id: number): OutboxRow | undefined {
      return db.select().from(ledgerOutbox).where(eq(ledgerOutbox.id, id)).get();
    },
    findByRound(roundId: string): OutboxRow | undefined {
      return db.select().from(ledgerOutbox).where(eq(ledgerOutbox.roundId, roundId)).get();
    },
    /** Open entries whose next attempt is due, oldest first. */
    due(now: Date, limit: number): OutboxRow[] {
      return db
        .select()
        .from(ledgerOutbox)
        .where(and(inArray(ledgerOutbox.status, OPEN), lte(ledgerOutbox.nextAttemptAt, now)))
        .orderBy(asc(ledgerOutbox.nextAttemptAt), asc(ledgerOutbox.id))
        .limit(limit)
        .all();
    },
    /** How many entries are still to be sent, and when the earliest is due. */
    openSummary(): { open: number; nextAttemptAt: Date | null } {
      const row = db
        .select({ open: count(), next: min(ledgerOutbox.nextAttemptAt) })
        .from(ledgerOutbox)
        .where(inArray(ledgerOutbox.status, OPEN))
        .get();
      return { open: row?.open ?? 0, nextAttemptAt: row?.next ?? null };
    },
    /** Stores the frozen transaction; only when none is stored yet (returns false otherwise). */
    setPrepared(
      id: number,
      prepared: { topicId: string; transactionId: string; signedBytes: Buffer },
    ): boolean {
      const result = db
        .update(ledgerOutbox)
        .set(prepared)
        .where(and(eq(ledgerOutbox.id, id), isNull(ledgerOutbox.transactionId)))
        .run();
      return result.changes === 1;
    },
    /** Forgets the stored transaction so the next attempt freezes a new one. */
    clearPrepared(id: number): void {
      db.update(ledgerOutbox)
        .set({ transactionId: null, signedBytes: null })
        .where(eq(ledgerOutbox.id, id))
        .run();
    },
    markSending(id: number, at: Date): void {
      db.update(ledgerOutbox)
        .set({
          status: 'sent',
          attempts: sql`${ledgerOutbox.attempts} + 1`,
          sentAt: sql`coalesce(${ledgerOutbox.sentAt}, ${at.getTime()})`,
        })
        .where(and(eq(ledgerOutbox.id, id), inArray(ledgerOutbox.status, OPEN)))
        .run();
    },
    scheduleRetry(id: number, retry: { lastError: string; nextAttemptAt: Date }): void {
      db.update(ledgerOutbox).set(retry).where(eq(ledgerOutbox.id, id)).run();
    },
    markConfirmed(id: number, receipt: { sequenceNumber: number; runningHash: string; at: Date }): void {
      db.update(ledgerOutbox)
        .set({
          status: 'confirmed',
          sequenceNumber: receipt.sequenceNumber,
          runningHash: receipt.runningHash,
          confirmedAt: receipt.at,
          lastError: null,
          signedBytes: null,
        })
        .where(eq(ledgerOutbox.id, id))
        .run();
    },
    markFailed(id: number, lastError: string): void {
      db.update(ledgerOutbox).set({ status: 'failed', lastError }).where(eq(ledgerOutbox.id, id)).run();
    },
    /** Failed entries become pending again (after the cause, such as a wrong key, was fixed). */
    retryFailed(now: Date, ids?: readonly number[], options: { forgetTransaction?: boolean } = {}): number {
      return db
        .update(ledgerOutbox)
        .set({
          status: 'pending',
          nextAttemptAt: now,
          ...(options.forgetTransaction ? { transactionId: null, signedBytes: null } : {}),
        })
        .where(and(eq(ledgerOutbox.status, 'failed'), ids ? inArray(ledgerOutbox.id, [...ids]) : undefined))
        .run().changes;
    },
    /** Pending, in-flight and failed entries, oldest first — without their signed bytes. */
    listUnconfirmed(limit: number): OutboxEntryView[] {
      return db
        .select(viewColumns)
        .from(ledgerOutbox)
        .where(inArray(ledgerOutbox.status, ['pending', 'sent', 'failed']))
        .orderBy(asc(ledgerOutbox.id))
        .limit(limit)
        .all();
    },
    countByStatus(): Record<OutboxStatus, number> {
      const counts: Record<OutboxStatus, number> = { pending: 0, sent: 0, confirmed: 0, failed: 0 };
      const rows = db
        .select({ status: ledgerOutbox.status, n: count() })
        .from(ledgerOutbox)
        .groupBy(ledgerOutbox.status)
        .all();
      for (const row of rows) counts[row.status] = row.n;
      return counts;
    },
    /** The round's ledger columns, as the outbox learns them. */
    updateRoundLedger(
      roundId: string,
      fields: Partial<
        Pick<
          typeof validationRounds.$inferInsert,
          | 'ledgerStatus'
          | 'ledgerTopicId'
          | 'ledgerSequence'
          | 'ledgerRunningHash'
          | 'ledgerTransactionId'
          | 'ledgerConsensusAt'
        >
      >,
    ): void {
      db.update(validationRounds).set(fields).where(eq(validationRounds.id, roundId)).run();
    },
  };
}
export type OutboxRepository = ReturnType<typeof createOutboxRepository>;
