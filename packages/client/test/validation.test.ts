import { randomUUID } from 'node:crypto';
import type { TestServer } from '@tensornode/api/testing';
import type { RoundProgressEvent } from '@tensornode/core/validation';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTensorNodeClient, errorCode } from '../src/index.ts';
import { type FluenceNetwork, startFluenceNetwork } from './fluence-network.ts';

let network: FluenceNetwork | undefined;
let server: TestServer;

beforeAll(async () => {
  network = await startFluenceNetwork();
  server = network.server;
});
afterAll(async () => {
  await network?.close();
});

describe('validation over HTTP', () => {
  it('runs a round over the active miners, streams its progress over SSE, and stores what the leaderboard shows', {
    timeout: 30_000,
  }, async () => {
    const admin = createTensorNodeClient({ url: server.url, token: server.tokenFor('admin') });
    await admin.keys.generate.mutate();
    const operator = createTensorNodeClient({ url: server.url, token: server.tokenFor('operator') });
    for (const i of [1, 2]) {
      await operator.deployments.allocate.mutate({
        minerAddress: `0.0.${7000 + i}`,
        instanceName: `miner-${i}`,
      });
    }
    // Wait until the stand-in's VMs are Active with a public IP.
    for (let attempt = 0; attempt < 20; attempt++) {
      const vms = await operator.vms.list.query();
      if (vms.filter((v) => v.status === 'Active' && v.publicIp).length >= 2) break;
    }

    const viewer = createTensorNodeClient({ url: server.url, token: server.tokenFor('viewer') });
    const roundId = randomUUID();
    const events: RoundProgressEvent[] = [];
    const ready = new Promise<void>((resolve, reject) => {
      const sub = viewer.validation.onProgress.subscribe(
        { roundId },
        {
          onStarted: () => resolve(),
          onData: ({ data }) => {
            events.push(data as RoundProgressEvent);
            if ((data as RoundProgressEvent).type === 'completed') sub.unsubscribe();
          },
          onError: reject,
        },
      );
    });
    await ready;

    const round = await operator.validation.run.mutate({
      roundId,
      prompt: 'What is 6 × 7?',
      truth: '42',
      timeoutMs: 5000,
    });
    expect(round.id).toBe(roundId);
    expect(round.answers).toHaveLength(2);
    expect(round.answers.every((a) => a.ok && a.score === 100)).toBe(true);

    await expect.poll(() => events.at(-1)?.type, { timeout: 5000 }).toBe('completed');
    expect(events.map((e) => e.type)).toEqual([
      'started',
      ...Array(4).fill(expect.stringMatching(/answered|scored/)),
      'stored',
      'completed',
    ]);
    expect(events.every((e) => e.roundId === roundId)).toBe(true);

    const page = await viewer.validation.rounds.query({ limit: 10 });
    expect(page.items.map((r) => r.id)).toContain(roundId);
    const stored = await viewer.validation.round.query({ roundId });
    expect(stored.answers.map((a) => a.minerAddress).sort()).toEqual(['0.0.7001', '0.0.7002']);

    const anonymous = createTensorNodeClient({ url: server.url });
    const board = await anonymous.miners.leaderboard.query();
    expect(board.find((m) => m.minerAddress === '0.0.7001')).toMatchObject({
      emaScore: 100,
      rounds: 1,
      lastScore: 100,
    });

    const again = await operator.validation.run
      .mutate({ roundId, prompt: 'x', truth: 'y' })
      .catch((e: unknown) => e);
    expect(errorCode(again)).toBe('CONFLICT');
  });

  it('rejects a VM id of the wrong format before contacting anyone, naming the field', async () => {
    const operator = createTensorNodeClient({ url: server.url, token: server.tokenFor('operator') });
    const before = network!.miner.hits[0];
    const error = await operator.validation.run
      .mutate({ prompt: 'p', truth: 't', vmIds: ['not-a-vm;rm -rf /'] })
      .catch((e: unknown) => e);
    expect(errorCode(error)).toBe('BAD_REQUEST');
    expect((error as Error).message).toMatch(/^vmIds\.0: /);
    expect(network!.miner.hits[0]).toBe(before);
  });

  it('scores a single answer on request', async () => {
    const operator = createTensorNodeClient({ url: server.url, token: server.tokenFor('operator') });
    expect(
      await operator.scoring.evaluate.mutate({ truth: '1,234', candidate: 'So the total is 1234.' }),
    ).toMatchObject({
      score: 100,
      method: 'heuristic',
    });
    const hedged = await operator.scoring.evaluate.mutate({ truth: '42', candidate: 'It is 41, 42 or 43.' });
    expect(hedged.score).toBeLessThanOrEqual(20);
    const llm = await operator.scoring.evaluate.mutate({ truth: '42', candidate: '42', method: 'llm' });
    expect(llm).toMatchObject({ method: 'heuristic', fallback: true, reason: 'llm_not_configured' });

    // A viewer may not spend the judge's budget.
    const viewer = createTensorNodeClient({ url: server.url, token: server.tokenFor('viewer') });
    const refused = await viewer.scoring.evaluate
      .mutate({ truth: '42', candidate: '42' })
      .catch((e: unknown) => e);
    expect(errorCode(refused)).toBe('FORBIDDEN');
  });
});
