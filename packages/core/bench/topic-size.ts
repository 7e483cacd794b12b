/**
 * What one round costs on the score topic, v1 (every score inline) against v2 (one Merkle root):
 * message bytes and chunks (each chunk is its own paid Hedera transaction, 1,024 bytes at most),
 * and the time to build v2's tree. Miners look like Fluence VMs: 0x-prefixed 40-hex ids, 0.0.N accounts.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { newSalt } from '../src/audit/commitment.ts';
import {
  buildRoundSummary,
  buildRoundSummaryV2,
  canonicalJson,
  ONE_CHUNK_BYTES,
} from '../src/validation/round-summary.ts';

/** The most chunks the ledger lets one message have (Hedera SDK `setMaxChunks`, as hedera-ledger.ts sets it). */
const MAX_CHUNKS = 500;

export async function run(): Promise<void> {
  console.log('| miners | v1 bytes | v1 chunks | v2 bytes | v2 chunks | v2 tree build |');
  console.log('|---:|---:|---:|---:|---:|---:|');
  for (const miners of [100, 1_000, 10_000]) {
    const answers = Array.from({ length: miners }, (_, i) => ({
      vmId: `0x${randomBytes(20).toString('hex')}`,
      minerAddress: `0.0.${1_000_000 + i}`,
      score: Math.floor(Math.random() * 101),
      ok: Math.random() > 0.05,
    }));
    const round = {
      roundId: randomUUID(),
      startedAt: new Date(),
      completedAt: new Date(),
      method: 'heuristic',
      prompt: 'What is 17 * 23?',
      truth: '391',
      answers,
    };
    const v1 = Buffer.byteLength(canonicalJson(buildRoundSummary(round)));
    const started = performance.now();
    const v2 = Buffer.byteLength(
      canonicalJson(buildRoundSummaryV2({ ...round, questionSalt: newSalt(), truthSalt: newSalt() })),
    );
    const buildMs = performance.now() - started;
    const chunks = (bytes: number) => Math.ceil(bytes / ONE_CHUNK_BYTES);
    const v1Chunks =
      chunks(v1) > MAX_CHUNKS ? `${chunks(v1)} (over ${MAX_CHUNKS}: never published)` : chunks(v1);
    console.log(
      `| ${miners.toLocaleString('en')} | ${v1.toLocaleString('en')} | ${v1Chunks} | ${v2} | ${chunks(v2)} | ${buildMs.toFixed(1)} ms |`,
    );
  }
}
