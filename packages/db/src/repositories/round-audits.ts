import { and, asc, eq, isNull, lt } from 'drizzle-orm';
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
