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

/** The summary of a stored round: what the round runner publishes, and what `ledger.verify` recomputes. */
export function buildRoundSummary(round: {
  roundId: string;
  startedAt: Date;
  completedAt: Date;
  method: string;
  prompt: string;
  truth: string;
  answers: readonly { vmId: string; minerAddress: string | null; score: number; ok: boolean }[];
}): RoundSummary {
  return {
    v: 1,
    roundId: round.roundId,
    startedAt: round.startedAt.toISOString(),
    completedAt: round.completedAt.toISOString(),
    method: round.method,
    promptHash: sha256Hex(round.prompt),
    truthHash: sha256Hex(round.truth),
    scores: round.answers.map((a) => ({
      vmId: a.vmId,
      minerAddress: a.minerAddress,
      score: a.score,
      ok: a.ok,
    })),
  };
}

/**
 * Called by the round runner inside the transaction that stores the round, so a round and its
 * ledger record are written together or not at all. `afterCommit` wakes the sender.
 */
export interface RoundLedgerHook {
  enqueue(tx: Tx, summary: RoundSummary): void;
  afterCommit?(): void;
}

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
