import { eq, sql } from 'drizzle-orm';
import type { Executor } from '../client.ts';
import { settings } from '../schema.ts';

export function createSettingsRepository(db: Executor) {
  return {
    get(key: string): string | undefined {
      return db.select({ value: settings.value }).from(settings).where(eq(settings.key, key)).get()?.value;
    },
    set(key: string, value: string): void {
      db.insert(settings)
        .values({ key, value })
        .onConflictDoUpdate({
          target: settings.key,
          set: { value, updatedAt: sql`(unixepoch('subsec') * 1000)` },
        })
        .run();
    },
  };
}
export type SettingsRepository = ReturnType<typeof createSettingsRepository>;
