/**
 * The schedule at a 1 s interval over 100 stand-in miners, on a SQLite file, through the job runner
 * as the server runs it: rounds per minute held, and how far round starts drift from the 1 s grid.
 * `SCHEDULE_BENCH_SECONDS` sets the run (default 60; 600 for the 10-minute drift figure).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { createRoundRepository, openDatabase } from '@tensornode/db';
import { ensureStarterBank } from '../src/bank/index.ts';
import { parseConfig } from '../src/config.ts';
import { silentLogger } from '../src/context.ts';
import { createJobRunner } from '../src/jobs/runner.ts';
import { disabledLedgerHook } from '../src/ledger/outbox.ts';
import {
  getSchedule,
  registerScheduleJobs,
  type ScheduleContext,
  setSchedule,
} from '../src/schedule/index.ts';
import { startStandInMiners } from '../src/testkit/stand-in-miners.ts';
import { staticMinerDirectory } from '../src/validation/index.ts';

const MINERS = 100;
const INTERVAL_S = 1;

export async function run(): Promise<void> {
  const seconds = Number(process.env.SCHEDULE_BENCH_SECONDS ?? 60);
  const dir = mkdtempSync(join(tmpdir(), 'tensornode-bench-schedule-'));
  const standIns = await startStandInMiners({
    behaviours: Array.from({ length: MINERS }, (_, i) =>
      i % 10 === 0 ? { kind: 'slow' as const, ms: 200 } : { kind: 'correct' as const },
    ),
    correctAnswer: 'The answer is 42.',
  });
  const handle = openDatabase({ path: join(dir, 'bench.db') });
  const ctx: ScheduleContext = {
    db: handle.db,
    config: parseConfig({}),
    log: silentLogger,
    miners: staticMinerDirectory(
      standIns.miners.map((m, i) => ({ ...m, minerAddress: `0.0.${10_000 + i}` })),
    ),
    ledgerHook: disabledLedgerHook,
  };
  ensureStarterBank(ctx);
  setSchedule(ctx, { intervalSeconds: INTERVAL_S, timeoutMs: 5_000 });
  const runner = createJobRunner({ db: handle.db, log: silentLogger });
  registerScheduleJobs(runner, ctx, null);
  const t0 = Date.now();
  runner.start();
  await sleep(seconds * 1000);
  await runner.stop();
  const elapsed = (Date.now() - t0) / 1000;

  const rounds = createRoundRepository(handle.db)
    .recentByTrigger('schedule', 1_000_000)
    .sort((a, b) => a.startedAt.getTime() - b.startedAt.getTime());
  const first = rounds[0]!.startedAt.getTime();
  const drifts = rounds.map((r) => {
    const since = r.startedAt.getTime() - first;
    return since - Math.round(since / (INTERVAL_S * 1000)) * INTERVAL_S * 1000;
  });
  const sorted = [...drifts].sort((a, b) => a - b);
  const pct = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
  const durations = rounds.map((r) => r.completedAt.getTime() - r.startedAt.getTime()).sort((a, b) => a - b);
  const lastTick = Math.round((rounds.at(-1)!.startedAt.getTime() - first) / (INTERVAL_S * 1000));
  console.table({
    run: { value: `${elapsed.toFixed(0)} s, ${MINERS} stand-in miners, every ${INTERVAL_S} s` },
    rounds: { value: rounds.length },
    'rounds per minute': { value: ((rounds.length / elapsed) * 60).toFixed(1) },
    'ticks on the grid / rounds': { value: `${lastTick + 1} / ${rounds.length}` },
    'skipped ticks': { value: getSchedule(ctx).skippedTicks },
    'round duration p50 / max (ms)': {
      value: `${durations[durations.length >> 1]} / ${durations.at(-1)}`,
    },
    'start drift from grid p50 / p99 / max (ms)': { value: `${pct(50)} / ${pct(99)} / ${sorted.at(-1)}` },
    'drift of the last round (ms)': { value: drifts.at(-1) },
    'answers per round': { value: rounds.at(-1)!.answeredCount },
  });
  handle.close();
  await standIns.close();
  rmSync(dir, { recursive: true, force: true });
}
