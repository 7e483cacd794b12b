import type { Tx } from '@tensornode/db';
import { canonicalJson, sha256Hex } from '../audit/canonical-json.ts';
import { commitment } from '../audit/commitment.ts';
import { buildScoreTree } from '../audit/score-tree.ts';

export { canonicalJson, sha256Hex };

/** A topic message is at most this many bytes in one chunk (Hedera's chunk size). */
export const ONE_CHUNK_BYTES = 1024;

/**
 * What a round publishes to the score topic. Canonical JSON of this is what `payloadHash` covers.
 * v1 (every score inline) is how rounds were published before v2; they stay readable and verifiable.
 */
export type RoundSummary = RoundSummaryV1 | RoundSummaryV2;

/** v1: every score inline, unsalted hashes. Grows with the miners: 2,000 miners made ~190 chunks. */
export interface RoundSummaryV1 {
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
 * v2: one chunk whatever the number of miners. Scores are committed to by `scoresRoot`, the RFC 6962
 * Merkle root over the answers (see audit/score-tree.ts); question and truth by salted commitments
 * that the round's reveal opens later.
 */
export interface RoundSummaryV2 {
  v: 2;
  roundId: string;
  startedAt: string;
  completedAt: string;
  method: string;
  /** SHA-256(questionSalt ‖ prompt), hex. */
  questionCommitment: string;
  /** SHA-256(truthSalt ‖ truth), hex. */
  truthCommitment: string;
  minerCount: number;
  answeredCount: number;
  /** Hex RFC 6962 root over the canonical-JSON leaves `{roundId, vmId, minerAddress, score, ok}`. */
  scoresRoot: string;
}

/** The v2 summary of a round: what the round runner publishes, and what `ledger.verify` recomputes. */
export function buildRoundSummaryV2(round: {
  roundId: string;
  startedAt: Date;
  completedAt: Date;
  method: string;
  prompt: string;
  truth: string;
  questionSalt: string;
  truthSalt: string;
  answers: readonly { vmId: string; minerAddress: string | null; score: number; ok: boolean }[];
}): RoundSummaryV2 {
  const summary: RoundSummaryV2 = {
    v: 2,
    roundId: round.roundId,
    startedAt: round.startedAt.toISOString(),
    completedAt: round.completedAt.toISOString(),
    method: round.method,
    questionCommitment: commitment(round.questionSalt, round.prompt),
    truthCommitment: commitment(round.truthSalt, round.truth),
    minerCount: round.answers.length,
    answeredCount: round.answers.filter((a) => a.ok).length,
    scoresRoot: buildScoreTree(round.roundId, round.answers).root,
  };
  const bytes = Buffer.byteLength(canonicalJson(summary));
  // Only an unusually long round id or method could push it over; refuse rather than chunk.
  if (bytes > ONE_CHUNK_BYTES)
    throw new RangeError(`round summary is ${bytes} bytes, over one chunk (${ONE_CHUNK_BYTES})`);
  return summary;
}

/** The v1 summary of a stored round, for rounds published before v2 (and the v1/v2 benchmark). */
export function buildRoundSummary(round: {
  roundId: string;
  startedAt: Date;
  completedAt: Date;
  method: string;
  prompt: string;
  truth: string;
  answers: readonly { vmId: string; minerAddress: string | null; score: number; ok: boolean }[];
}): RoundSummaryV1 {
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

export function hashRoundSummary(summary: RoundSummary): string {
  return sha256Hex(canonicalJson(summary));
}
