import { asc, eq, inArray } from 'drizzle-orm';
import type { Executor } from '../client.ts';
import { roundCopyGroups, validationRounds } from '../schema.ts';

export type RoundCopyGroupRow = typeof roundCopyGroups.$inferSelect;
export type NewRoundCopyGroup = typeof roundCopyGroups.$inferInsert;

export function createRoundCopyGroupRepository(db: Executor) {
  return {
    insert(rows: readonly NewRoundCopyGroup[]): void {
      if (rows.length > 0)
        db.insert(roundCopyGroups)
          .values([...rows])
          .run();
    },
    forRound(roundId: string): RoundCopyGroupRow[] {
      return db
        .select()
        .from(roundCopyGroups)
        .where(eq(roundCopyGroups.roundId, roundId))
        .orderBy(asc(roundCopyGroups.groupIndex), asc(roundCopyGroups.answeredAt))
        .all();
    },
    /** The copy-group rows of these miners, oldest round first. */
    forMiners(minerKeys: readonly string[]): (RoundCopyGroupRow & { completedAt: Date })[] {
      if (minerKeys.length === 0) return [];
      return db
        .select({ row: roundCopyGroups, completedAt: validationRounds.completedAt })
        .from(roundCopyGroups)
        .innerJoin(validationRounds, eq(validationRounds.id, roundCopyGroups.roundId))
        .where(inArray(roundCopyGroups.minerKey, [...minerKeys]))
        .orderBy(asc(validationRounds.completedAt))
        .all()
        .map((r) => ({ ...r.row, completedAt: r.completedAt }));
    },
  };
}
export type RoundCopyGroupRepository = ReturnType<typeof createRoundCopyGroupRepository>;
