import { and, asc, count, desc, eq, isNotNull, isNull, lt, sql } from 'drizzle-orm';
import type { Executor } from '../client.ts';
import { bankQuestions } from '../schema.ts';

export type BankQuestionRow = typeof bankQuestions.$inferSelect;
export type NewBankQuestion = Pick<BankQuestionRow, 'prompt' | 'promptKey' | 'truth' | 'tags' | 'source'>;

export function createBankRepository(db: Executor) {
  return {
    /** Inserts the questions whose normalised prompt is new; returns how many were new. */
    insertNew(questions: readonly NewBankQuestion[]): number {
      let inserted = 0;
      for (const q of questions) {
        const row = db
          .insert(bankQuestions)
          .values(q)
          .onConflictDoNothing({ target: bankQuestions.promptKey })
          .returning({ id: bankQuestions.id })
          .get();
        if (row) inserted++;
      }
      return inserted;
    },

    findById(id: number): BankQuestionRow | undefined {
      return db.select().from(bankQuestions).where(eq(bankQuestions.id, id)).get();
    },

    /** Newest first, keyset-paginated by id. */
    list({
      before,
      limit,
      retired,
    }: {
      before?: number;
      limit: number;
      retired?: boolean;
    }): BankQuestionRow[] {
      return db
        .select()
        .from(bankQuestions)
        .where(
          and(
            before === undefined ? undefined : lt(bankQuestions.id, before),
            retired === undefined
              ? undefined
              : retired
                ? isNotNull(bankQuestions.retiredAt)
                : isNull(bankQuestions.retiredAt),
          ),
        )
        .orderBy(desc(bankQuestions.id))
        .limit(limit)
        .all();
    },

    countActive(): number {
      return (
        db.select({ n: count() }).from(bankQuestions).where(isNull(bankQuestions.retiredAt)).get()?.n ?? 0
      );
    },

    stats(): { total: number; active: number; asked: number; byTag: { tag: string; active: number }[] } {
      const totals = db
        .select({
          total: count(),
          active: sql<number>`coalesce(sum(${bankQuestions.retiredAt} is null), 0)`,
          asked: sql<number>`coalesce(sum(${bankQuestions.timesAsked} > 0), 0)`,
        })
        .from(bankQuestions)
        .get();
      const byTag = db.all<{ tag: string; active: number }>(
        sql`select t.value as tag, count(*) as active from ${bankQuestions}, json_each(${bankQuestions.tags}) t
            where ${bankQuestions.retiredAt} is null group by t.value order by active desc, tag`,
      );
      return { total: totals?.total ?? 0, active: totals?.active ?? 0, asked: totals?.asked ?? 0, byTag };
    },

    /** The `limit` active questions asked least recently (never asked first), oldest first. */
    leastRecentlyAsked(limit: number): BankQuestionRow[] {
      return db
        .select()
        .from(bankQuestions)
        .where(isNull(bankQuestions.retiredAt))
        .orderBy(
          sql`${bankQuestions.lastAskedAt} is not null`,
          asc(bankQuestions.lastAskedAt),
          asc(bankQuestions.id),
        )
        .limit(limit)
        .all();
    },

    markAsked(id: number, at: Date): void {
      db.update(bankQuestions)
        .set({ timesAsked: sql`${bankQuestions.timesAsked} + 1`, lastAskedAt: at })
        .where(eq(bankQuestions.id, id))
        .run();
    },

    /** Retires an active question; false when it is unknown or retired already. */
    retire(id: number, at: Date): boolean {
      return (
        db
          .update(bankQuestions)
          .set({ retiredAt: at })
          .where(and(eq(bankQuestions.id, id), isNull(bankQuestions.retiredAt)))
          .returning({ id: bankQuestions.id })
          .get() !== undefined
      );
    },
  };
}
export type BankRepository = ReturnType<typeof createBankRepository>;
