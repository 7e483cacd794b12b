import { randomUUID } from 'node:crypto';
import { hashRoundSummary, type RoundSummary, sha256Hex } from '@tensornode/core/validation';
import { createOutboxRepository, createRoundRepository } from '@tensornode/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppServices } from '../services.ts';
import { callerAs, createTestServices } from '../testing.ts';

let services: AppServices;

beforeAll(async () => {
  ({ services } = await createTestServices({ ledger: true }));
}, 30_000);
afterAll(async () => services?.close());

/** Stores a round and its ledger record the way the round runner does. */
function storeRound(score: number): RoundSummary {
  const roundId = randomUUID();
  const at = new Date();
  const summary: RoundSummary = {
    v: 1,
    roundId,
    startedAt: at.toISOString(),
    completedAt: at.toISOString(),
    method: 'heuristic',
    promptHash: sha256Hex('2+2?'),
    truthHash: sha256Hex('4'),
    scores: [{ vmId: 'vm-1', minerAddress: '0.0.4242', score, ok: true }],
  };
  services.db.transaction((tx) => {
    const rounds = createRoundRepository(tx);
    rounds.insert({
      id: roundId,
      prompt: '2+2?',
      truth: '4',
      method: 'heuristic',
      startedAt: at,
      completedAt: at,
      minerCount: 1,
      answeredCount: 1,
      meanScore: score,
      payloadHash: hashRoundSummary(summary),
    });
    rounds.insertAnswers([
      {
        roundId,
        vmId: 'vm-1',
        minerAddress: '0.0.4242',
        endpoint: 'http://127.0.0.1:1',
        ok: true,
        response: '4',
        latencyMs: 3,
        score,
        method: 'heuristic',
        reason: null,
      },
    ]);
    services.ledgerHook.enqueue(tx, summary);
  });
  services.ledgerHook.afterCommit?.();
  return summary;
}

describe('ledger router (in-process devnet)', () => {
  it('reports the devnet ledger as up in health', async () => {
    const health = await callerAs(services, null).health.check();
    expect(health.services.ledger).toMatchObject({ status: 'up', kind: 'devnet' });
  });

  it('shows rounds on the topic decoded, verifies them, and keeps signed bytes out of the outbox view', async () => {
    const summary = storeRound(75);
    const viewer = callerAs(services, 'viewer');
    const pending = await viewer.ledger.outbox();
    expect(JSON.stringify(pending)).not.toMatch(/signedBytes|payload/);

    await services.ledger!.worker.drain();
    const after = await viewer.ledger.outbox();
    expect(after.entries).toEqual([]);
    expect(after.counts.confirmed).toBeGreaterThanOrEqual(1);

    const page = await viewer.ledger.messages({ limit: 10, order: 'desc' });
    expect(page.topicId).toBe(services.ledger!.topicId);
    const message = page.messages.find(
      (m) => (m.json as { roundId?: string } | null)?.roundId === summary.roundId,
    );
    expect(message?.json).toEqual(summary);

    const verified = await viewer.ledger.verify({ roundId: summary.roundId });
    expect(verified).toMatchObject({ match: true, reasons: [] });
    await expect(viewer.ledger.verify({ roundId: 'no-such-round' })).rejects.toMatchObject({
      code: 'NOT_FOUND',
    });
  });

  it('needs a token and rejects a foreign cursor', async () => {
    await expect(callerAs(services, null).ledger.outbox()).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
    await expect(
      callerAs(services, 'viewer').ledger.messages({ cursor: 'http://evil.example/x' }),
    ).rejects.toMatchObject({
      code: 'BAD_REQUEST',
    });
    const topicId = services.ledger!.topicId;
    for (const cursor of [
      '/api/v1/topics/0.0.999999/messages?limit=10',
      `/api/v1/topics/${topicId}/messages/../../accounts?limit=1`,
      `/api/v1/topics/${topicId}/messages?limit=1&x=/../y`,
    ]) {
      await expect(callerAs(services, 'viewer').ledger.messages({ cursor })).rejects.toMatchObject({
        code: 'BAD_REQUEST',
        message: expect.stringMatching(/^cursor: /),
      });
    }
  });

  it('retries failed outbox entries for admins only, and the worker then publishes them', async () => {
    const summary = storeRound(12);
    const outbox = createOutboxRepository(services.db);
    const entry = outbox.findByRound(summary.roundId)!;
    outbox.markFailed(entry.id, 'INVALID_SIGNATURE');
    await services.ledger!.worker.drain();
    expect(outbox.findById(entry.id)?.status).toBe('failed');

    await expect(callerAs(services, 'operator').ledger.retry({ ids: [entry.id] })).rejects.toMatchObject({
      code: 'FORBIDDEN',
    });
    await expect(callerAs(services, 'admin').ledger.retry({ ids: [entry.id] })).resolves.toEqual({
      retried: 1,
    });
    await services.ledger!.worker.drain();
    expect(outbox.findById(entry.id)?.status).toBe('confirmed');
    expect(createRoundRepository(services.db).findById(summary.roundId)?.ledgerStatus).toBe('confirmed');
    await expect(callerAs(services, 'admin').ledger.retry({ ids: [entry.id] })).resolves.toEqual({
      retried: 0,
    });
  });
});
