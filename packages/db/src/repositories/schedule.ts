import { eq } from 'drizzle-orm';
import type { Executor } from '../client.ts';
import { SCHEDULE_ID, validationSchedule } from '../schema.ts';

export type ScheduleRow = typeof validationSchedule.$inferSelect;
export type ScheduleSettings = Pick<
  ScheduleRow,
  'enabled' | 'intervalSeconds' | 'sample' | 'timeoutMs' | 'method' | 'autoEpochs'
>;
export type ScheduleProgress = Partial<
  Pick<
    ScheduleRow,
    | 'sampleCursor'
    | 'nextRoundAt'
    | 'lastRoundId'
    | 'lastRoundStartedAt'
    | 'lastRoundCompletedAt'
    | 'lastError'
    | 'skippedTicks'
  >
>;

/** The one persisted validation schedule (row id 1). */
export function createScheduleRepository(db: Executor) {
  return {
    get(): ScheduleRow | undefined {
      return db.select().from(validationSchedule).where(eq(validationSchedule.id, SCHEDULE_ID)).get();
    },
    /** Creates the row with `defaults` unless it exists; returns the stored row. */
    ensure(defaults: ScheduleSettings): ScheduleRow {
      db.insert(validationSchedule)
        .values({ id: SCHEDULE_ID, ...defaults })
        .onConflictDoNothing()
        .run();
      return this.get()!;
    },
    updateSettings(settings: Partial<ScheduleSettings>, extra: ScheduleProgress, at: Date): ScheduleRow {
      return db
        .update(validationSchedule)
        .set({ ...settings, ...extra, updatedAt: at })
        .where(eq(validationSchedule.id, SCHEDULE_ID))
        .returning()
        .get()!;
    },
    recordProgress(progress: ScheduleProgress): void {
      db.update(validationSchedule).set(progress).where(eq(validationSchedule.id, SCHEDULE_ID)).run();
    },
  };
}
export type ScheduleRepository = ReturnType<typeof createScheduleRepository>;
