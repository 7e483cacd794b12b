/**
 * Checks a miner's score proof (`ledger.proof`) with nothing but WebCrypto and a mirror node, so it
 * runs in Node and in browsers alike. The formats are in docs/audit.md.
 */

/** What `ledger.proof` returns. */
export interface ScoreProof {
  leaf: { roundId: string; vmId: string; minerAddress: string | null; score: number; ok: boolean };
  leafIndex: number;
  treeSize: number;
  auditPath: string[];
  scoresRoot: string;
  topicId: string | null;
  sequenceNumber: number | null;
  consensusTimestamp: string | null;
  runningHash: string | null;
}

export interface ScoreProofCheck {
  valid: boolean;
  /** Why it is not valid; empty when it is. */
  reasons: string[];
}

const encoder = new TextEncoder();

async function digest(algorithm: 'SHA-256' | 'SHA-384', ...parts: Uint8Array[]): Promise<Uint8Array> {
  const data = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const p of parts) {
    data.set(p, offset);
    offset += p.length;
  }
  return new Uint8Array(await globalThis.crypto.subtle.digest(algorithm, data));
}

function toHex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

function fromHex(hex: string): Uint8Array | null {
  if (!/^(?:[0-9a-f]{2})*$/.test(hex)) return null;
  return Uint8Array.from(hex.match(/../g) ?? [], (byte) => Number.parseInt(byte, 16));
}

function fromBase64(base64: string): Uint8Array {
  const binary = atob(base64);
  return Uint8Array.from(binary, (c) => c.charCodeAt(0));
}

/** The leaf's canonical JSON: keys in sorted order, no whitespace. */
export function scoreLeafJson(leaf: ScoreProof['leaf']): string {
  const { minerAddress, ok, roundId, score, vmId } = leaf;
  return JSON.stringify({ minerAddress, ok, roundId, score, vmId });
}

/**
 * Pure check, leaf to root: hashes the leaf (SHA-256(0x00 ‖ canonical JSON)) and folds the audit
 * path into it as RFC 9162 §2.1.3.2 verifies RFC 6962 inclusion proofs; the result must be
 * `scoresRoot`. A changed score, index, size or path element gives another root.
 */
export async function verifyScoreProof(proof: ScoreProof): Promise<ScoreProofCheck> {
  const { leafIndex, treeSize } = proof;
  const root = fromHex(proof.scoresRoot);
  const path = proof.auditPath.map(fromHex);
  if (root?.length !== 32 || path.some((p) => p?.length !== 32))
    return { valid: false, reasons: ['scoresRoot and auditPath must be 32-byte hex hashes'] };
  if (
    !Number.isSafeInteger(leafIndex) ||
    !Number.isSafeInteger(treeSize) ||
    leafIndex < 0 ||
    leafIndex >= treeSize
  )
    return { valid: false, reasons: [`leafIndex ${leafIndex} is outside a tree of ${treeSize}`] };

  let fn = leafIndex;
  let sn = treeSize - 1;
  let r = await digest('SHA-256', new Uint8Array([0]), encoder.encode(scoreLeafJson(proof.leaf)));
  for (const p of path as Uint8Array[]) {
    if (sn === 0) return { valid: false, reasons: ['the audit path is longer than the tree is deep'] };
    if (fn % 2 === 1 || fn === sn) {
      r = await digest('SHA-256', new Uint8Array([1]), p, r);
      while (fn % 2 === 0 && fn !== 0) {
        fn = Math.floor(fn / 2);
        sn = Math.floor(sn / 2);
      }
    } else {
      r = await digest('SHA-256', new Uint8Array([1]), r, p);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  if (sn !== 0) return { valid: false, reasons: ['the audit path is shorter than the tree is deep'] };
  if (toHex(r) !== proof.scoresRoot)
    return { valid: false, reasons: ['the leaf and audit path do not give scoresRoot'] };
  return { valid: true, reasons: [] };
}

/** A topic message as the mirror node REST API returns it (`/api/v1/topics/{id}/messages/{seq}`). */
interface MirrorMessage {
  consensus_timestamp: string;
  message: string;
  payer_account_id: string;
  running_hash: string;
  running_hash_version: number;
  sequence_number: number;
  topic_id: string;
  chunk_info: { number: number; total: number } | null;
}

export interface LedgerCheckOptions {
  /** Mirror node base URL, e.g. `https://testnet.mirrornode.hedera.com`. */
  mirrorUrl: string;
  fetch?: typeof globalThis.fetch;
  timeoutMs?: number;
}

/**
 * The proof, checked against the ledger itself: the round's message is read from the mirror node,
 * must be a one-chunk v2 message of this round carrying this `scoresRoot` and tree size, and its
 * running hash must recompute (HCS running hash version 3) from the previous message's — so the
 * mirror cannot show a message other than the one the network ordered.
 */
export async function verifyScoreProofOnLedger(
  proof: ScoreProof,
  options: LedgerCheckOptions,
): Promise<ScoreProofCheck> {
  const pure = await verifyScoreProof(proof);
  if (!pure.valid) return pure;
  const { topicId, sequenceNumber } = proof;
  if (!topicId || sequenceNumber === null)
    return { valid: false, reasons: ['the round is not confirmed on the ledger yet (no topic position)'] };

  const fetchImpl = options.fetch ?? globalThis.fetch;
  const base = options.mirrorUrl.replace(/\/+$/, '');
  const read = async (seq: number): Promise<MirrorMessage> => {
    const url = `${base}/api/v1/topics/${encodeURIComponent(topicId)}/messages/${seq}`;
    const response = await fetchImpl(url, {
      headers: { accept: 'application/json' },
      signal: AbortSignal.timeout(options.timeoutMs ?? 10_000),
    });
    if (!response.ok) throw new Error(`mirror node: GET ${url} answered ${response.status}`);
    return (await response.json()) as MirrorMessage;
  };

  const reasons: string[] = [];
  const message = await read(sequenceNumber);
  let published: Record<string, unknown> | null = null;
  try {
    published = JSON.parse(new TextDecoder().decode(fromBase64(message.message))) as Record<string, unknown>;
  } catch {
    reasons.push('the topic message is not JSON');
  }
  if (published) {
    if (published.v !== 2) reasons.push(`the topic message is v${String(published.v)}, not a v2 round`);
    if (published.roundId !== proof.leaf.roundId) reasons.push('the topic message is of another round');
    if (published.scoresRoot !== proof.scoresRoot)
      reasons.push('the scores root on the ledger differs from the proof');
    if (published.minerCount !== proof.treeSize)
      reasons.push('the tree size differs from the minerCount on the ledger');
  }
  if (message.chunk_info && message.chunk_info.total !== 1) reasons.push('a v2 round message is one chunk');
  const runningHash = toHex(fromBase64(message.running_hash));
  if (proof.runningHash && proof.runningHash !== runningHash)
    reasons.push('the running hash differs from the proof');
  if (proof.consensusTimestamp && proof.consensusTimestamp !== message.consensus_timestamp)
    reasons.push('the consensus timestamp differs from the proof');

  if (message.running_hash_version !== 3) {
    reasons.push(`running hash version ${message.running_hash_version} cannot be recomputed (3 expected)`);
  } else {
    const previous =
      sequenceNumber > 1 ? fromBase64((await read(sequenceNumber - 1)).running_hash) : new Uint8Array(48);
    const recomputed = await nextRunningHash(previous, message);
    if (toHex(recomputed) !== runningHash)
      reasons.push('the running hash does not recompute from the previous message');
  }
  return { valid: reasons.length === 0, reasons };
}

// Java serialization (ObjectOutputStream) framing Hedera uses for running hashes (version 3).
const STREAM_HEADER = fromHex('aced0005')!;
const BYTE_ARRAY_CLASS_DESC = fromHex('7200025b42acf317f8060854e00200007870')!;
const BYTE_ARRAY_CLASS_REF = fromHex('71007e0000')!;

function entityId(id: string): [bigint, bigint, bigint] {
  const [shard = '0', realm = '0', num = '0'] = id.split('.');
  return [BigInt(shard), BigInt(realm), BigInt(num)];
}

function javaByteArray(bytes: Uint8Array, classDesc: Uint8Array): Uint8Array {
  const out = new Uint8Array(1 + classDesc.length + 4 + bytes.length);
  out[0] = 0x75;
  out.set(classDesc, 1);
  new DataView(out.buffer).setInt32(1 + classDesc.length, bytes.length);
  out.set(bytes, 1 + classDesc.length + 4);
  return out;
}

/** HCS running hash v3 of `message` after `previous` (the same formula as the devnet and Hedera). */
export async function nextRunningHash(
  previous: Uint8Array,
  message: Pick<
    MirrorMessage,
    'consensus_timestamp' | 'payer_account_id' | 'topic_id' | 'sequence_number' | 'message'
  >,
): Promise<Uint8Array> {
  const [seconds = '0', nanos = '0'] = message.consensus_timestamp.split('.');
  const fields = new DataView(new ArrayBuffer(8 * 8 + 4 + 8));
  let offset = 0;
  const long = (value: bigint) => {
    fields.setBigInt64(offset, value);
    offset += 8;
  };
  long(3n);
  for (const part of entityId(message.payer_account_id)) long(part);
  for (const part of entityId(message.topic_id)) long(part);
  long(BigInt(seconds));
  fields.setInt32(offset, Number(nanos.padEnd(9, '0')));
  offset += 4;
  long(BigInt(message.sequence_number));
  const block = new Uint8Array(2 + fields.byteLength);
  block.set([0x77, fields.byteLength]);
  block.set(new Uint8Array(fields.buffer), 2);
  const messageHash = await digest('SHA-384', fromBase64(message.message));
  return digest(
    'SHA-384',
    STREAM_HEADER,
    javaByteArray(previous, BYTE_ARRAY_CLASS_DESC),
    block,
    javaByteArray(messageHash, BYTE_ARRAY_CLASS_REF),
  );
}
