import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { canonicalJson } from './canonical-json.ts';
import { buildMerkleTree, leafHash, verifyInclusion } from './merkle.ts';
import { buildScoreTree, scoreLeafBytes } from './score-tree.ts';

// RFC 6962 §2.1 written out literally (recursive split at the largest power of two < n): the
// reference the fast bottom-up tree is checked against.
const sha256 = (...parts: Uint8Array[]) => {
  const h = createHash('sha256');
  for (const p of parts) h.update(p);
  return h.digest();
};
function largestPowerOfTwoBelow(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}
/** MTH over d[from, to), memoised per range so 1,000 reference paths stay cheap. */
function reference(d: readonly Uint8Array[]) {
  const memo = new Map<string, Buffer>();
  const mth = (from: number, to: number): Buffer => {
    const key = `${from}:${to}`;
    let hash = memo.get(key);
    if (!hash) {
      if (to - from === 0) hash = sha256();
      else if (to - from === 1) hash = sha256(Buffer.from([0]), d[from]!);
      else {
        const k = largestPowerOfTwoBelow(to - from);
        hash = sha256(Buffer.from([1]), mth(from, from + k), mth(from + k, to));
      }
      memo.set(key, hash);
    }
    return hash;
  };
  // PATH(m, D[from:to]) of §2.1.1.
  const path = (m: number, from: number, to: number): Buffer[] => {
    if (to - from === 1) return [];
    const k = largestPowerOfTwoBelow(to - from);
    return m < k
      ? [...path(m, from, from + k), mth(from + k, to)]
      : [...path(m - k, from + k, to), mth(from, from + k)];
  };
  return { root: mth(0, d.length), path: (m: number) => path(m, 0, d.length) };
}
const mth = (d: readonly Uint8Array[]) => reference(d).root;

// Certificate Transparency's test leaves and the roots of their first n (published with the
// reference implementations of RFC 6962); they pin the reference above as well.
const CT_LEAVES = [
  '',
  '00',
  '10',
  '2021',
  '3031',
  '40414243',
  '5051525354555657',
  '606162636465666768696a6b6c6d6e6f',
].map((hex) => Buffer.from(hex, 'hex'));
const CT_ROOTS: Record<number, string> = {
  1: '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
  2: 'fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125',
  3: 'aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77',
  5: '4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4',
  8: '5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328',
};

function leavesOf(n: number): Buffer[] {
  return Array.from({ length: n }, (_, i) => Buffer.from(`leaf-${i}`));
}

describe('RFC 6962 Merkle tree', () => {
  it('matches the published roots for 1, 2, 3, 5 and 8 leaves', () => {
    for (const [n, root] of Object.entries(CT_ROOTS)) {
      const leaves = CT_LEAVES.slice(0, Number(n));
      expect(mth(leaves).toString('hex')).toBe(root);
      expect(buildMerkleTree(leaves).root.toString('hex')).toBe(root);
    }
  });

  it('builds the root of an empty tree as SHA-256 of nothing', () => {
    expect(buildMerkleTree([]).root.toString('hex')).toBe(
      'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
    );
  });

  for (const n of [1, 2, 3, 5, 8, 1000]) {
    it(`gives the reference root and audit path for every leaf of ${n}, and every proof verifies`, () => {
      const leaves = leavesOf(n);
      const tree = buildMerkleTree(leaves);
      const rfc = reference(leaves);
      expect(tree.root.equals(rfc.root)).toBe(true);
      for (let m = 0; m < n; m++) {
        const auditPath = tree.auditPath(m);
        expect(auditPath.map((p) => p.toString('hex'))).toEqual(rfc.path(m).map((p) => p.toString('hex')));
        expect(
          verifyInclusion({
            leafHash: leafHash(leaves[m]!),
            leafIndex: m,
            treeSize: n,
            auditPath,
            root: tree.root,
          }),
        ).toBe(true);
      }
    });
  }

  it('rejects a changed leaf, leaf index, tree shape or path element', () => {
    const leaves = leavesOf(1000);
    const tree = buildMerkleTree(leaves);
    const proof = {
      leafHash: leafHash(leaves[613]!),
      leafIndex: 613,
      treeSize: 1000,
      auditPath: tree.auditPath(613),
      root: tree.root,
    };
    expect(verifyInclusion(proof)).toBe(true);
    expect(verifyInclusion({ ...proof, leafHash: leafHash(leaves[614]!) })).toBe(false);
    expect(verifyInclusion({ ...proof, leafIndex: 612 })).toBe(false);
    expect(verifyInclusion({ ...proof, leafIndex: 1000 })).toBe(false);
    // The size matters where it changes the tree's shape along the path (613 becomes a right edge).
    expect(verifyInclusion({ ...proof, treeSize: 614 })).toBe(false);
    expect(verifyInclusion({ ...proof, auditPath: proof.auditPath.slice(0, -1) })).toBe(false);
    expect(verifyInclusion({ ...proof, auditPath: [...proof.auditPath, tree.root] })).toBe(false);
    for (let i = 0; i < proof.auditPath.length; i++) {
      const changed = proof.auditPath.map((p, j) => (j === i ? Buffer.from(p).fill(p[0]! ^ 1, 0, 1) : p));
      expect(verifyInclusion({ ...proof, auditPath: changed })).toBe(false);
    }
  });
});

describe('score tree', () => {
  it('hashes canonical JSON leaves ordered by vmId in UTF-8 byte order, and a changed score fails', () => {
    // '\u{1F600}' sorts before '\uFFFD' in UTF-16 but after it in UTF-8.
    const answers = ['b', '\uFFFD', 'a', '\u{1F600}'].map((vmId, i) => ({
      vmId,
      minerAddress: i === 0 ? null : `0.0.${100 + i}`,
      score: i * 10,
      ok: i !== 0,
    }));
    const scores = buildScoreTree('round-1', answers);
    expect(scores.leaves.map((l) => l.vmId)).toEqual(['a', 'b', '\uFFFD', '\u{1F600}']);
    expect(scoreLeafBytes(scores.leaves[1]!).toString('utf8')).toBe(
      '{"minerAddress":null,"ok":false,"roundId":"round-1","score":0,"vmId":"b"}',
    );
    for (const leaf of scores.leaves) expect(scoreLeafBytes(leaf).toString('utf8')).toBe(canonicalJson(leaf));
    expect(scores.root).toBe(mth(scores.leaves.map(scoreLeafBytes)).toString('hex'));

    const index = scores.indexOf('\uFFFD')!;
    const leaf = scores.leaves[index]!;
    const proof = {
      leafIndex: index,
      treeSize: 4,
      auditPath: scores.tree.auditPath(index),
      root: scores.tree.root,
    };
    expect(verifyInclusion({ ...proof, leafHash: leafHash(scoreLeafBytes(leaf)) })).toBe(true);
    expect(
      verifyInclusion({ ...proof, leafHash: leafHash(scoreLeafBytes({ ...leaf, score: leaf.score + 1 })) }),
    ).toBe(false);
  });
});
