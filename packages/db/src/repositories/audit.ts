import { desc, lt } from 'drizzle-orm';
import type { Executor } from '../client.ts';
import { auditLog } from '../schema.ts';

export type AuditEntry = typeof auditLog.$inferSelect;
export type NewAuditEntry = Omit<AuditEntry, 'id'>;

export function createAuditRepository(db: Executor) {
  return {
    insert(entry: NewAuditEntry): AuditEntry {
      return db.insert(auditLog).values(entry).returning().get();
    },
    /** Newest first; `before` is the id of the last entry of the previous page. */
    list({ limit, before }: { limit: number; before?: number }): AuditEntry[] {
      return db
        .select()
        .from(auditLog)
        .where(before === undefined ? undefined : lt(auditLog.id, before))
        .orderBy(desc(auditLog.id))
        .limit(limit)
        .all();
    },
  };
}
export type AuditRepository = ReturnType<typeof createAuditRepository>;
