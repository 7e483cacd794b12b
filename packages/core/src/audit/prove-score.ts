import { createRoundAuditRepository, createRoundRepository, type Database } from '@tensornode/db';
import { ConflictError, NotFoundError } from '../errors.ts';
import { buildScoreTree, type ScoreLeaf, type ScoreTree } from './score-tree.ts';

/**
 * One miner's score in a round, with what it takes to check it against the topic: the audit path
 * from its leaf to the round's `scoresRoot`, and where that root sits on the ledger.
 */
export interface ScoreProof {
  /** The leaf; its canonical JSON (keys sorted, no whitespace, UTF-8) is what the tree hashes. */
  leaf: ScoreLeaf;
  leafIndex: number;
  treeSize: number;
  /** Hex SHA-256 hashes, nearest sibling first (RFC 6962 §2.1.1). */
  auditPath: string[];
  scoresRoot: string;
  /** Where the round's v2 message is on the score topic; null until the ledger confirmed it. */
  topicId: string | null;
  sequenceNumber: number | null;
  consensusTimestamp: string | null;
  /** Hex running hash of the topic after the round's message. */
  runningHash: string | null;
}

// A round's tree never changes once stored; proving every miner of a large round one request at a
// time would otherwise rebuild it per request (5,000 miners: 10,000 hashes and a 5,000-row read each).
const TREE_CACHE_ROUNDS = 8;
const treeCache = new Map<string, ScoreTree>();

function cachedTree(roundId: string, scoresRoot: string, build: () => ScoreTree): ScoreTree {
  const key = `${roundId}:${scoresRoot}`;
  let tree = treeCache.get(key);
  if (tree) {
    treeCache.delete(key);
  } else {
    tree = build();
    // Stored answers that no longer give the published root are not cached: the next call sees them.
    if (tree.root !== scoresRoot) return tree;
  }
  treeCache.set(key, tree);
  if (treeCache.size > TREE_CACHE_ROUNDS) treeCache.delete(treeCache.keys().next().value!);
  return tree;
}

/** The inclusion proof of one VM's answer in a v2 round. Public: a miner checks its own score. */
export function proveScore(ctx: { db: Database }, input: { roundId: string; vmId: string }): ScoreProof {
  const rounds = createRoundRepository(ctx.db);
  const round = rounds.findById(input.roundId);
  if (!round) throw new NotFoundError(`round ${input.roundId} not found`);
  const audit = createRoundAuditRepository(ctx.db).find(input.roundId);
  if (!audit) {
    throw new NotFoundError(
      `round ${input.roundId} was published as v1, with every score inline in its topic message: it has no score tree`,
    );
  }
  const scores = cachedTree(round.id, audit.scoresRoot, () =>
    buildScoreTree(round.id, rounds.answersOf(round.id)),
  );
  if (scores.root !== audit.scoresRoot) {
    throw new ConflictError(
      `the stored answers of round ${round.id} no longer give its published scores root`,
    );
  }
  const leafIndex = scores.indexOf(input.vmId);
  if (leafIndex === undefined) throw new NotFoundError(`VM ${input.vmId} took no part in round ${round.id}`);
  const confirmed = round.ledgerStatus === 'confirmed';
  return {
    leaf: scores.leaves[leafIndex]!,
    leafIndex,
    treeSize: scores.tree.size,
    auditPath: scores.tree.auditPath(leafIndex).map((h) => h.toString('hex')),
    scoresRoot: scores.root,
    topicId: confirmed ? round.ledgerTopicId : null,
    sequenceNumber: confirmed ? round.ledgerSequence : null,
    consensusTimestamp: confirmed ? round.ledgerConsensusAt : null,
    runningHash: confirmed ? round.ledgerRunningHash : null,
  };
}
