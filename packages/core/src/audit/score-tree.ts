import { buildMerkleTree, type MerkleTree } from './merkle.ts';

/** One miner's line in a round's score tree. Its canonical JSON is the Merkle leaf. */
export interface ScoreLeaf {
  roundId: string;
  vmId: string;
  minerAddress: string | null;
  score: number;
  ok: boolean;
}

/**
 * Canonical JSON (keys sorted, no whitespace) of the leaf, UTF-8: the bytes the tree hashes. The
 * object is flat, so writing its keys in sorted order is its canonical form (a test holds it to
 * `canonicalJson`), without sorting keys per leaf.
 */
export function scoreLeafBytes(leaf: ScoreLeaf): Buffer {
  const { minerAddress, ok, roundId, score, vmId } = leaf;
  return Buffer.from(JSON.stringify({ minerAddress, ok, roundId, score, vmId }), 'utf8');
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
  // Each id encoded once, not once per comparison.
  const leaves = answers
    .map((a) => ({
      key: Buffer.from(a.vmId, 'utf8'),
      leaf: { roundId, vmId: a.vmId, minerAddress: a.minerAddress, score: a.score, ok: a.ok },
    }))
    .sort((a, b) => Buffer.compare(a.key, b.key))
    .map((entry) => entry.leaf);
  const tree = buildMerkleTree(leaves.map(scoreLeafBytes));
  const index = new Map(leaves.map((leaf, i) => [leaf.vmId, i]));
  return { tree, leaves, root: tree.root.toString('hex'), indexOf: (vmId) => index.get(vmId) };
}
