import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type StandInBehaviour, type StandInMiners, startStandInMiners } from '../testkit/stand-in-miners.ts';
import { type MinerAnswer, queryMiners } from './fan-out.ts';
import { createFanOutPool } from './fan-out-pool.ts';

const DEADLINE_MS = 1000;
const behaviours: StandInBehaviour[] = [
  { kind: 'correct' },
  { kind: 'wrong' },
  { kind: 'slow', ms: 200 },
  { kind: 'silent' },
  { kind: 'huge', bytes: 4 * 1024 * 1024 },
  { kind: 'reset' },
  { kind: 'http_error', status: 503 },
  { kind: 'invalid_json' },
  { kind: 'redirect' },
  { kind: 'refused' },
  { kind: 'chat' },
  { kind: 'plain_text' },
];

/** What a user sees of an answer; the latency differs from run to run. */
const outcome = ({ vmId, ok, response, reason, httpStatus }: MinerAnswer) => ({
  vmId,
  ok,
  response,
  reason,
  httpStatus,
});

describe('fan-out pool', () => {
  let standIns: StandInMiners;
  beforeAll(async () => {
    // Three copies of every behaviour, so each of the two threads gets a mix.
    standIns = await startStandInMiners({
      behaviours: [...behaviours, ...behaviours, ...behaviours],
      correctAnswer: '42',
    });
  });
  afterAll(() => standIns.close());

  const batch = () => ({
    miners: standIns.miners,
    prompt: 'What is 6 x 7?',
    deadlineMs: DEADLINE_MS,
    concurrency: 64,
    maxResponseBytes: 64 * 1024,
  });

  it('gives the same answers from worker threads as from this thread, each reported once', async () => {
    const pool = createFanOutPool({ size: 2, minBatch: 4 });
    try {
      const reported: number[] = [];
      const pooled = await pool.fanOut({
        ...batch(),
        onResult: (answer, i) => {
          expect(answer.vmId).toBe(standIns.miners[i]!.vmId);
          reported.push(i);
        },
      });
      const local = await queryMiners(batch());

      expect(pooled.map(outcome)).toEqual(local.map(outcome));
      expect(reported.sort((a, b) => a - b)).toEqual(standIns.miners.map((_, i) => i));
      expect(pool.batchesInThreads).toBe(1);
      expect(pool.threads).toBe(2);
      // A late miner was cut off at the deadline inside the worker too.
      const silent = pooled.find((a) => a.reason === 'timeout')!;
      expect(silent.latencyMs).toBeGreaterThanOrEqual(DEADLINE_MS - 1);
      expect(silent.latencyMs).toBeLessThan(DEADLINE_MS + 500);
    } finally {
      await pool.close();
    }
  });

  it('runs a batch below its minimum size in this thread', async () => {
    const pool = createFanOutPool({ size: 2, minBatch: 1000 });
    try {
      const answers = await pool.fanOut(batch());
      expect(answers.map(outcome)).toEqual((await queryMiners(batch())).map(outcome));
      expect(pool.batchesInThreads).toBe(0);
    } finally {
      await pool.close();
    }
  });

  it('stops the workers when the round is aborted, and rejects with the reason', async () => {
    const pool = createFanOutPool({ size: 2, minBatch: 4 });
    try {
      const controller = new AbortController();
      const started = performance.now();
      setTimeout(() => controller.abort(new Error('round cancelled')), 100);
      await expect(
        pool.fanOut({ ...batch(), deadlineMs: 30_000, signal: controller.signal }),
      ).rejects.toThrow('round cancelled');
      // The silent miners were not waited for.
      expect(performance.now() - started).toBeLessThan(5_000);
      // The pool is still usable.
      expect((await pool.fanOut(batch())).filter((a) => a.ok).length).toBeGreaterThan(0);
    } finally {
      await pool.close();
    }
  });

  it('ends the batch with the error of a listener that throws, as in this thread', async () => {
    const pool = createFanOutPool({ size: 2, minBatch: 4 });
    try {
      const listener = () => {
        throw new Error('listener broke');
      };
      const started = performance.now();
      await expect(pool.fanOut({ ...batch(), deadlineMs: 30_000, onResult: listener })).rejects.toThrow(
        'listener broke',
      );
      await expect(queryMiners({ ...batch(), deadlineMs: 30_000, onResult: listener })).rejects.toThrow(
        'listener broke',
      );
      // Both stopped at once rather than waiting out the silent miners' 30 s.
      expect(performance.now() - started).toBeLessThan(10_000);
    } finally {
      await pool.close();
    }
  });

  it('fails a round whose worker stops mid-batch instead of blaming the miners', async () => {
    const pool = createFanOutPool({ size: 2, minBatch: 4 });
    const running = pool.fanOut({ ...batch(), deadlineMs: 30_000 });
    setTimeout(() => void pool.close(), 100);
    await expect(running).rejects.toThrow(/fan-out worker exited/);
  });
});
