import { createHash } from 'node:crypto';
import type { Tx } from '@tensornode/db';

/** What a round publishes to the score topic. Canonical JSON of this is what `payloadHash` covers. */
export interface RoundSummary {
  v: 1;
  roundId: string;
  startedAt: string;
  completedAt: string;
  method: string;
  /** SHA-256 of prompt and truth: the ledger proves which question was asked without publishing it. */
  promptHash: string;
  truthHash: string;
  scores: { vmId: string; minerAddress: string | null; score: number; ok: boolean }[];
}

/**
 * Called by the round runner inside the transaction that stores the round, so a round and its
 * ledger record are written together or not at all. `afterCommit` wakes the sender.
 */
export interface RoundLedgerHook {
  enqueue(tx: Tx, summary: RoundSummary): void;
  afterCommit?(): void;
}

export const noLedger: RoundLedgerHook = { enqueue() {} };

/** Deterministic JSON: object keys sorted, no whitespace. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(
          Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
        )
      : v,
  );
}

export function sha256Hex(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

export function hashRoundSummary(summary: RoundSummary): string {
  return sha256Hex(canonicalJson(summary));
}
