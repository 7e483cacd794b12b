import { SCHEDULE_JOB } from '@tensornode/core/schedule';
import { type StandInMiners, startStandInMiners } from '@tensornode/core/testkit';
import { staticMinerDirectory } from '@tensornode/core/validation';
import { TRPCError } from '@trpc/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMetrics, type Metrics } from '../metrics.ts';
import { createCaller } from '../root.ts';
import type { AppServices } from '../services.ts';
import { createTestServices } from '../testing.ts';
import { createInternalContext } from '../trpc.ts';

let services: AppServices;
let standIns: StandInMiners;
let metrics: Metrics;

beforeAll(async () => {
  ({ services } = await createTestServices({ startJobs: false }));
  standIns = await startStandInMiners({
    behaviours: [{ kind: 'correct' }, { kind: 'correct' }, { kind: 'wrong' }],
    correctAnswer: 'The answer is 42.',
  });
  // Rounds ask the stand-ins instead of deployed VMs.
  const miners = staticMinerDirectory(
    standIns.miners.map((m, i) => ({ ...m, minerAddress: `0.0.${3000 + i}` })),
  );
  services.miners = miners;
  services.schedule.miners = miners;
  metrics = createMetrics();
  services.metricsRelay.attach(metrics);
}, 30_000);
afterAll(async () => {
  await standIns?.close();
  await services?.close();
});

const callerAs = (role: 'viewer' | 'operator' | 'admin' | null) =>
  createCaller(createInternalContext(services, role ? { tokenId: 't', name: 't', role } : null, metrics));

async function codeOf(call: Promise<unknown>): Promise<string> {
  try {
    await call;
    return 'OK';
  } catch (error) {
    return error instanceof TRPCError ? error.code : String(error);
  }
}

describe('the question bank through the API', () => {
  it('starts with the generated starter bank', async () => {
    const stats = await callerAs('viewer').bank.stats();
    expect(stats.active).toBeGreaterThanOrEqual(500);
    expect(stats.byTag.map((t) => t.tag)).toEqual(
      expect.arrayContaining(['arithmetic', 'units', 'word-problem']),
    );
  });

  it('imports good lines, reports bad ones by number, and shows truths to admins only', async () => {
    const report = await callerAs('admin').bank.import({
      fileName: 'capitals.jsonl',
      content: [
        '{"prompt":"Capital of Kenya?","truth":"Nairobi","tags":["geo"]}',
        '{"prompt":"Capital of Peru?"}',
        '{"question":"Pens cost 3 dollars. How much for 1,000 pens?","answer":"3*1000\\n#### 3,000"}',
      ].join('\n'),
    });
    expect(report).toEqual({
      format: 'jsonl',
      imported: 2,
      duplicates: 0,
      errors: [{ line: 2, message: 'truth: is missing' }],
    });
    const asOperator = await callerAs('operator').bank.list({ limit: 2 });
    expect(asOperator.items.map((q) => q.prompt)).toContain('Capital of Kenya?');
    expect(asOperator.items.every((q) => q.truth === null)).toBe(true);
    const asAdmin = await callerAs('admin').bank.list({ limit: 2 });
    expect(asAdmin.items.map((q) => q.truth).sort()).toEqual(['3000', 'Nairobi']);

    expect(await codeOf(callerAs('operator').bank.import({ content: '{}' }))).toBe('FORBIDDEN');
    expect(await codeOf(callerAs('viewer').bank.list())).toBe('FORBIDDEN');
    const kenya = asAdmin.items.find((q) => q.truth === 'Nairobi')!;
    await callerAs('admin').bank.retire({ id: kenya.id });
    expect(await codeOf(callerAs('admin').bank.retire({ id: kenya.id }))).toBe('NOT_FOUND');
    expect(await codeOf(callerAs('admin').validation.run({ questionId: kenya.id }))).toBe('NOT_FOUND');
  });

  it('runs a round from the bank; a viewer never sees a bank truth, an admin does', async () => {
    const round = await callerAs('operator').validation.run({ fromBank: true, timeoutMs: 2_000 });
    expect(round.questionId).toEqual(expect.any(Number));
    expect(round.trigger).toBe('manual');
    expect(round.truth).toBeNull();
    expect(standIns.prompts[0]).toBe(round.prompt);

    const viewer = callerAs('viewer');
    expect((await viewer.validation.round({ roundId: round.id })).truth).toBeNull();
    const listed = (await viewer.validation.rounds({ limit: 10 })).items.find((r) => r.id === round.id)!;
    expect(listed.truth).toBeNull();
    const admin = (await callerAs('admin').validation.round({ roundId: round.id })).truth;
    expect(admin).toMatch(/\S/);
    expect(JSON.stringify(await viewer.schedule.get())).not.toContain(`"${admin}"`);

    // A manual round's own truth stays visible: the caller typed it.
    const manual = await callerAs('operator').validation.run({
      prompt: 'What is 6 x 7?',
      truth: '42',
      timeoutMs: 2_000,
    });
    expect((await viewer.validation.round({ roundId: manual.id })).truth).toBe('42');
  });

  it('names the missing field when a round has a prompt without a truth, or two sources', async () => {
    const op = callerAs('operator');
    await expect(op.validation.run({ prompt: 'What is 1 + 1?' })).rejects.toThrow(/truth/);
    await expect(op.validation.run({ prompt: 'x', truth: 'y', fromBank: true })).rejects.toThrow(
      /prompt and truth, or questionId, or fromBank/,
    );
  });
});

describe('the schedule through the API', () => {
  it('is set by admins only, runs a scheduled round, and reports it in health and metrics', async () => {
    expect(await codeOf(callerAs('operator').schedule.set({ intervalSeconds: 5 }))).toBe('FORBIDDEN');
    expect(await codeOf(callerAs('admin').schedule.set({ intervalSeconds: 0 }))).toBe('BAD_REQUEST');
    const set = await callerAs('admin').schedule.set({ intervalSeconds: 1, sample: 2, timeoutMs: 2_000 });
    expect(set).toMatchObject({ enabled: true, intervalSeconds: 1, sample: 2, timeoutMs: 2_000 });

    expect(await services.jobs.runNow(SCHEDULE_JOB)).toEqual({ ran: true, error: null });
    const schedule = await callerAs('viewer').schedule.get();
    expect(schedule.recentRounds).toHaveLength(1);
    expect(schedule.recentRounds[0]).toMatchObject({ minerCount: 2, id: schedule.lastRoundId });
    expect(schedule.nextRoundAt!.getTime()).toBeGreaterThan(schedule.lastRoundStartedAt!.getTime());

    const health = await callerAs('viewer').health.check();
    expect(health.services.scheduler).toMatchObject({ status: 'up', kind: 'every 1 s' });

    const text = await metrics.registry.metrics();
    expect(text).toMatch(/tensornode_validation_rounds_total\{trigger="schedule",outcome="stored"\} 1/);
    expect(text).toMatch(/tensornode_validation_rounds_total\{trigger="manual",outcome="stored"\} 2/);
    expect(text).toMatch(/tensornode_validation_round_duration_seconds_count\{trigger="schedule"\} 1/);
    expect(text).toMatch(
      /tensornode_validation_last_round_completed_timestamp_seconds\{trigger="schedule"\} \d/,
    );

    await callerAs('admin').schedule.set({ enabled: false });
    expect((await callerAs('viewer').health.check()).services.scheduler).toMatchObject({
      status: 'disabled',
    });
    expect(await callerAs('viewer').rewards.epochs()).toEqual([]);
  });
});
