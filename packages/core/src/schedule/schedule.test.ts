import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { createRoundRepository, type DatabaseHandle, openDatabase, schema } from '@tensornode/db';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ensureStarterBank } from '../bank/index.ts';
import { parseConfig } from '../config.ts';
import { silentLogger } from '../context.ts';
import { createJobRunner, type JobRunner } from '../jobs/runner.ts';
import { disabledLedgerHook } from '../ledger/outbox.ts';
import { type StandInMiners, startStandInMiners } from '../testkit/stand-in-miners.ts';
import { type RoundMiner, staticMinerDirectory } from '../validation/index.ts';
import {
  formatDuration,
  getSchedule,
  NO_ACTIVE_MINERS,
  registerScheduleJobs,
  runScheduledRound,
  runScheduleTick,
  type ScheduleContext,
  schedulerHealthProbe,
  setSchedule,
} from './index.ts';

let dir: string;
let database: DatabaseHandle | undefined;
let runner: JobRunner | undefined;
const standIns: StandInMiners[] = [];

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'tensornode-schedule-'));
});
afterEach(async () => {
  await runner?.stop();
  runner = undefined;
  database?.close();
  database = undefined;
  await Promise.all(standIns.splice(0).map((s) => s.close()));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function minersOf(behaviours: Parameters<typeof startStandInMiners>[0]['behaviours']) {
  const s = await startStandInMiners({ behaviours, correctAnswer: 'The answer is 42.' });
  standIns.push(s);
  return { standIns: s, miners: s.miners.map((m, i) => ({ ...m, minerAddress: `0.0.${2000 + i}` })) };
}

function context(miners: RoundMiner[], path = ':memory:'): ScheduleContext {
  database = openDatabase({ path });
  const ctx: ScheduleContext = {
    db: database.db,
    config: parseConfig({}),
    log: silentLogger,
    miners: staticMinerDirectory(miners),
    ledgerHook: disabledLedgerHook,
  };
  ensureStarterBank(ctx);
  return ctx;
}

const scheduledRounds = (ctx: ScheduleContext) =>
  createRoundRepository(ctx.db)
    .recentByTrigger('schedule', 1000)
    .sort((a, b) => a.startedAt.getTime() - b.startedAt.getTime());

describe('the schedule in one process', () => {
  it('runs a round every second from the bank, each a different question, stored with trigger schedule', async () => {
    const { miners, standIns } = await minersOf([
      { kind: 'correct' },
      { kind: 'correct' },
      { kind: 'wrong' },
    ]);
    const ctx = context(miners);
    setSchedule(ctx, { intervalSeconds: 1, enabled: true });
    runner = createJobRunner({ db: ctx.db, log: silentLogger });
    registerScheduleJobs(runner, ctx, null);
    runner.start();
    await sleep(3_500);
    await runner.stop();

    const rounds = scheduledRounds(ctx);
    expect(rounds.length).toBeGreaterThanOrEqual(3);
    expect(rounds.length).toBeLessThanOrEqual(5);
    expect(rounds.every((r) => r.trigger === 'schedule' && r.minerCount === 3)).toBe(true);
    expect(new Set(rounds.map((r) => r.questionId)).size).toBe(rounds.length);
    // The miners were asked the bank's prompts.
    expect(rounds.map((r) => r.prompt)).toContain(standIns.prompts[0]);
    for (let i = 1; i < rounds.length; i++) {
      const gap = rounds[i]!.startedAt.getTime() - rounds[i - 1]!.startedAt.getTime();
      // On the 1 s grid: a round that started late does not push the next one back.
      expect(gap).toBeGreaterThanOrEqual(900);
      expect(gap).toBeLessThan(1_200);
    }
    expect(getSchedule(ctx)).toMatchObject({
      lastRoundId: rounds.at(-1)!.id,
      skippedTicks: 0,
      lastError: null,
    });
  }, 15_000);

  it('skips and counts the ticks that fall while a long round runs; rounds never overlap', async () => {
    const { miners } = await minersOf([{ kind: 'slow', ms: 2_300 }, { kind: 'correct' }]);
    const ctx = context(miners);
    const skipped: number[] = [];
    ctx.observer = { ticksSkipped: (n) => skipped.push(n) };
    setSchedule(ctx, { intervalSeconds: 1, timeoutMs: 3_000 });
    runner = createJobRunner({ db: ctx.db, log: silentLogger });
    registerScheduleJobs(runner, ctx, null);
    runner.start();
    await sleep(5_200);
    await runner.stop();

    const rounds = scheduledRounds(ctx);
    expect(rounds.length).toBe(2);
    for (let i = 1; i < rounds.length; i++)
      expect(rounds[i]!.startedAt.getTime()).toBeGreaterThanOrEqual(rounds[i - 1]!.completedAt.getTime());
    // Each 2.3 s round swallows the ticks at +1 s and +2 s; the next starts on the grid at +3 s.
    expect(skipped).toEqual([2, 2]);
    expect(getSchedule(ctx).skippedTicks).toBe(4);
    const gap = rounds[1]!.startedAt.getTime() - rounds[0]!.startedAt.getTime();
    expect(gap).toBeGreaterThanOrEqual(2_900);
    expect(gap).toBeLessThan(3_200);
  }, 15_000);

  it('asks a rotating sample so every miner is asked equally often', async () => {
    const { miners, standIns } = await minersOf(
      Array.from({ length: 5 }, () => ({ kind: 'correct' as const })),
    );
    const ctx = context(miners);
    setSchedule(ctx, { sample: 2 });
    for (let i = 0; i < 5; i++) {
      const outcome = await runScheduledRound(ctx);
      expect(outcome.kind === 'round' && outcome.round.minerCount).toBe(2);
    }
    expect(standIns.hits).toEqual([2, 2, 2, 2, 2]);
  });

  it('with no active miner asks nothing, spends no question, and the watchdog says why', async () => {
    const ctx = context([]);
    let clock = Date.parse('2026-12-04T10:00:00Z');
    ctx.now = () => new Date(clock);
    setSchedule(ctx, { intervalSeconds: 60 });
    const probe = schedulerHealthProbe(ctx, new Date(clock));
    expect(await runScheduleTick(ctx)).toEqual({ kind: 'no-miners' });
    expect(getSchedule(ctx).lastError).toBe(NO_ACTIVE_MINERS);
    expect(createRoundRepository(ctx.db).recentByTrigger('schedule', 10)).toEqual([]);
    expect(await probe()).toMatchObject({ status: 'up' });
    clock += 3 * 60_000 + 12_000;
    expect(await probe()).toEqual({ status: 'degraded', kind: 'every 1 m 0 s', error: 'no active miners' });
    setSchedule(ctx, { enabled: false });
    expect(await probe()).toEqual({ status: 'disabled' });
    expect(await runScheduleTick(ctx)).toEqual({ kind: 'off' });
  });

  it('reports how long it has been since a scheduled round completed', async () => {
    const { miners } = await minersOf([{ kind: 'correct' }]);
    const ctx = context(miners);
    const probe = schedulerHealthProbe(ctx, new Date(0));
    setSchedule(ctx, { intervalSeconds: 60 });
    expect(await runScheduleTick(ctx)).toMatchObject({ kind: 'round' });
    const completed = getSchedule(ctx).lastRoundCompletedAt!.getTime();
    ctx.now = () => new Date(completed + 192_000);
    // updatedAt (the set above) also counts as a start; move it back as if set long ago.
    ctx.db
      .update(schema.validationSchedule)
      .set({ updatedAt: new Date(0) })
      .run();
    expect(await probe()).toMatchObject({
      status: 'degraded',
      error: 'no scheduled round completed in 3 m 12 s',
    });
    expect(formatDuration(3_725_000)).toBe('1 h 2 m');
  });
});

const FIXTURE = fileURLToPath(new URL('../testkit/schedule-process.ts', import.meta.url));

interface ScheduleProcess {
  child: ChildProcess;
  lines: string[];
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<string>;
}

function startScheduleProcess(db: string, miners: RoundMiner[]): ScheduleProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', FIXTURE], {
    env: { ...process.env, DB: db, MINERS: JSON.stringify(miners) },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const lines: string[] = [];
  let buffered = '';
  child.stdout!.on('data', (chunk: Buffer) => {
    buffered += chunk.toString();
    const parts = buffered.split('\n');
    buffered = parts.pop()!;
    lines.push(...parts);
  });
  return {
    child,
    lines,
    async waitFor(pattern, timeoutMs = 20_000) {
      const until = Date.now() + timeoutMs;
      while (Date.now() < until) {
        const line = lines.find((l) => pattern.test(l));
        if (line) return line;
        if (child.exitCode !== null) throw new Error(`schedule process exited (${child.exitCode})`);
        await sleep(20);
      }
      throw new Error(`no line matching ${pattern} within ${timeoutMs} ms; saw ${lines.join(' | ')}`);
    },
  };
}

async function stopProcess(p: ScheduleProcess): Promise<void> {
  if (p.child.exitCode !== null || p.child.signalCode !== null) return;
  const exited = new Promise((resolve) => p.child.once('exit', resolve));
  p.child.kill('SIGTERM');
  await exited;
}

describe('the schedule across processes on one database file', () => {
  const processes: ScheduleProcess[] = [];
  afterEach(async () => {
    await Promise.all(processes.splice(0).map(stopProcess));
  });

  function prepare(name: string, miners: RoundMiner[], interval: number): string {
    const file = join(dir, `${name}.db`);
    const ctx = context(miners, file);
    setSchedule(ctx, { intervalSeconds: interval });
    database!.close();
    database = undefined;
    return file;
  }

  function rounds(file: string) {
    database = openDatabase({ path: file });
    const repo = createRoundRepository(database.db);
    const list = repo
      .recentByTrigger('schedule', 1000)
      .sort((a, b) => a.startedAt.getTime() - b.startedAt.getTime());
    const answers = list.map((r) => repo.answersOf(r.id).length);
    const schedule = getSchedule({ db: database.db, config: parseConfig({}), log: silentLogger });
    database.close();
    database = undefined;
    return { list, answers, schedule };
  }

  it('two processes run one schedule: one round per tick, never two at once', async () => {
    const { miners, standIns } = await minersOf([{ kind: 'slow', ms: 300 }, { kind: 'correct' }]);
    const file = prepare('two', miners, 1);
    const a = startScheduleProcess(file, miners);
    const b = startScheduleProcess(file, miners);
    processes.push(a, b);
    await Promise.all([a.waitFor(/^ready/), b.waitFor(/^ready/)]);
    await sleep(5_000);
    await Promise.all([stopProcess(a), stopProcess(b)]);

    const { list } = rounds(file);
    const started = [...a.lines, ...b.lines].filter((l) => l.startsWith('started')).length;
    expect(list.length).toBeGreaterThanOrEqual(4);
    expect(list.length).toBeLessThanOrEqual(6);
    expect(started).toBe(list.length);
    expect(standIns.hits[0]).toBe(list.length);
    for (let i = 1; i < list.length; i++) {
      expect(list[i]!.startedAt.getTime()).toBeGreaterThanOrEqual(list[i - 1]!.completedAt.getTime());
      expect(list[i]!.startedAt.getTime() - list[i - 1]!.startedAt.getTime()).toBeGreaterThanOrEqual(900);
    }
  }, 40_000);

  it('a process killed with SIGKILL mid-round leaves no half-stored round; restarted, it resumes at once', async () => {
    const { miners } = await minersOf([{ kind: 'slow', ms: 1_500 }, { kind: 'correct' }]);
    const file = prepare('kill', miners, 1);
    const first = startScheduleProcess(file, miners);
    processes.push(first);
    await first.waitFor(/^stored/);
    // Wait for a round that has started but not been stored, then kill the process in the middle of it.
    const inFlight = await (async () => {
      for (;;) {
        const startedIds = first.lines.filter((l) => l.startsWith('started')).map((l) => l.split(' ')[1]!);
        const storedIds = new Set(
          first.lines.filter((l) => l.startsWith('stored')).map((l) => l.split(' ')[1]!),
        );
        const open = startedIds.find((id) => !storedIds.has(id));
        if (open) return open;
        await sleep(10);
      }
    })();
    await sleep(300);
    first.child.kill('SIGKILL');
    await new Promise((resolve) => first.child.once('exit', resolve));

    const before = rounds(file);
    expect(before.list.map((r) => r.id)).not.toContain(inFlight);
    expect(before.list.length).toBeGreaterThanOrEqual(1);
    expect(before.answers).toEqual(before.list.map((r) => r.minerCount));

    const restarted = startScheduleProcess(file, miners);
    processes.push(restarted);
    await restarted.waitFor(/^ready/, 30_000);
    const t0 = Date.now();
    await restarted.waitFor(/^stored/, 10_000);
    // The dead process's lease (3 s in this fixture, 60 s in the server) is taken over at once.
    expect(Date.now() - t0).toBeLessThan(2_500);
    await stopProcess(restarted);

    const after = rounds(file);
    expect(after.list.length).toBeGreaterThan(before.list.length);
    expect(after.answers).toEqual(after.list.map((r) => r.minerCount));
    expect(after.schedule.lastRoundId).toBe(after.list.at(-1)!.id);
  }, 60_000);
});
