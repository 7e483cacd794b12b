import { desc, eq, inArray, notLike, sql } from 'drizzle-orm';
import type { Executor } from '../client.ts';
import { minerScoreHistory, minerScores } from '../schema.ts';

export type MinerScoreRow = typeof minerScores.$inferSelect;
export type MinerScoreHistoryRow = typeof minerScoreHistory.$inferSelect;

const CHUNK = 500;

export function createMinerScoreRepository(db: Executor) {
  return {
    /** Current rows for the given miners, keyed by address. */
    findMany(minerAddresses: readonly string[]): Map<string, MinerScoreRow> {
      const found = new Map<string, MinerScoreRow>();
      for (let i = 0; i < minerAddresses.length; i += CHUNK) {
        const rows = db
          .select()
          .from(minerScores)
          .where(inArray(minerScores.minerAddress, minerAddresses.slice(i, i + CHUNK)))
          .all();
        for (const row of rows) found.set(row.minerAddress, row);
      }
      return found;
    },
    /** Writes each row whole (insert, or replace the miner's values). */
    upsert(rows: readonly MinerScoreRow[]): void {
      if (rows.length === 0) return;
      const p = sql.placeholder;
      const upsert = db
        .insert(minerScores)
        .values({
          minerAddress: p('minerAddress'),
          emaScore: p('emaScore'),
          rounds: p('rounds'),
          answered: p('answered'),
          lastScore: p('lastScore'),
          lastSeenAt: p('lastSeenAt'),
        })
        .onConflictDoUpdate({
          target: minerScores.minerAddress,
          set: {
            emaScore: sql`excluded.ema_score`,
            rounds: sql`excluded.rounds`,
            answered: sql`excluded.answered`,
            lastScore: sql`excluded.last_score`,
            lastSeenAt: sql`excluded.last_seen_at`,
          },
        })
        .prepare();
      for (const row of rows) upsert.run(row);
    },
    insertHistory(rows: readonly MinerScoreHistoryRow[]): void {
      if (rows.length === 0) return;
      const p = sql.placeholder;
      const insert = db
        .insert(minerScoreHistory)
        .values({
          minerAddress: p('minerAddress'),
          roundId: p('roundId'),
          score: p('score'),
          emaScore: p('emaScore'),
          at: p('at'),
        })
        .prepare();
      for (const row of rows) insert.run(row);
    },
    /**
     * Highest moving average first; ties go to the miner seen most recently. `assignedOnly` leaves
     * out the `vm:<id>` rows of VMs no miner is assigned to.
     */
    leaderboard(limit: number, options: { assignedOnly?: boolean } = {}): MinerScoreRow[] {
      return db
        .select()
        .from(minerScores)
        .where(options.assignedOnly ? notLike(minerScores.minerAddress, 'vm:%') : undefined)
        .orderBy(desc(minerScores.emaScore), desc(minerScores.lastSeenAt), minerScores.minerAddress)
        .limit(limit)
        .all();
    },
    find(minerAddress: string): MinerScoreRow | undefined {
      return db.select().from(minerScores).where(eq(minerScores.minerAddress, minerAddress)).get();
    },
    /** Newest first. */
    history(minerAddress: string, limit: number): MinerScoreHistoryRow[] {
      return db
        .select()
        .from(minerScoreHistory)
        .where(eq(minerScoreHistory.minerAddress, minerAddress))
        .orderBy(desc(minerScoreHistory.at))
        .limit(limit)
        .all();
    },
  };
}
export type MinerScoreRepository = ReturnType<typeof createMinerScoreRepository>;
