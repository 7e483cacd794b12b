/** A miner the round will ask: where it answers and whom its score belongs to. */
export interface RoundMiner {
  vmId: string;
  /** The miner's Hedera account; null for a VM no miner is assigned to (scored as `vm:<vmId>`). */
  minerAddress: string | null;
  endpoint: string;
}

/**
 * Resolves which miners a round asks (implemented from the VM provider and the deployments table).
 * With `vmIds`: those VMs, any the provider lists; ids it cannot resolve to an endpoint are left
 * out and the round rejects them by name. Without: every VM with an active deployment and a public
 * address. Endpoint: the VM's own `minerEndpoint`, else `http://<publicIp>:<MINER_PORT><MINER_PATH>`.
 */
export interface MinerDirectory {
  /**
   * The directory's one spelling of a caller's VM id (e.g. lower-case hex), or null when the id
   * cannot be a VM id at all. Without it, ids are taken as given.
   */
  canonicalVmId?(id: string): string | null;
  /** Names the kind of id in errors, e.g. "fluence". */
  readonly vmIdKind?: string;
  resolve(vmIds?: readonly string[]): Promise<RoundMiner[]>;
}

/** A fixed list of miners, for tests, benchmarks and callers that already know their miners. */
export function staticMinerDirectory(miners: readonly RoundMiner[]): MinerDirectory {
  return {
    async resolve(vmIds) {
      if (!vmIds) return [...miners];
      const wanted = new Set(vmIds);
      return miners.filter((m) => wanted.has(m.vmId));
    },
  };
}
