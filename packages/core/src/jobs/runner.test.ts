import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createJobRepository, type DatabaseHandle, openDatabase } from '@tensornode/db';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { silentLogger } from '../context.ts';
import { createJobRunner, type JobRunner } from './runner.ts';

// Every test runs on vitest's fake clock: timers and `Date` only move when the test moves them,
// so leases of seconds expire exactly when the test says and a loaded machine cannot reorder them.

let dir: string;
let handles: DatabaseHandle[] = [];
let runners: JobRunner[] = [];

/** The runner's clock: the faked `Date`, moved by `vi.advanceTimersByTimeAsync`. */
const clock = () => new Date();

/** A pause on the fake clock that also ends when the job is aborted. */
function pause(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener(
      'abort',
      () => {
        clearTimeout(timer);
        resolve();
      },
      { once: true },
    );
  });
}

/** A second process, as far as SQLite is concerned: its own connection to the same file. */
function connect(): DatabaseHandle {
  const handle = openDatabase({ path: join(dir, 'jobs.db') });
  handles.push(handle);
  return handle;
}

function runner(handle: DatabaseHandle, leaseMs = 60_000): JobRunner {
  const r = createJobRunner({ db: handle.db, log: silentLogger, leaseMs, now: clock });
  runners.push(r);
  return r;
}

beforeEach(() => {
  vi.useFakeTimers({ now: new Date('2026-01-01T00:00:00Z') });
  dir = mkdtempSync(join(tmpdir(), 'tensornode-jobs-'));
});
afterEach(async () => {
  // Jobs still running end on abort (see `pause`), so stopping needs no timers to fire.
  await Promise.all(runners.map((r) => r.stop()));
  for (const h of handles) h.close();
  runners = [];
  handles = [];
  vi.useRealTimers();
  rmSync(dir, { recursive: true, force: true });
});

describe('job runner', () => {
  it('never runs a job twice at once, even from two runners on one database file', async () => {
    let running = 0;
    let maxRunning = 0;
    let runs = 0;
    const work = async (signal: AbortSignal) => {
      running += 1;
      runs += 1;
      maxRunning = Math.max(maxRunning, running);
      await pause(300, signal);
      running -= 1;
    };
    const a = runner(connect());
    const b = runner(connect());
    a.register('shared', 1_000, work);
    b.register('shared', 1_000, work);

    // Both ask at the same moment: one runs, the other is told it is busy.
    const both = Promise.all([a.runNow('shared'), b.runNow('shared')]);
    await vi.advanceTimersByTimeAsync(300);
    const outcomes = await both;
    expect(outcomes.filter((o) => o.ran)).toHaveLength(1);
    expect(outcomes.find((o) => !o.ran)).toEqual({ ran: false, reason: 'busy' });

    // Scheduled, both runners keep trying for 10 s of clock time; the job runs about once a second.
    a.start();
    b.start();
    await vi.advanceTimersByTimeAsync(10_000);
    await Promise.all([a.stop(), b.stop()]);
    expect(maxRunning).toBe(1);
    expect(runs).toBeGreaterThanOrEqual(6);
    expect(runs).toBeLessThanOrEqual(12);
  });

  it('records each run, its error, and does not re-run a job before it is due after a restart', async () => {
    const first = runner(connect());
    let calls = 0;
    first.register('flaky', 60_000, async () => {
      calls += 1;
      throw new Error('upstream said no');
    });
    first.start();
    await vi.advanceTimersByTimeAsync(100);
    await first.stop();
    expect(calls).toBe(1);
    const row = createJobRepository(connect().db).get('flaky')!;
    expect(row).toMatchObject({ lastError: 'upstream said no', leaseOwner: null });
    expect(row.lastFinishedAt).toBeInstanceOf(Date);

    // A restarted server: the job ran a moment ago, so it waits for its interval...
    const restarted = runner(connect());
    restarted.register('flaky', 60_000, async () => {
      calls += 1;
    });
    restarted.start();
    await vi.advanceTimersByTimeAsync(59_000);
    expect(calls).toBe(1);
    // ...and runs once the interval has passed.
    await vi.advanceTimersByTimeAsync(2_000);
    expect(calls).toBe(2);
    expect(createJobRepository(connect().db).get('flaky')!.lastError).toBeNull();
    // runNow does not wait for the interval.
    expect(await restarted.runNow('flaky')).toEqual({ ran: true, error: null });
    expect(calls).toBe(3);
  });

  it('takes over a job whose runner died holding the lease, once the lease expires', async () => {
    const handle = connect();
    const repo = createJobRepository(handle.db);
    repo.ensure('orphaned');
    const now = clock();
    expect(
      repo.acquire({
        name: 'orphaned',
        owner: 'crashed-process',
        now,
        until: new Date(now.getTime() + 5_000),
        intervalMs: 0,
      }),
    ).toBeDefined();

    const r = runner(connect());
    let ran = 0;
    r.register('orphaned', 10_000, async () => {
      ran += 1;
    });
    expect(await r.runNow('orphaned')).toEqual({ ran: false, reason: 'busy' });
    await vi.advanceTimersByTimeAsync(4_999);
    expect(await r.runNow('orphaned')).toEqual({ ran: false, reason: 'busy' });
    expect(ran).toBe(0);
    await vi.advanceTimersByTimeAsync(2);
    expect(await r.runNow('orphaned')).toEqual({ ran: true, error: null });
    expect(ran).toBe(1);
  });

  it('takes over at once a lease held by a local process that is gone, but not one held by a live process', async () => {
    const handle = connect();
    const repo = createJobRepository(handle.db);
    const now = clock();
    const hold = (name: string, owner: string) => {
      repo.ensure(name);
      repo.acquire({ name, owner, now, until: new Date(now.getTime() + 60_000), intervalMs: 0 });
    };
    // A pid above the kernel's pid_max belongs to no process; our parent's pid is alive.
    hold('killed', '4194305-deadbeef');
    hold('alive', `${process.ppid}-cafebabe`);
    const r = runner(connect());
    r.register('killed', 10_000, async () => {});
    r.register('alive', 10_000, async () => {});
    expect(await r.runNow('killed')).toEqual({ ran: true, error: null });
    expect(await r.runNow('alive')).toEqual({ ran: false, reason: 'busy' });
  });

  it('sleeps until the time a job says it next has work, and wakes early when told', async () => {
    const r = runner(connect());
    // Like the schedule: each run moves its next tick 30 s on.
    let dueAt = clock();
    let ran = 0;
    r.register(
      'hinted',
      10,
      async () => {
        ran += 1;
        dueAt = new Date(clock().getTime() + 30_000);
      },
      { nextRunAt: () => dueAt, maxIdleMs: 60_000 },
    );
    r.start();
    await vi.advanceTimersByTimeAsync(20);
    expect(ran).toBe(1);
    await vi.advanceTimersByTimeAsync(29_000);
    expect(ran).toBe(1);
    await vi.advanceTimersByTimeAsync(1_100);
    expect(ran).toBe(2);
    dueAt = clock();
    r.wake('hinted');
    await vi.advanceTimersByTimeAsync(20);
    expect(ran).toBe(3);
  });

  it('keeps renewing the lease of a long run, so nobody takes it over meanwhile', async () => {
    // A 3 s lease, renewed every second, on a run that takes 10 s.
    const a = runner(connect(), 3_000);
    const b = runner(connect(), 3_000);
    let running = 0;
    let overlap = false;
    const work = async (signal: AbortSignal) => {
      running += 1;
      if (running > 1) overlap = true;
      await pause(10_000, signal);
      running -= 1;
    };
    a.register('long', 10_000, work);
    b.register('long', 10_000, work);
    const first = a.runNow('long');
    await vi.advanceTimersByTimeAsync(6_500); // two lease lengths past the start
    expect(await b.runNow('long')).toEqual({ ran: false, reason: 'busy' });
    await vi.advanceTimersByTimeAsync(3_500);
    expect(await first).toEqual({ ran: true, error: null });
    expect(overlap).toBe(false);
    // Once the run has finished the lease is free again.
    const second = b.runNow('long');
    await vi.advanceTimersByTimeAsync(10_000);
    expect(await second).toEqual({ ran: true, error: null });
  });

  it('stop() aborts a running job through its signal and waits for it to return', async () => {
    const r = runner(connect());
    let sawAbort = false;
    let returned = false;
    r.register('slow', 60_000, async (signal) => {
      await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
      sawAbort = signal.aborted;
      await pause(50);
      returned = true;
    });
    r.start();
    await vi.advanceTimersByTimeAsync(50);
    let stopped = false;
    const stopping = r.stop().then(() => {
      stopped = true;
    });
    await vi.advanceTimersByTimeAsync(10);
    expect(sawAbort).toBe(true);
    expect(stopped).toBe(false); // still waiting for the job to return
    await vi.advanceTimersByTimeAsync(50);
    await stopping;
    expect(returned).toBe(true);
    expect(await r.runNow('slow')).toEqual({ ran: false, reason: 'stopped' });
  });
});
