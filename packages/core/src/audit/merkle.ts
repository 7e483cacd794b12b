import { createHash } from 'node:crypto';

/**
 * The Merkle tree of RFC 6962 §2.1 (Certificate Transparency), over SHA-256:
 *   MTH({})        = SHA-256()
 *   MTH({d0})      = SHA-256(0x00 ‖ d0)
 *   MTH(D[n])      = SHA-256(0x01 ‖ MTH(D[0:k]) ‖ MTH(D[k:n])), k the largest power of two < n.
 * Built bottom-up: pairing nodes level by level and carrying an odd last node up unchanged gives
 * exactly the left-balanced tree that the recursive split defines, in O(n) hashes.
 */

const LEAF_PREFIX = Buffer.from([0x00]);
const NODE_PREFIX = Buffer.from([0x01]);

export function leafHash(leaf: Uint8Array): Buffer {
  return createHash('sha256').update(LEAF_PREFIX).update(leaf).digest();
}

export function nodeHash(left: Uint8Array, right: Uint8Array): Buffer {
  return createHash('sha256').update(NODE_PREFIX).update(left).update(right).digest();
}

/** A built tree: every level's hashes, leaves first, root last. Immutable once built. */
export interface MerkleTree {
  readonly size: number;
  readonly root: Buffer;
  /** The audit path of leaf `index` (RFC 6962 §2.1.1), nearest sibling first. */
  auditPath(index: number): Buffer[];
}

const EMPTY_ROOT = createHash('sha256').digest();

export function buildMerkleTree(leaves: readonly Uint8Array[]): MerkleTree {
  const levels: Buffer[][] = [leaves.map(leafHash)];
  for (let level = levels[0]!; level.length > 1; ) {
    const up: Buffer[] = [];
    for (let i = 0; i < level.length; i += 2) {
      up.push(i + 1 < level.length ? nodeHash(level[i]!, level[i + 1]!) : level[i]!);
    }
    levels.push(up);
    level = up;
  }
  const size = leaves.length;
  return {
    size,
    root: size === 0 ? EMPTY_ROOT : levels.at(-1)![0]!,
    auditPath(index) {
      if (!Number.isInteger(index) || index < 0 || index >= size)
        throw new RangeError(`leaf index ${index} is outside a tree of ${size}`);
      const path: Buffer[] = [];
      let i = index;
      for (const level of levels.slice(0, -1)) {
        const sibling = i ^ 1;
        // A node without a right sibling is carried up: that level adds nothing to the path.
        if (sibling < level.length) path.push(level[sibling]!);
        i >>= 1;
      }
      return path;
    },
  };
}

export function merkleRoot(leaves: readonly Uint8Array[]): Buffer {
  return buildMerkleTree(leaves).root;
}

/**
 * Recomputes the root from a leaf's hash and its audit path (RFC 9162 §2.1.3.2, the algorithm that
 * verifies RFC 6962 inclusion proofs) and compares it with `root`. Any change to the leaf, its
 * index, the tree size or one path element gives another root.
 */
export function verifyInclusion(input: {
  leafHash: Uint8Array;
  leafIndex: number;
  treeSize: number;
  auditPath: readonly Uint8Array[];
  root: Uint8Array;
}): boolean {
  const { leafIndex, treeSize, auditPath } = input;
  if (!Number.isSafeInteger(leafIndex) || !Number.isSafeInteger(treeSize)) return false;
  if (leafIndex < 0 || leafIndex >= treeSize) return false;
  let fn = leafIndex;
  let sn = treeSize - 1;
  let r: Buffer = Buffer.from(input.leafHash);
  for (const p of auditPath) {
    if (sn === 0) return false;
    if (fn % 2 === 1 || fn === sn) {
      r = nodeHash(p, r);
      if (fn % 2 === 0) {
        while (fn % 2 === 0 && fn !== 0) {
          fn = Math.floor(fn / 2);
          sn = Math.floor(sn / 2);
        }
      }
    } else {
      r = nodeHash(r, p);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return sn === 0 && r.equals(Buffer.from(input.root));
}
