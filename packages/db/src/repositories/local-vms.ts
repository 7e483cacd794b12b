import { asc, eq, isNull } from 'drizzle-orm';
import type { Executor } from '../client.ts';
import { type LOCAL_VM_STATUSES, localVms } from '../schema.ts';

export type LocalVm = typeof localVms.$inferSelect;
export type LocalVmStatus = (typeof LOCAL_VM_STATUSES)[number];
export type LocalVmPort = LocalVm['openPorts'][number];

/** Rows of the `local` VM provider: one reference-miner process each. */
export function createLocalVmRepository(db: Executor) {
  return {
    insert(vm: { id: string; name: string; port: number; openPorts: LocalVmPort[] }): LocalVm {
      return db.insert(localVms).values(vm).returning().get();
    },
    findById(id: string): LocalVm | undefined {
      return db.select().from(localVms).where(eq(localVms.id, id)).get();
    },
    /** VMs not deleted, oldest first. */
    listLive(): LocalVm[] {
      return db
        .select()
        .from(localVms)
        .where(isNull(localVms.deletedAt))
        .orderBy(asc(localVms.createdAt))
        .all();
    },
    /** Every port ever recorded (the column is unique, deleted rows included). */
    usedPorts(): Set<number> {
      return new Set(
        db
          .select({ port: localVms.port })
          .from(localVms)
          .all()
          .map((r) => r.port),
      );
    },
    setState(id: string, state: { status: LocalVmStatus; pid?: number | null }): void {
      db.update(localVms).set(state).where(eq(localVms.id, id)).run();
    },
    rename(id: string, name: string): void {
      db.update(localVms).set({ name }).where(eq(localVms.id, id)).run();
    },
    setOpenPorts(id: string, openPorts: LocalVmPort[]): void {
      db.update(localVms).set({ openPorts }).where(eq(localVms.id, id)).run();
    },
    markDeleted(id: string, at = new Date()): void {
      db.update(localVms)
        .set({ status: 'Terminated', pid: null, deletedAt: at })
        .where(eq(localVms.id, id))
        .run();
    },
  };
}
export type LocalVmRepository = ReturnType<typeof createLocalVmRepository>;
