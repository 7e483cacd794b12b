import { and, asc, count, desc, eq, gte, lt, or, sql } from 'drizzle-orm';
import type { Executor } from '../client.ts';
import { minerAnswers, type RoundTrigger, validationRounds } from '../schema.ts';

export type ValidationRoundRow = typeof validationRounds.$inferSelect;
export type NewValidationRound = typeof validationRounds.$inferInsert;
export type MinerAnswerRow = typeof minerAnswers.$inferSelect;
export type NewMinerAnswer = typeof minerAnswers.$inferInsert;

export function createRoundRepository(db: Executor) {
  return {
    insert(round: NewValidationRound): void {
      db.insert(validationRounds).values(round).run();
    },
    /** One prepared statement run per row: for thousands of rows, far cheaper than building big INSERTs. */
    insertAnswers(answers: readonly Omit<MinerAnswerRow, 'id'>[]): void {
      if (answers.length === 0) return;
      const p = sql.placeholder;
      const insert = db
        .insert(minerAnswers)
        .values({
          roundId: p('roundId'),
          vmId: p('vmId'),
          minerAddress: p('minerAddress'),
          endpoint: p('endpoint'),
          ok: p('ok'),
          response: p('response'),
          latencyMs: p('latencyMs'),
          score: p('score'),
          method: p('method'),
          reason: p('reason'),
        })
        .prepare();
      for (const answer of answers) insert.run(answer);
    },
    findById(id: string): ValidationRoundRow | undefined {
      return db.select().from(validationRounds).where(eq(validationRounds.id, id)).get();
    },
    answersOf(roundId: string): MinerAnswerRow[] {
      return db
        .select()
        .from(minerAnswers)
        .where(eq(minerAnswers.roundId, roundId))
        .orderBy(asc(minerAnswers.id))
        .all();
    },
    /** How many rounds each trigger started in [from, to). */
    countByTrigger(from: Date, to: Date): Record<RoundTrigger, number> {
      const rows = db
        .select({ trigger: validationRounds.trigger, n: count() })
        .from(validationRounds)
        .where(and(gte(validationRounds.startedAt, from), lt(validationRounds.startedAt, to)))
        .groupBy(validationRounds.trigger)
        .all();
      return { manual: 0, schedule: 0, ...Object.fromEntries(rows.map((r) => [r.trigger, r.n])) };
    },
    /** The newest rounds a trigger started, newest first. */
    recentByTrigger(trigger: RoundTrigger, limit: number): ValidationRoundRow[] {
      return db
        .select()
        .from(validationRounds)
        .where(eq(validationRounds.trigger, trigger))
        .orderBy(desc(validationRounds.startedAt))
        .limit(limit)
        .all();
    },
    /** Newest first; `before` is the last row of the previous page (keyset pagination). */
    list({
      before,
      limit,
    }: {
      before?: { startedAt: Date; id: string };
      limit: number;
    }): ValidationRoundRow[] {
      return db
        .select()
        .from(validationRounds)
        .where(
          before
            ? or(
                lt(validationRounds.startedAt, before.startedAt),
                and(eq(validationRounds.startedAt, before.startedAt), lt(validationRounds.id, before.id)),
              )
            : undefined,
        )
        .orderBy(desc(validationRounds.startedAt), desc(validationRounds.id))
        .limit(limit)
        .all();
    },
  };
}
export type RoundRepository = ReturnType<typeof createRoundRepository>;
