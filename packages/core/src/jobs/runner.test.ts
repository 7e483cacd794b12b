import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { createJobRepository, type DatabaseHandle, openDatabase } from '@tensornode/db';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../context.ts';
import { createJobRunner, type JobRunner } from './runner.ts';

let dir: string;
let handles: DatabaseHandle[] = [];
let runners: JobRunner[] = [];

/** A second process, as far as SQLite is concerned: its own connection to the same file. */
function connect(): DatabaseHandle {
  const handle = openDatabase({ path: join(dir, 'jobs.db') });
  handles.push(handle);
  return handle;
}

function runner(handle: DatabaseHandle, leaseMs = 60_000): JobRunner {
  const r = createJobRunner({ db: handle.db, log: silentLogger, leaseMs });
  runners.push(r);
  return r;
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'tensornode-jobs-'));
});
afterEach(async () => {
  await Promise.all(runners.map((r) => r.stop()));
  for (const h of handles) h.close();
  runners = [];
  handles = [];
  rmSync(dir, { recursive: true, force: true });
});

describe('job runner', () => {
  it('never runs a job twice at once, even from two runners on one database file', async () => {
    let running = 0;
    let maxRunning = 0;
    let runs = 0;
    const work = async () => {
      running += 1;
      runs += 1;
      maxRunning = Math.max(maxRunning, running);
      await sleep(30);
      running -= 1;
    };
    const a = runner(connect());
    const b = runner(connect());
    a.register('shared', 20, work);
    b.register('shared', 20, work);

    // Both ask at the same moment: one runs, the other is told it is busy.
    const outcomes = await Promise.all([a.runNow('shared'), b.runNow('shared')]);
    expect(outcomes.filter((o) => o.ran)).toHaveLength(1);
    expect(outcomes.find((o) => !o.ran)).toEqual({ ran: false, reason: 'busy' });

    a.start();
    b.start();
    await sleep(600);
    await Promise.all([a.stop(), b.stop()]);
    expect(maxRunning).toBe(1);
    expect(runs).toBeGreaterThan(3);
  });

  it('records each run, its error, and does not re-run a job before it is due after a restart', async () => {
    const first = runner(connect());
    let calls = 0;
    first.register('flaky', 60_000, async () => {
      calls += 1;
      throw new Error('upstream said no');
    });
    first.start();
    await sleep(100);
    await first.stop();
    expect(calls).toBe(1);
    const row = createJobRepository(connect().db).get('flaky')!;
    expect(row).toMatchObject({ lastError: 'upstream said no', leaseOwner: null });
    expect(row.lastFinishedAt).toBeInstanceOf(Date);

    // A restarted server: the job ran a moment ago, so it waits for its interval.
    const restarted = runner(connect());
    restarted.register('flaky', 60_000, async () => {
      calls += 1;
    });
    restarted.start();
    await sleep(100);
    expect(calls).toBe(1);
    expect(await restarted.runNow('flaky')).toEqual({ ran: true, error: null });
    expect(createJobRepository(connect().db).get('flaky')!.lastError).toBeNull();
  });

  it('takes over a job whose runner died holding the lease, once the lease expires', async () => {
    const handle = connect();
    const repo = createJobRepository(handle.db);
    repo.ensure('orphaned');
    const now = new Date();
    expect(
      repo.acquire({
        name: 'orphaned',
        owner: 'crashed-process',
        now,
        until: new Date(now.getTime() + 150),
        intervalMs: 0,
      }),
    ).toBeDefined();

    const r = runner(connect());
    let ran = 0;
    r.register('orphaned', 10_000, async () => {
      ran += 1;
    });
    expect(await r.runNow('orphaned')).toEqual({ ran: false, reason: 'busy' });
    await sleep(200);
    expect(await r.runNow('orphaned')).toEqual({ ran: true, error: null });
    expect(ran).toBe(1);
  });

  it('keeps renewing the lease of a long run, so nobody takes it over meanwhile', async () => {
    const a = runner(connect(), 90);
    const b = runner(connect(), 90);
    let running = 0;
    let overlap = false;
    const work = async () => {
      running += 1;
      if (running > 1) overlap = true;
      await sleep(400);
      running -= 1;
    };
    a.register('long', 10_000, work);
    b.register('long', 10_000, work);
    const first = a.runNow('long');
    await sleep(250); // well past one lease length
    expect(await b.runNow('long')).toEqual({ ran: false, reason: 'busy' });
    expect(await first).toEqual({ ran: true, error: null });
    expect(overlap).toBe(false);
  });

  it('stop() aborts a running job through its signal and waits for it to return', async () => {
    const r = runner(connect());
    let sawAbort = false;
    let returned = false;
    r.register('slow', 60_000, async (signal) => {
      await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
      sawAbort = signal.aborted;
      await sleep(50);
      returned = true;
    });
    r.start();
    await sleep(50);
    await r.stop();
    expect(sawAbort).toBe(true);
    expect(returned).toBe(true);
    expect(await r.runNow('slow')).toEqual({ ran: false, reason: 'stopped' });
  });
});
