import { and, asc, eq, gte, isNotNull, isNull, lt } from 'drizzle-orm';
import type { Executor } from '../client.ts';
import { roundAudits, validationRounds } from '../schema.ts';

export type RoundAuditRow = typeof roundAudits.$inferSelect;
export type NewRoundAudit = typeof roundAudits.$inferInsert;

export function createRoundAuditRepository(db: Executor) {
  return {
    insert(row: NewRoundAudit): void {
      db.insert(roundAudits).values(row).run();
    },
    find(roundId: string): RoundAuditRow | undefined {
      return db.select().from(roundAudits).where(eq(roundAudits.roundId, roundId)).get();
    },
    /** Rounds whose commitments are still secret, completed before `before`, oldest first. */
    unrevealedBefore(before: Date, limit: number): RoundAuditRow[] {
      return db
        .select({ audit: roundAudits })
        .from(roundAudits)
        .innerJoin(validationRounds, eq(validationRounds.id, roundAudits.roundId))
        .where(and(isNull(roundAudits.revealedAt), lt(validationRounds.completedAt, before)))
        .orderBy(asc(validationRounds.completedAt))
        .limit(limit)
        .all()
        .map((r) => r.audit);
    },
    /** Rounds completed in [from, to), oldest first, with their scores root (null: a v1 round). */
    roundsBetween(from: Date, to: Date) {
      return db
        .select({
          roundId: validationRounds.id,
          completedAt: validationRounds.completedAt,
          scoresRoot: roundAudits.scoresRoot,
          topicId: validationRounds.ledgerTopicId,
          sequenceNumber: validationRounds.ledgerSequence,
        })
        .from(validationRounds)
        .leftJoin(roundAudits, eq(roundAudits.roundId, validationRounds.id))
        .where(and(gte(validationRounds.completedAt, from), lt(validationRounds.completedAt, to)))
        .orderBy(asc(validationRounds.completedAt))
        .all();
    },
    /** v2 rounds that asked this exact question. */
    roundsAsking(question: string): string[] {
      return db
        .select({ id: roundAudits.roundId })
        .from(roundAudits)
        .innerJoin(validationRounds, eq(validationRounds.id, roundAudits.roundId))
        .where(eq(validationRounds.prompt, question))
        .all()
        .map((r) => r.id);
    },
    /** Whether a round that asked this question has had it revealed. */
    revealedQuestion(question: string): boolean {
      return (
        db
          .select({ id: roundAudits.roundId })
          .from(roundAudits)
          .innerJoin(validationRounds, eq(validationRounds.id, roundAudits.roundId))
          .where(and(eq(validationRounds.prompt, question), isNotNull(roundAudits.revealedAt)))
          .limit(1)
          .get() !== undefined
      );
    },
    /** Marks the reveal queued; false when another caller did it first. */
    markRevealed(roundId: string, at: Date, outboxId: number): boolean {
      return (
        db
          .update(roundAudits)
          .set({ revealedAt: at, revealOutboxId: outboxId })
          .where(and(eq(roundAudits.roundId, roundId), isNull(roundAudits.revealedAt)))
          .run().changes === 1
      );
    },
  };
}
export type RoundAuditRepository = ReturnType<typeof createRoundAuditRepository>;
