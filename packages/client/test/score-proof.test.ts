import { startTestServer, type TestServer } from '@tensornode/api/testing';
import { type StandInMiners, startStandInMiners } from '@tensornode/core/testkit';
import { staticMinerDirectory } from '@tensornode/core/validation';
import { createRoundRepository } from '@tensornode/db';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createTensorNodeClient,
  errorCode,
  type ScoreProof,
  verifyScoreProof,
  verifyScoreProofOnLedger,
} from '../src/index.ts';

const MINERS = 5000;
const TRUTH = '391';

let miners: StandInMiners;
let server: TestServer;

beforeAll(async () => {
  // Every seventh miner answers wrong, so the tree holds different scores.
  miners = await startStandInMiners({
    behaviours: Array.from(
      { length: MINERS },
      (_, i) => ({ kind: i % 7 === 3 ? 'wrong' : 'correct' }) as const,
    ),
    correctAnswer: `17 * 23 = ${TRUTH}\n#### ${TRUTH}`,
    wrongAnswer: '#### 390',
    layout: 'paths',
    backlog: 4096,
  });
  server = await startTestServer({
    ledger: true,
    startJobs: false,
    rateLimits: { perMinute: 1_000_000, perHour: 1_000_000, deployPerMinute: 1_000_000 },
  });
  server.services.miners = staticMinerDirectory(
    miners.miners.map((m, i) => ({ ...m, minerAddress: `0.0.${20_000 + i}` })),
  );
}, 60_000);
afterAll(async () => {
  await server?.stop();
  await miners?.close();
});

/** Runs `task` over `items`, `width` at a time. */
async function eachLimited<T>(items: readonly T[], width: number, task: (item: T) => Promise<void>) {
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < items.length) await task(items[next++]!);
    }),
  );
}

describe('auditable rounds on the devnet', () => {
  it('publishes a 5,000-miner round as one chunk, and every miner proves its score against the mirror', {
    timeout: 180_000,
  }, async () => {
    const operator = createTensorNodeClient({ url: server.url, token: server.tokenFor('operator') });
    const round = await operator.validation.run.mutate({
      prompt: 'What is 17 * 23?',
      truth: TRUTH,
      timeoutMs: 30_000,
      method: 'heuristic',
    });
    expect(round.answers).toHaveLength(MINERS);
    expect(round.answers.every((a) => a.ok)).toBe(true);
    await server.services.ledger!.worker.drain({ timeoutMs: 30_000 });
    const stored = createRoundRepository(server.services.db).findById(round.id)!;
    expect(stored.ledgerStatus).toBe('confirmed');

    // On the mirror: one chunk, at most 1,024 bytes, a v2 message with no score in it.
    const { ledger, topicId } = server.services.ledger!;
    const mirror = await request(
      `${ledger.mirrorUrl}/api/v1/topics/${topicId}/messages/${stored.ledgerSequence}`,
    ).then((r) => r.body.json() as Promise<{ message: string; chunk_info: { total: number } | null }>);
    expect(mirror.chunk_info?.total ?? 1).toBe(1);
    const bytes = Buffer.from(mirror.message, 'base64');
    expect(bytes.length).toBeLessThanOrEqual(1024);
    const published = JSON.parse(bytes.toString('utf8'));
    expect(published).toMatchObject({ v: 2, roundId: round.id, minerCount: MINERS, answeredCount: MINERS });
    expect(published).not.toHaveProperty('scores');
    expect(published.truthCommitment).toMatch(/^[0-9a-f]{64}$/);

    // Anyone, without a token, gets each miner's proof; each verifies against the mirror.
    const anonymous = createTensorNodeClient({ url: server.url });
    const scoreOf = new Map(round.answers.map((a) => [a.vmId, a.score]));
    const failures: string[] = [];
    let checked = 0;
    let sample: ScoreProof | undefined;
    await eachLimited(round.answers, 50, async ({ vmId }) => {
      const proof = await anonymous.ledger.proof.query({ roundId: round.id, vmId });
      sample ??= proof;
      const check = await verifyScoreProofOnLedger(proof, { mirrorUrl: ledger.mirrorUrl });
      if (!check.valid || proof.leaf.score !== scoreOf.get(vmId) || proof.scoresRoot !== published.scoresRoot)
        failures.push(`${vmId}: ${check.reasons.join('; ')}`);
      checked++;
    });
    expect(failures).toEqual([]);
    expect(checked).toBe(MINERS);
    expect(new Set(round.answers.map((a) => a.score)).size).toBeGreaterThan(1);

    // A proof claiming another score, index or path element fails, purely and on the ledger.
    const proof = sample!;
    const forged = [
      { ...proof, leaf: { ...proof.leaf, score: proof.leaf.score === 100 ? 0 : 100 } },
      { ...proof, leafIndex: (proof.leafIndex + 1) % MINERS },
      {
        ...proof,
        auditPath: proof.auditPath.map((h, i) =>
          i === 2 ? `${h.slice(0, -1)}${h.endsWith('0') ? '1' : '0'}` : h,
        ),
      },
    ];
    for (const bad of forged) {
      expect((await verifyScoreProof(bad)).valid).toBe(false);
      expect((await verifyScoreProofOnLedger(bad, { mirrorUrl: ledger.mirrorUrl })).valid).toBe(false);
    }

    const viewer = createTensorNodeClient({ url: server.url, token: server.tokenFor('viewer') });
    expect(await viewer.ledger.verify.query({ roundId: round.id })).toMatchObject({
      version: 2,
      scoresRoot: published.scoresRoot,
      match: true,
      reasons: [],
    });

    const missing = await anonymous.ledger.proof
      .query({ roundId: round.id, vmId: 'no-such-vm' })
      .catch((e) => e);
    expect(errorCode(missing)).toBe('NOT_FOUND');
  });
});
