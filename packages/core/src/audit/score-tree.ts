import { canonicalJson } from './canonical-json.ts';
import { buildMerkleTree, type MerkleTree } from './merkle.ts';

/** One miner's line in a round's score tree. Its canonical JSON is the Merkle leaf. */
export interface ScoreLeaf {
  roundId: string;
  vmId: string;
  minerAddress: string | null;
  score: number;
  ok: boolean;
}

/** Canonical JSON (keys sorted, no whitespace) of the leaf, UTF-8: the bytes the tree hashes. */
export function scoreLeafBytes(leaf: ScoreLeaf): Buffer {
  const { roundId, vmId, minerAddress, score, ok } = leaf;
  return Buffer.from(canonicalJson({ roundId, vmId, minerAddress, score, ok }), 'utf8');
}

/** UTF-8 byte order, which is not JavaScript's UTF-16 order for characters beyond U+FFFF. */
export function compareUtf8(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

export interface ScoreTree {
  tree: MerkleTree;
  /** Leaves in tree order (by vmId). */
  leaves: ScoreLeaf[];
  /** Hex root: a round's `scoresRoot`. */
  root: string;
  indexOf(vmId: string): number | undefined;
}

/** The tree of a round's answers, ordered by vmId in UTF-8 byte order. */
export function buildScoreTree(
  roundId: string,
  answers: readonly { vmId: string; minerAddress: string | null; score: number; ok: boolean }[],
): ScoreTree {
  const leaves = answers
    .map((a) => ({ roundId, vmId: a.vmId, minerAddress: a.minerAddress, score: a.score, ok: a.ok }))
    .sort((a, b) => compareUtf8(a.vmId, b.vmId));
  const tree = buildMerkleTree(leaves.map(scoreLeafBytes));
  const index = new Map(leaves.map((leaf, i) => [leaf.vmId, i]));
  return { tree, leaves, root: tree.root.toString('hex'), indexOf: (vmId) => index.get(vmId) };
}
