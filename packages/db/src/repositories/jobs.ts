import { and, eq, isNull, lt, or, sql } from 'drizzle-orm';
import type { Executor } from '../client.ts';
import { jobs } from '../schema.ts';

export type JobRow = typeof jobs.$inferSelect;

/** Background job state: last run, last error, and the lease that keeps one job from running twice. */
export function createJobRepository(db: Executor) {
  return {
    ensure(name: string): void {
      db.insert(jobs).values({ name }).onConflictDoNothing().run();
    },

    /**
     * Takes the lease when the job is due (never finished, or finished `intervalMs` ago) and nobody
     * holds a live lease. One UPDATE decides, so two processes cannot both win.
     */
    acquire(lease: {
      name: string;
      owner: string;
      now: Date;
      until: Date;
      intervalMs: number;
    }): JobRow | undefined {
      const dueBefore = new Date(lease.now.getTime() - lease.intervalMs);
      return db
        .update(jobs)
        .set({ leaseOwner: lease.owner, leaseUntil: lease.until, lastStartedAt: lease.now })
        .where(
          and(
            eq(jobs.name, lease.name),
            or(isNull(jobs.leaseOwner), isNull(jobs.leaseUntil), lt(jobs.leaseUntil, lease.now)),
            or(isNull(jobs.lastFinishedAt), sql`${jobs.lastFinishedAt} <= ${dueBefore.getTime()}`),
          ),
        )
        .returning()
        .get();
    },

    /** Extends a lease we still hold; false when another owner has taken it over. */
    renew(name: string, owner: string, until: Date): boolean {
      const row = db
        .update(jobs)
        .set({ leaseUntil: until })
        .where(and(eq(jobs.name, name), eq(jobs.leaseOwner, owner)))
        .returning({ name: jobs.name })
        .get();
      return row !== undefined;
    },

    /** Records the outcome and frees the lease, if it is still ours. */
    finish(name: string, owner: string, outcome: { at: Date; error: string | null }): void {
      db.update(jobs)
        .set({ lastFinishedAt: outcome.at, lastError: outcome.error, leaseOwner: null, leaseUntil: null })
        .where(and(eq(jobs.name, name), eq(jobs.leaseOwner, owner)))
        .run();
    },

    /** Frees a lease held by `owner` (a process known to be gone); false when it holds it no more. */
    breakLease(name: string, owner: string): boolean {
      return (
        db
          .update(jobs)
          .set({ leaseOwner: null, leaseUntil: null })
          .where(and(eq(jobs.name, name), eq(jobs.leaseOwner, owner)))
          .returning({ name: jobs.name })
          .get() !== undefined
      );
    },

    get(name: string): JobRow | undefined {
      return db.select().from(jobs).where(eq(jobs.name, name)).get();
    },

    list(): JobRow[] {
      return db.select().from(jobs).all();
    },
  };
}
