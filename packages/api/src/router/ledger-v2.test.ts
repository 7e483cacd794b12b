import { revealRounds } from '@tensornode/core/audit';
import { type StandInMiners, startStandInMiners } from '@tensornode/core/testkit';
import { canonicalJson, runValidationRound, staticMinerDirectory } from '@tensornode/core/validation';
import { createOutboxRepository, createRoundAuditRepository } from '@tensornode/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCaller } from '../root.ts';
import type { AppServices } from '../services.ts';
import { createTestServices } from '../testing.ts';
import { createInternalContext } from '../trpc.ts';

let services: AppServices;
let miners: StandInMiners;

beforeAll(async () => {
  ({ services } = await createTestServices({ ledger: true, startJobs: false }));
  miners = await startStandInMiners({
    behaviours: [{ kind: 'correct' }, { kind: 'wrong' }, { kind: 'correct' }],
    correctAnswer: '#### 42',
    wrongAnswer: '#### 41',
  });
}, 30_000);
afterAll(async () => {
  await services?.close();
  await miners?.close();
});

const callerAs = (role: 'viewer' | 'operator' | 'admin' | null) =>
  createCaller(createInternalContext(services, role ? { tokenId: 't', name: 't', role } : null));

async function runRound(prompt: string) {
  const round = await runValidationRound(
    {
      ...services,
      miners: staticMinerDirectory(miners.miners.map((m, i) => ({ ...m, minerAddress: `0.0.${900 + i}` }))),
    },
    { prompt, truth: '42', method: 'heuristic', timeoutMs: 5000 },
  );
  await services.ledger!.worker.drain({ timeoutMs: 20_000 });
  return round;
}

describe('v2 rounds: verify, reveal, trace', () => {
  it('verifies a v2 round, then its reveal; refuses the revealed question; a wrong reveal or a changed score fails', {
    timeout: 60_000,
  }, async () => {
    const viewer = callerAs('viewer');
    const round = await runRound('What is 6 × 7?');
    const before = await viewer.ledger.verify({ roundId: round.id });
    expect(before).toMatchObject({ version: 2, match: true, reasons: [], reveal: { status: 'secret' } });

    // The epoch's rounds name the roots their scores were anchored under.
    const today = new Date().toISOString().slice(0, 10);
    const epoch = await callerAs('operator').rewards.preview({ epoch: today });
    expect(epoch.rounds).toContainEqual(
      expect.objectContaining({ roundId: round.id, scoresRoot: before.scoresRoot }),
    );

    expect(revealRounds(services, [round.id])).toBe(1);
    expect(revealRounds(services, [round.id])).toBe(0);
    await services.ledger!.worker.drain({ timeoutMs: 20_000 });
    const after = await viewer.ledger.verify({ roundId: round.id });
    expect(after).toMatchObject({ match: true, reveal: { status: 'verified' } });
    const page = await viewer.ledger.messages({ limit: 5, order: 'desc' });
    expect(page.messages[0]?.json).toMatchObject({ type: 'reveal', roundId: round.id, truth: '42' });

    // A revealed question is never asked again.
    await expect(runRound('What is 6 × 7?')).rejects.toMatchObject({ field: 'prompt' });

    // A reveal whose truth does not open the commitment fails verification.
    const other = await runRound('What is 7 × 6?');
    const audit = createRoundAuditRepository(services.db).find(other.id)!;
    const wrong = canonicalJson({
      v: 2,
      type: 'reveal',
      roundId: other.id,
      question: 'What is 7 × 6?',
      questionSalt: audit.questionSalt,
      truth: '43',
      truthSalt: audit.truthSalt,
    });
    const outboxId = createOutboxRepository(services.db).insert({
      kind: 'reveal',
      roundId: null,
      topicId: null,
      payload: wrong,
      nextAttemptAt: new Date(),
    });
    createRoundAuditRepository(services.db).markRevealed(other.id, new Date(), outboxId);
    services.ledger!.worker.kick();
    await services.ledger!.worker.drain({ timeoutMs: 20_000 });
    const forged = await viewer.ledger.verify({ roundId: other.id });
    expect(forged.match).toBe(false);
    expect(forged.reveal?.status).toBe('failed');
    expect(forged.reasons).toContain('the revealed truth and salt do not open the truth commitment');

    // A score changed in the database no longer gives the published root.
    const answer = other.answers.find((a) => a.score === 0)!;
    services.database.sqlite
      .prepare('UPDATE miner_answers SET score = 100 WHERE round_id = ? AND vm_id = ?')
      .run(other.id, answer.vmId);
    const changed = await viewer.ledger.verify({ roundId: other.id });
    expect(changed.reasons).toContain(
      'the scores root on the ledger differs from the root of the stored answers',
    );
  });

  it('retiring a bank question reveals every round that asked it, and the question is not asked again', {
    timeout: 60_000,
  }, async () => {
    const admin = callerAs('admin');
    await admin.bank.import({ content: '{"prompt":"What is 9 × 8?","truth":"72"}\n', format: 'jsonl' });
    const [question] = (await admin.bank.list({ limit: 200 })).items.filter(
      (q) => q.prompt === 'What is 9 × 8?',
    );
    const round = await runRound('What is 9 × 8?');
    expect(await callerAs('viewer').ledger.verify({ roundId: round.id })).toMatchObject({
      reveal: { status: 'secret' },
    });

    expect(await admin.bank.retire({ id: question!.id })).toMatchObject({ retired: true, revealedRounds: 1 });
    await services.ledger!.worker.drain({ timeoutMs: 20_000 });
    expect(await callerAs('viewer').ledger.verify({ roundId: round.id })).toMatchObject({
      match: true,
      reveal: { status: 'verified' },
    });
    await expect(runRound('What is 9 × 8?')).rejects.toMatchObject({ field: 'prompt' });
  });
});
