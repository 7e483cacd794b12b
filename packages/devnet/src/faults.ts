export type FaultMode = 'unavailable' | 'busy' | 'slow';

export interface Fault {
  mode: FaultMode;
  /** For `slow`: how long each answer is held back (default 2000 ms). */
  delayMs?: number;
  /** How many calls the fault affects before it clears itself; unlimited when absent. */
  count?: number;
}

/** The fault the node injects into its next gRPC calls, if any. */
export class FaultSwitch {
  /** The mirror's lag (read by the mirror server); see `Devnet.holdMirror`. */
  readonly mirror: { heldAtNs: bigint | null } = { heldAtNs: null };
  private fault: Fault | null = null;
  private remaining = Number.POSITIVE_INFINITY;

  set(fault: Fault): void {
    this.fault = { ...fault };
    this.remaining = fault.count ?? Number.POSITIVE_INFINITY;
  }

  clear(): void {
    this.fault = null;
  }

  /** The fault for this call, consuming one of its count. */
  take(): Fault | null {
    if (!this.fault || this.remaining <= 0) return null;
    const fault = this.fault;
    this.remaining -= 1;
    if (this.remaining <= 0) this.fault = null;
    return fault;
  }
}
