import { createHash } from 'node:crypto';

/** Answers shorter than this many words are never flagged for being identical: "42" is just right. */
export const COPY_MIN_WORDS = 30;
/** Word-shingle Jaccard similarity at or above which two long answers count as one text. */
export const COPY_MIN_JACCARD = 0.9;
const SHINGLE_WORDS = 3;
const MINHASH_SIZE = 64;
// LSH banding: 16 bands of 4 rows make pairs at Jaccard 0.9 candidates with probability > 0.999.
const BANDS = 16;
const ROWS = MINHASH_SIZE / BANDS;

/** Lower case, punctuation and symbols dropped, whitespace collapsed: the words compared. */
export function answerWords(text: string): string[] {
  return text
    .normalize('NFKC')
    .toLowerCase()
    .replace(/[\p{P}\p{S}]+/gu, ' ')
    .split(/\s+/u)
    .filter((w) => w !== '');
}

function shingleHashes(words: readonly string[]): Set<number> {
  const set = new Set<number>();
  for (let i = 0; i + SHINGLE_WORDS <= words.length; i++) {
    const digest = createHash('sha1')
      .update(words.slice(i, i + SHINGLE_WORDS).join(' '))
      .digest();
    set.add(digest.readUInt32BE(0));
  }
  return set;
}

// Fixed, odd multipliers and offsets: signatures are comparable across calls and processes.
const SEEDS = Array.from({ length: MINHASH_SIZE }, (_, i) => {
  const d = createHash('sha256').update(`minhash-${i}`).digest();
  return { a: d.readUInt32BE(0) | 1, b: d.readUInt32BE(4) };
});

function minHash(shingles: Set<number>): Uint32Array {
  const signature = new Uint32Array(MINHASH_SIZE).fill(0xffffffff);
  for (const x of shingles) {
    for (let i = 0; i < MINHASH_SIZE; i++) {
      const { a, b } = SEEDS[i]!;
      const h = (Math.imul(a, x) + b) >>> 0;
      if (h < signature[i]!) signature[i] = h;
    }
  }
  return signature;
}

function jaccard(a: Set<number>, b: Set<number>): number {
  let common = 0;
  for (const x of a) if (b.has(x)) common++;
  return common / (a.size + b.size - common);
}

export interface CopyCandidate {
  vmId: string;
  /** Whose answer it is: the miner's account, or the VM for an unassigned one. */
  minerKey: string;
  response: string | null;
  latencyMs: number;
  /** When the validator received the answer; orders the group when given (requests may start apart). */
  answeredAt?: Date;
}

export interface CopyGroup {
  /** VM ids, earliest answer first. */
  vmIds: string[];
  /** The VM that answered first: under the "zero copies" policy it keeps its score. */
  earliest: string;
  similarity: number;
}

/**
 * Copy groups of one round: answers of at least COPY_MIN_WORDS words from different miners whose
 * word-shingle sets are near-identical (Jaccard ≥ 0.9; MinHash with LSH banding finds the pairs,
 * the exact Jaccard confirms them), while other miners' long answers differ. When every long
 * answer is the same text, nobody stands out and nothing is flagged.
 */
export function findCopyGroups(answers: readonly CopyCandidate[]): CopyGroup[] {
  const long = answers
    .map((a) => ({ ...a, words: a.response ? answerWords(a.response) : [] }))
    .filter((a) => a.words.length >= COPY_MIN_WORDS)
    .map((a) => ({ ...a, shingles: shingleHashes(a.words) }))
    .map((a) => ({ ...a, signature: minHash(a.shingles) }));
  if (long.length < 2) return [];

  const parent = long.map((_, i) => i);
  const find = (i: number): number => {
    while (parent[i] !== i) {
      parent[i] = parent[parent[i]!]!;
      i = parent[i]!;
    }
    return i;
  };
  const best = new Map<number, number>();
  const tried = new Set<string>();
  for (let band = 0; band < BANDS; band++) {
    const buckets = new Map<string, number[]>();
    long.forEach((a, i) => {
      const key = Array.from(a.signature.subarray(band * ROWS, band * ROWS + ROWS)).join(',');
      const bucket = buckets.get(key);
      if (bucket) bucket.push(i);
      else buckets.set(key, [i]);
    });
    for (const bucket of buckets.values()) {
      for (let x = 0; x < bucket.length; x++) {
        for (let y = x + 1; y < bucket.length; y++) {
          const i = bucket[x]!;
          const j = bucket[y]!;
          const pair = `${i}:${j}`;
          if (tried.has(pair)) continue;
          tried.add(pair);
          if (long[i]!.minerKey === long[j]!.minerKey) continue;
          const similarity = jaccard(long[i]!.shingles, long[j]!.shingles);
          if (similarity < COPY_MIN_JACCARD) continue;
          parent[find(i)] = find(j);
          for (const k of [i, j]) best.set(k, Math.min(best.get(k) ?? 1, similarity));
        }
      }
    }
  }

  const groups = new Map<number, number[]>();
  long.forEach((_, i) => {
    if (!best.has(i)) return;
    const root = find(i);
    groups.set(root, [...(groups.get(root) ?? []), i]);
  });
  return [...groups.values()]
    .filter((members) => members.length < long.length)
    .map((members) => {
      const ordered = members
        .map((i) => long[i]!)
        .sort((a, b) => answeredOrder(a) - answeredOrder(b) || a.latencyMs - b.latencyMs);
      return {
        vmIds: ordered.map((a) => a.vmId),
        earliest: ordered[0]!.vmId,
        similarity: Math.min(...members.map((i) => best.get(i)!)),
      };
    });
}

function answeredOrder(a: CopyCandidate): number {
  return a.answeredAt?.getTime() ?? a.latencyMs;
}

export interface CopySuspicion {
  minerKey: string;
  /** Rounds in which the miner was in a copy group, oldest first. */
  rounds: string[];
}

/**
 * Across rounds: a miner found in copy groups in at least `minRounds` rounds carries a suspicion,
 * with those rounds as evidence. A relay (forwarding prompts to another miner and returning its
 * answers) lands in a group with its source every round it relays a long answer.
 */
export function copySuspicions(
  rounds: readonly { roundId: string; groups: readonly CopyGroup[]; minerOf: (vmId: string) => string }[],
  minRounds = 2,
): CopySuspicion[] {
  const evidence = new Map<string, string[]>();
  for (const round of rounds) {
    const inGroup = new Set(round.groups.flatMap((g) => g.vmIds.map(round.minerOf)));
    for (const miner of inGroup) evidence.set(miner, [...(evidence.get(miner) ?? []), round.roundId]);
  }
  return [...evidence]
    .filter(([, ids]) => ids.length >= minRounds)
    .map(([minerKey, ids]) => ({ minerKey, rounds: ids }))
    .sort((a, b) => (a.minerKey < b.minerKey ? -1 : 1));
}

export interface SybilGroup {
  /** What the miners share: `wallet:<address>` or `address:<ip>`. */
  shared: string;
  minerAddresses: string[];
}

/** Miners (distinct accounts) sharing a wallet or a public address. */
export function findSybilGroups(
  deployments: readonly {
    minerAddress: string | null;
    walletAddress: string | null;
    publicIp?: string | null;
  }[],
): SybilGroup[] {
  const by = new Map<string, Set<string>>();
  for (const d of deployments) {
    if (!d.minerAddress) continue;
    for (const shared of [
      d.walletAddress ? `wallet:${d.walletAddress}` : null,
      d.publicIp ? `address:${d.publicIp}` : null,
    ]) {
      if (!shared) continue;
      const set = by.get(shared) ?? new Set<string>();
      set.add(d.minerAddress);
      by.set(shared, set);
    }
  }
  return [...by]
    .filter(([, miners]) => miners.size > 1)
    .map(([shared, miners]) => ({ shared, minerAddresses: [...miners].sort() }))
    .sort((a, b) => (a.shared < b.shared ? -1 : 1));
}
