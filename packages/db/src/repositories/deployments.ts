import { and, asc, eq, inArray, isNotNull, isNull, ne, notInArray, sql } from 'drizzle-orm';
import type { Executor } from '../client.ts';
import { type DeploymentStatus, deployments } from '../schema.ts';

export type Deployment = typeof deployments.$inferSelect;

export interface DeploymentFilter {
  status?: DeploymentStatus;
  minerAddress?: string;
  provider?: string;
}

/** Deployment records: which VM serves which miner (the seed's vm_deployments.json). */
export function createDeploymentRepository(db: Executor) {
  return {
    /** New VMs, not yet assigned. A VM already recorded keeps its record. */
    insertInactive(rows: { vmId: string; provider: string; walletAddress?: string | null }[]): Deployment[] {
      if (rows.length === 0) return [];
      return db
        .insert(deployments)
        .values(rows.map((r) => ({ ...r, status: 'inactive' as const })))
        .onConflictDoNothing()
        .returning()
        .all();
    },

    insertActive(row: {
      vmId: string;
      provider: string;
      minerAddress: string;
      instanceName: string;
      walletAddress?: string | null;
      assignedAt: Date;
    }): Deployment | undefined {
      // A row may exist already: the clean-up job can adopt a new VM as inactive before its
      // deploy's answer is recorded. An inactive row is taken over; any other is left alone.
      const { vmId: _vmId, provider: _provider, walletAddress, ...assignment } = row;
      return db
        .insert(deployments)
        .values({ ...row, status: 'active' })
        .onConflictDoUpdate({
          target: deployments.vmId,
          set: { ...assignment, status: 'active', ...(walletAddress ? { walletAddress } : {}) },
          setWhere: eq(deployments.status, 'inactive'),
        })
        .returning()
        .get();
    },

    /**
     * Hands the oldest inactive VM of `provider` to a miner in one statement: the row is chosen and
     * flipped to active by the same UPDATE, so no two callers can claim it.
     */
    claimInactive(claim: {
      provider: string;
      minerAddress: string;
      instanceName: string;
      assignedAt: Date;
    }): Deployment | undefined {
      const oldestInactive = sql`(select ${deployments.vmId} from ${deployments}
        where ${deployments.status} = 'inactive' and ${deployments.provider} = ${claim.provider}
          and (${deployments.healthy} is null or ${deployments.healthy} <> 0)
        order by ${deployments.createdAt}, rowid limit 1)`; // rowid: insertion order breaks timestamp ties
      return db
        .update(deployments)
        .set({
          status: 'active',
          minerAddress: claim.minerAddress,
          instanceName: claim.instanceName,
          assignedAt: claim.assignedAt,
        })
        .where(and(eq(deployments.vmId, oldestInactive), eq(deployments.status, 'inactive')))
        .returning()
        .get();
    },

    /** Back to the pool; undefined when the VM has no active deployment. */
    release(vmId: string): Deployment | undefined {
      return db
        .update(deployments)
        .set({ status: 'inactive', minerAddress: null, instanceName: null, assignedAt: null })
        .where(and(eq(deployments.vmId, vmId), eq(deployments.status, 'active')))
        .returning()
        .get();
    },

    markTerminated(vmIds: string[], at: Date): Deployment[] {
      if (vmIds.length === 0) return [];
      return db
        .update(deployments)
        .set({ status: 'terminated', terminatedAt: at })
        .where(and(inArray(deployments.vmId, vmIds), ne(deployments.status, 'terminated')))
        .returning()
        .all();
    },

    /**
     * The clean-up job's memory between runs: rows of `provider` whose VM is listed get
     * `missing_since` cleared; the unlisted ones keep the first time they were missed (set now if
     * unset). Returns the unlisted rows that were already missing on an earlier run.
     */
    markMissing(provider: string, listedVmIds: string[], at: Date): Deployment[] {
      const live = and(eq(deployments.provider, provider), ne(deployments.status, 'terminated'));
      if (listedVmIds.length > 0) {
        db.update(deployments)
          .set({ missingSince: null })
          .where(and(live, inArray(deployments.vmId, listedVmIds), isNotNull(deployments.missingSince)))
          .run();
      }
      const unlisted = listedVmIds.length > 0 ? notInArray(deployments.vmId, listedVmIds) : undefined;
      const before = db
        .select()
        .from(deployments)
        .where(and(live, unlisted, isNotNull(deployments.missingSince)))
        .all();
      db.update(deployments)
        .set({ missingSince: at })
        .where(and(live, unlisted, isNull(deployments.missingSince)))
        .run();
      return before;
    },

    /** Pins the VM's SSH host key fingerprint if none is pinned yet; returns the pinned one. */
    /** Forgets the pinned host key (after a rebuild); the next connect pins the new one. */
    clearHostKey(vmId: string): { vmId: string; sshHostKey: string | null } | undefined {
      const previous = db
        .select({ vmId: deployments.vmId, sshHostKey: deployments.sshHostKey })
        .from(deployments)
        .where(eq(deployments.vmId, vmId))
        .get();
      if (!previous) return undefined;
      db.update(deployments).set({ sshHostKey: null }).where(eq(deployments.vmId, vmId)).run();
      return previous;
    },
    pinHostKey(vmId: string, fingerprint: string): string | undefined {
      db.update(deployments)
        .set({ sshHostKey: fingerprint })
        .where(and(eq(deployments.vmId, vmId), isNull(deployments.sshHostKey)))
        .run();
      return (
        db
          .select({ sshHostKey: deployments.sshHostKey })
          .from(deployments)
          .where(eq(deployments.vmId, vmId))
          .get()?.sshHostKey ?? undefined
      );
    },

    recordHealth(
      vmId: string,
      health: { healthy: boolean; error: string | null; at: Date; publicIp?: string | null },
    ): void {
      db.update(deployments)
        .set({
          healthy: health.healthy,
          healthError: health.error,
          healthCheckedAt: health.at,
          ...(health.publicIp ? { publicIp: health.publicIp } : {}),
        })
        .where(eq(deployments.vmId, vmId))
        .run();
    },

    findById(vmId: string): Deployment | undefined {
      return db.select().from(deployments).where(eq(deployments.vmId, vmId)).get();
    },

    /** Oldest first. */
    list(filter: DeploymentFilter = {}): Deployment[] {
      const conditions = [
        filter.status ? eq(deployments.status, filter.status) : undefined,
        filter.minerAddress ? eq(deployments.minerAddress, filter.minerAddress) : undefined,
        filter.provider ? eq(deployments.provider, filter.provider) : undefined,
      ].filter((c) => c !== undefined);
      return db
        .select()
        .from(deployments)
        .where(conditions.length > 0 ? and(...conditions) : undefined)
        .orderBy(asc(deployments.createdAt), asc(deployments.vmId))
        .all();
    },

    /** Records that still claim a live VM. */
    listLive(provider: string): Deployment[] {
      return db
        .select()
        .from(deployments)
        .where(and(eq(deployments.provider, provider), ne(deployments.status, 'terminated')))
        .orderBy(asc(deployments.createdAt))
        .all();
    },
  };
}

export type DeploymentRepository = ReturnType<typeof createDeploymentRepository>;
